"""Registration of every view, API and blueprint."""

from __future__ import annotations

from typing import Any

from flask import Flask


def register_all(app: Flask, appbuilder: Any) -> None:
    from ..audit.views import AuditView
    from ..security import MENU_AUDIT, MENU_CASES, MENU_INBOX
    from .cases import CaseView
    from .inbox import InboxView

    appbuilder.add_view(InboxView, MENU_INBOX, icon="fa-inbox", href="/inbox/")
    appbuilder.add_view(CaseView, MENU_CASES, icon="fa-folder-open", href="/kasus/")
    appbuilder.add_view(AuditView, MENU_AUDIT, icon="fa-shield", href="/audit/")
    from .account import AccountView

    appbuilder.add_view_no_menu(AccountView)
    _register_portal(app, appbuilder)
    _register_case_files(app, appbuilder)
    _register_services(app, appbuilder)
    from .. import designer

    designer.register(app, appbuilder)
    from .. import dashboard

    dashboard.register(app, appbuilder)
    from ..api.packages import PackageApi
    from ..api.work import CaseApi, InboxApi

    appbuilder.add_api(InboxApi)
    appbuilder.add_api(CaseApi)
    appbuilder.add_api(PackageApi)
    from ..api.account import AccountApi
    from ..audit.api import AuditApi

    appbuilder.add_api(AccountApi)
    appbuilder.add_api(AuditApi)
    _register_filters(app)
    from .errors import register_error_pages

    register_error_pages(app)
    from .. import designer_migration

    designer_migration.register(app, appbuilder)


def _register_portal(app: Flask, appbuilder: Any) -> None:
    """Citizen portal, Open311 API for partner apps, rate limits on public posts."""
    from .. import open311, portal
    from ..ratelimit import init_ratelimit

    init_ratelimit(app)
    portal.register(app, appbuilder)
    open311.register(app, appbuilder)
    from .. import whatsapp

    whatsapp.register(app, appbuilder)


def _register_case_files(app: Flask, appbuilder: Any) -> None:
    """Case files and letters, people's records, public letter verification, task panels."""
    from ..panels import case_files, task_panels
    from ..security import MENU_PERSON
    from ..verification import verification
    from .berkas import BerkasView, SuratView

    appbuilder.add_view(BerkasView, MENU_PERSON, icon="fa-id-card", href="/berkas/warga/")
    appbuilder.add_view_no_menu(SuratView)
    app.register_blueprint(verification)
    from ..casedata import case_fields

    app.jinja_env.globals["case_files"] = case_files
    app.jinja_env.globals["case_fields"] = case_fields
    app.jinja_env.globals["task_panels"] = task_panels


def _register_services(app: Flask, appbuilder: Any) -> None:
    """Every service line's application pages, the officers' start page and the registers."""
    from .. import services

    services.init_app(app, appbuilder)


def _register_filters(app: Flask) -> None:
    from letters import mask_nik
    from workflows.inbox import sla_badge

    from ..package_english import package_text
    from .display import (
        actor_label,
        bidang_label,
        category_label,
        format_day,
        format_dt,
        local_text,
        region_label,
        role_label,
        ui_lang,
    )

    app.jinja_env.filters["dt"] = format_dt
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["actor"] = actor_label
    app.jinja_env.filters["role"] = role_label
    app.jinja_env.filters["local"] = local_text
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["bidang"] = bidang_label
    app.jinja_env.filters["kategori"] = category_label
    # A package's text (task name, case status, role) in the page's language: {{ row.title | paket }}.
    app.jinja_env.filters["paket"] = package_text
    app.jinja_env.filters["wilayah"] = region_label
    app.jinja_env.globals["sla_badge"] = sla_badge
    app.jinja_env.globals["ui_lang"] = ui_lang
