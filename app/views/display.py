"""Small display helpers shared by templates."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from flask_babel import lazy_gettext

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
# Kota Jayapura is on WIT (UTC+9); the office's zone could become a setting.
OFFICE_TZ = timezone(timedelta(hours=9), "WIT")


def ui_lang() -> str:
    """The page's language for texts kept in both languages ({"id": …, "en": …}): "en" or "id".

    Read once per request and kept in `g` beside Flask-Babel's own locale (a list asks for every row);
    `forget_ui_lang` after the locale changes within a request."""
    from flask import g

    try:
        return g.ligat_lang
    except AttributeError:
        pass
    except RuntimeError:  # no application context (scripts): the office's language
        return "id"
    from flask_babel import get_locale

    locale = get_locale()
    g.ligat_lang = lang = "en" if locale is not None and locale.language == "en" else "id"
    return lang


def forget_ui_lang() -> None:
    """After `flask_babel.refresh()`: the next `ui_lang()` reads the locale again."""
    from flask import g

    g.pop("ligat_lang", None)


# The engine layer (no Flask-Babel) writes messages for people as "Indonesian. (English.)".
_BOTH = re.compile(r"^(?P<id>.+?[.!?:])\s+\((?P<en>[^()]+[.!?])\)$", re.S)


def page_message(message: str) -> str:
    """An engine message in the page's language: its English half on an English page; an Indonesian
    page keeps both halves, as written."""
    found = _BOTH.match(message or "")
    if found and _has_request() and ui_lang() == "en":
        return found.group("en")
    return message


def local_text(value: object) -> str:
    """A package's text kept in both languages ({"id": …, "en": …}) in the page's language."""
    from workflows.packages import text

    return text(value, ui_lang())


def format_day(value: date, lang: str | None = None) -> str:
    """A calendar day in the page's language (`lang` when the caller has it): "5 Maret 2026" / "5 March 2026"."""
    if lang is None:
        lang = ui_lang() if _has_request() else "id"
    months = MONTHS if lang == "en" else BULAN
    return f"{value.day} {months[value.month - 1]} {value.year}"


def _has_request() -> bool:
    # Outside a request (letters, CLI, scheduler) texts stay Indonesian, the office's language.
    from flask import has_request_context

    return has_request_context()


def format_dt(value: datetime | None, with_time: bool = True, lang: str | None = None) -> str:
    if value is None:
        return "–"
    # WIT has a fixed offset: adding it is the time zone conversion, without astimezone and strftime
    # (lists format a date on every row).
    local = value.replace(tzinfo=None) + _OFFICE_OFFSET  # values are naive UTC (an aware one is read as UTC)
    text = format_day(local.date(), lang)
    return f"{text} {local.hour:02d}:{local.minute:02d} WIT" if with_time else text


_OFFICE_OFFSET = OFFICE_TZ.utcoffset(None)


BIDANG = {
    "rehsos": lazy_gettext("Rehabilitasi Sosial"),
    "linjamsos": lazy_gettext("Perlindungan dan Jaminan Sosial"),
    "dayasos": lazy_gettext("Pemberdayaan Sosial"),
    "sekretariat": lazy_gettext("Sekretariat"),
    "sesuai_kategori": lazy_gettext("Sesuai kategori (Rehabilitasi Sosial, Perlindungan dan Jaminan Sosial, "
                                    "Pemberdayaan Sosial)"),
}


# Who did a step when it was no officer: the engine's actor names, read in the page's language.
ACTORS = {"warga": lazy_gettext("warga"), "sistem": lazy_gettext("sistem")}


def actor_label(actor: str | None) -> str:
    return str(ACTORS.get(actor or "", actor or "–"))


# The office's own roles (workflows/principal.py) in the page's language. A role a package adds keeps
# its name: the package names it.
ROLES = {
    "Operator Dinsos": lazy_gettext("Operator Dinsos"),
    "Petugas Lapangan": lazy_gettext("Petugas Lapangan"),
    "Kepala Bidang": lazy_gettext("Kepala Bidang"),
    "Kepala Dinas": lazy_gettext("Kepala Dinas"),
    "Petugas Kelurahan": lazy_gettext("Petugas Kelurahan"),
    "Auditor": lazy_gettext("Auditor"),
    "Perancang Proses": lazy_gettext("Perancang Proses"),
    "Admin": lazy_gettext("Admin"),
}


def role_label(role: str | None) -> str:
    """A role's name in the page's language: the built-in roles from the catalogue, a role a package
    declares from that package's English table."""
    if role in ROLES:
        return str(ROLES[role])
    if not role:
        return "–"
    from ..package_english import package_text

    return package_text(role)


def bidang_label(code: str | None) -> str:
    return str(BIDANG.get(code or "", code or "–"))


@lru_cache(maxsize=1)
def _pmks_names() -> dict[str, str]:
    import forms

    return {c["kode"]: c["nama"] for c in forms.pmks_categories()}


def category_label(code: str | None, lang: str | None = None, line_names: dict[str, str] | None = None) -> str:
    """A case's category: a PMKS category (complaints) or the code of a service line (its package's name).
    `lang`, `line_names` (`request_line_names()`): when the caller has them (a list, for every row)."""
    if not code:
        return "–"
    if code in _pmks_names():
        from ..package_english import package_text

        return package_text(_pmks_names()[code], lang=lang)
    return (line_names if line_names is not None else request_line_names()).get(code, code)


def request_packages() -> tuple:
    """The newest version of every service package (workflows.packages.PackageHead), once per request (a
    page's filters and its rows' category names both need them); kept per process until a deploy."""
    from flask import g

    from workflows.packages import latest_heads

    from ..extensions import db

    if "ligat_packages" not in g:
        g.ligat_packages = latest_heads(db.session)
    return g.ligat_packages


def request_line_names() -> dict[str, str]:
    """Names of the deployed lines, once per request (lists call this for every row)."""
    from flask import g

    from workflows.packages import text

    if "ligat_line_names" not in g:
        g.ligat_line_names = {p.code: text(p.descriptor.name, ui_lang()) for p in request_packages()}
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
