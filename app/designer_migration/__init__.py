"""The process designer's bulk migration of running cases between package versions: pages at
`/perancang/<code>/migrasi/` (views.py) and the API at `/api/v1/designer/<code>/migrations/` (api.py),
both on workflows/migration.py."""

from __future__ import annotations

from typing import Any

from flask import Flask


def register(app: Flask, appbuilder: Any) -> None:
    from .api import MigrationApi
    from .views import MigrationView

    appbuilder.add_view_no_menu(MigrationView)
    appbuilder.add_api(MigrationApi)
