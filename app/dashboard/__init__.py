"""The head of office's dashboard and the process heatmap (web part; the figures are in
workflows/dashboard/)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def combine(args: dict[str, Any], *extras: dict[str, Any]) -> dict[str, Any]:
    """Query arguments with others added or replaced (an empty value drops the argument)."""
    merged = dict(args)
    for extra in extras:
        merged.update(extra)
    return {key: value for key, value in merged.items() if value not in (None, "")}


def without(args: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in args.items() if key not in names}


def register(app: Flask, appbuilder: Any) -> None:
    from ..security import MENU_DASHBOARD
    from .api import DashboardApi
    from .views import DashboardView

    app.jinja_env.filters["combine"] = combine
    app.jinja_env.filters["without"] = without
    appbuilder.add_view(DashboardView, MENU_DASHBOARD, icon="fa-bar-chart", href="/dasbor/")
    appbuilder.add_view_no_menu(DashboardApi)
