"""Citizen portal: public pages (views.py), report creation (reports.py), uploads
(media.py; photos re-encoded off the request by cleaning.py), service catalogue (catalogue.py)
and the officers' view of a report's photos and position (officer.py)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def register(app: Flask, appbuilder: Any) -> None:
    from . import language, survey  # noqa: F401 (their routes join the portal blueprint)
    from .officer import PortalMediaView, PublicSummaryView, case_portal_info
    from .texts import script_texts
    from .views import portal

    app.register_blueprint(portal)
    appbuilder.add_view_no_menu(PortalMediaView)
    appbuilder.add_view_no_menu(PublicSummaryView)
    app.jinja_env.globals["portal_info"] = case_portal_info
    app.jinja_env.globals["portal_script_texts"] = script_texts


def warm(app: Flask) -> None:
    """Build, before the first citizen waits for it, what a report reads from bundled data: the office's
    villages (lokal indexes every region of Indonesia on first use, about 0.2 s of CPU) and the PMKS
    categories. A server process calls this once at start: lazily, the request threads that arrive
    together would each build the same index at once, and hold their reports for seconds."""
    import forms

    from ..regions import villages

    villages(app.config["LIGAT_OFFICE_REGION"])
    forms.pmks_categories()
