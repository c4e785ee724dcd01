"""One start-up path for every database: Alembic migrations, then roles, the
bundled process models and (in demo mode) one user per role."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import text

from workflows.deployment import deploy_bundled
from workflows.packages import DeployResult, PackageFiles, deploy_package
from workflows.visibility import role_scopes

from .extensions import db
from .security import DEMO_PASSWORD, demo_users, ensure_roles, ensure_user

log = logging.getLogger(__name__)
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
_LOCK_ID = 4_721_001  # PostgreSQL advisory lock: one migrator at a time


@contextmanager
def _migration_lock():
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
            conn.commit()


def migrate_database() -> None:
    """Bring the schema to the newest revision."""
    with _migration_lock():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="head")


def deploy_with_roles(files: PackageFiles, actor: str) -> DeployResult:
    """Deploy one package and create the roles its lanes name that do not exist yet."""
    result = deploy_package(db.session, files, actor)
    ensure_package_roles()
    return result


def ensure_package_roles() -> None:
    """After a deploy (or a designer's publish): create the roles its lanes name that do not exist yet."""
    ensure_roles(role_scopes(db.session))


def seed(app: Flask) -> list[tuple[str, str, str]]:
    """Every bundled service package, the roles they use, demo users. Returns the demo users."""
    results = deploy_bundled(db.session, Path(app.config["LIGAT_PACKAGES_DIR"]))
    for result in results:
        log.info("paket %s versi %s siap", result.package.code, result.package.version)
    scopes = role_scopes(db.session)
    ensure_roles(scopes)
    shown = []
    if app.config["LIGAT_DEMO_USERS"]:
        for demo in demo_users(scopes):
            ensure_user(demo, DEMO_PASSWORD)
            shown.append((demo.role, demo.username, DEMO_PASSWORD))
    return shown
