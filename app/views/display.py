"""Small display helpers shared by templates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]
# Kota Jayapura is on WIT (UTC+9); the office's zone could become a setting.
OFFICE_TZ = timezone(timedelta(hours=9), "WIT")


def ui_lang() -> str:
    """The page's language for texts kept in both languages ({"id": …, "en": …}): "en" or "id"."""
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def format_dt(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "–"
    # WIT has a fixed offset: adding it is the time zone conversion, without astimezone and strftime
    # (lists format a date on every row).
    local = value.replace(tzinfo=None) + _OFFICE_OFFSET  # values are naive UTC (an aware one is read as UTC)
    text = f"{local.day} {BULAN[local.month - 1]} {local.year}"
    return f"{text} {local.hour:02d}:{local.minute:02d} WIT" if with_time else text


_OFFICE_OFFSET = OFFICE_TZ.utcoffset(None)


BIDANG = {
    "rehsos": "Rehabilitasi Sosial",
    "linjamsos": "Perlindungan dan Jaminan Sosial",
    "dayasos": "Pemberdayaan Sosial",
    "sekretariat": "Sekretariat",
    "sesuai_kategori": "Sesuai kategori (Rehabilitasi Sosial, Perlindungan dan Jaminan Sosial, Pemberdayaan Sosial)",
}


def bidang_label(code: str | None) -> str:
    return BIDANG.get(code or "", code or "–")


@lru_cache(maxsize=1)
def _pmks_names() -> dict[str, str]:
    import forms

    return {c["kode"]: c["nama"] for c in forms.pmks_categories()}


def category_label(code: str | None) -> str:
    """A case's category: a PMKS category (complaints) or the code of a service line (its package's name)."""
    if not code:
        return "–"
    if code in _pmks_names():
        from ..package_english import package_text

        return package_text(_pmks_names()[code])
    return _line_names().get(code, code)


def request_packages() -> list:
    """The newest version of every service package, read once per request (a page's filters and its rows'
    category names both need them)."""
    from flask import g

    from workflows.packages import latest_packages

    from ..extensions import db

    if "ligat_packages" not in g:
        g.ligat_packages = latest_packages(db.session)
    return g.ligat_packages


def _line_names() -> dict[str, str]:
    """Names of the deployed lines, once per request (lists call this for every row)."""
    from flask import g

    if "ligat_line_names" not in g:
        g.ligat_line_names = {p.code: p.descriptor.name[ui_lang()] for p in request_packages()}
    return g.ligat_line_names


def id_url(endpoint: str, key: str) -> tuple[str, str]:
    """The URL of `endpoint` for any id as (before, after) the id: a list builds each row's link by joining
    strings instead of calling url_for for every row."""
    from flask import url_for

    from ..hardening import DB_INT_MAX

    before, _, after = url_for(endpoint, **{key: DB_INT_MAX}).rpartition(str(DB_INT_MAX))
    return before, after


def region_label(code: str | None) -> str:
    from ..regions import region_label as label

    return label(code)


def N_(text: str) -> str:  # noqa: N802 (gettext marker convention)
    """Marks strings made elsewhere (the engine layer has no Flask-Babel) for extraction."""
    return text


ENGINE_LABELS = [N_("Tepat waktu"), N_("Segera jatuh tempo"), N_("Terlambat"), N_("Tanpa tenggat")]
