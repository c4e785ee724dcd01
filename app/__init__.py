"""LIGAT web application: Flask-AppBuilder for officers, a light public portal
for citizens. `create_app()` is the only way an app is made."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from .application import LigatFlask
from .extensions import csrf, db, migrate


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from flask_appbuilder import AppBuilder

    from config import Config
    from workflows.pool_ping import ping_when_idle

    from . import ratelimit  # noqa: F401 (registers the limiter's storage before FAB makes its own limiter)
    from .security import ROLE_PERMISSIONS
    from .setup import MIGRATIONS_DIR, migrate_database

    app = LigatFlask(__name__)
    app.config.from_object(Config)
    app.config.update(overrides or {})
    app.config["FAB_ROLES"] = ROLE_PERMISSIONS
    logging.basicConfig(level=app.config.get("LOG_LEVEL", logging.INFO))
    # SpiffWorkflow logs every task's state change at INFO: about ten lines per report, a fifth of the
    # web process's CPU for a report. The engine's warnings and errors still show.
    logging.getLogger("spiff").setLevel(logging.WARNING)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_when_idle(engine, app.config["LIGAT_DB_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    from .accounts import init_accounts
    from .hardening import init_hardening
    from .page_language import init_page_language

    init_hardening(app)  # before any route is added (bounded <int:>) and before the CSRF check
    init_accounts(app)
    init_page_language(app)
    csrf.init_app(app)
    from .engine_config import configure_engine

    configure_engine(app)

    with app.app_context():
        if app.config["LIGAT_MIGRATE_ON_START"]:
            migrate_database()
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        _register_views(app, appbuilder)
    from .page_translations import init_page_translations

    init_page_translations(app)  # after FAB has set up Flask-Babel

    from . import cli

    cli.register(app)
    return app


def _register_views(app: Flask, appbuilder: Any) -> None:
    from .views import register_all

    register_all(app, appbuilder)
