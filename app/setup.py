"""One start-up path for every database: Alembic migrations, then roles, the
bundled process models and (in demo mode) one user per role."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import text

from workflows.deployment import deploy_directory

from .extensions import db
from .security import DEMO_PASSWORD, DEMO_USERS, ensure_roles, ensure_user

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


def seed(app: Flask) -> list[tuple[str, str, str]]:
    """Roles, bundled BPMN, demo users. Returns the demo users created or present."""
    ensure_roles()
    deployed = deploy_directory(db.session, Path(app.config["LIGAT_BPMN_DIR"]))
    for definition in deployed:
        log.info("proses %s versi %s siap", definition.process_id, definition.version)
    shown = []
    if app.config["LIGAT_DEMO_USERS"]:
        for demo in DEMO_USERS:
            ensure_user(demo, DEMO_PASSWORD)
            shown.append((demo.role, demo.username, DEMO_PASSWORD))
    return shown
