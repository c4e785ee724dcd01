"""The dashboard's filters from a request's query string, checked (a wrong value is a 400 with a message
in both languages), and the names figures are shown with."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, request
from flask_babel import lazy_gettext
from flask_login import current_user

from workflows.dashboard.filters import BadFilter, Filters, may_see_dashboard
from workflows.durations import parse_day
from workflows.issued_letters import office_today
from workflows.packages import latest_packages, text

from ..extensions import db
from ..regions import is_office_area
from ..security import current_principal
from ..views.display import ui_lang

DEFAULT_DAYS = 30
CATEGORY_RE = re.compile(r"^[a-z0-9_]{1,100}$")


def dashboard_access(view: Any) -> Any:
    """Signed in, and a head of office, head of bidang or admin (workflows/dashboard/filters.py); others 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(current_app.appbuilder.get_url_for_login)
        if not may_see_dashboard(current_principal()):
            abort(403, description=str(lazy_gettext("Dasbor hanya untuk Kepala Dinas, Kepala Bidang dan Admin.")))
        return view(*args, **kwargs)

    return wrapper


def lines() -> dict[str, dict[str, str]]:
    """Deployed lines by process id: their package code and name (read once per request: the filters,
    the links and the tables all ask)."""
    if "dashboard_lines" not in g:
        g.dashboard_lines = {p.descriptor.process: {"kode": p.code, "nama": text(p.descriptor.name, ui_lang())}
                             for p in latest_packages(db.session)}
    return g.dashboard_lines


def process_of(code: str) -> str:
    for process, line in lines().items():
        if line["kode"] == code:
            return process
    raise BadFilter(f"Layanan '{code[:40]}' tidak ada. (No such service line.)")


def date_arg(name: str, default: date | None) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return parse_day(raw)
    except ValueError as exc:
        raise BadFilter(str(exc)) from None


def filters_from_request() -> Filters:
    today = office_today()
    end = date_arg("sampai", today)
    start = date_arg("dari", end - timedelta(days=DEFAULT_DAYS - 1))
    code = (request.args.get("lini") or "").strip()
    region = (request.args.get("wilayah") or "").strip()
    if region and not is_office_area(region, current_app.config["LIGAT_OFFICE_REGION"]):
        raise BadFilter("Wilayah di luar wilayah kantor. (Region outside the office's area.)")
    category = (request.args.get("kategori") or "").strip()
    if category and not CATEGORY_RE.match(category):
        raise BadFilter("Kategori tidak sah. (Invalid category.)")
    return Filters(start, end, process_of(code) if code else None, region or None, category or None)


def query_args(filters: Filters, **extra: Any) -> dict[str, str]:
    """The filters as query-string arguments (for links down to the cases and for exports)."""
    args = {"dari": filters.start.isoformat(), "sampai": filters.end.isoformat()}
    if filters.process_id:
        args["lini"] = lines().get(filters.process_id, {}).get("kode", "")
    if filters.region_code:
        args["wilayah"] = filters.region_code
    if filters.category:
        args["kategori"] = filters.category
    return args | {k: str(v) for k, v in extra.items() if v not in (None, "")}
