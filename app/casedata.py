"""What a case page or task page shows of a case's process variables: the fields its package's
forms define, with the forms' labels and option labels, never the raw variables a process keeps
for itself (SLA lengths, letter records, counters).

A form field marked `"x-internal": true` (an officer's internal note) is shown only to the office's
own staff: read-all roles and roles scoped to the office or a bidang, not to a kelurahan officer or
an applicant.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort
from flask_babel import gettext as _

from workflows import persons
from workflows.db import Case
from workflows.packages import ServicePackage, files_of, form_of, package_of_case
from workflows.principal import BIDANG, OFFICE, REGION_BIDANG, Principal
from workflows.visibility import can_view_case

from .extensions import db
from .formfields import option_label
from .package_english import package_text, shown_value
from .views.display import format_day


def visible_case_or_404(case_id: int, principal: Principal) -> Case:
    """The case this person may see; 404 (not 403) otherwise, so a case outside one's region is
    not revealed to exist."""
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(principal, case):
        abort(404, description=_("Kasus tidak ditemukan."))
    return case


def is_office_staff(principal: Principal) -> bool:
    return principal.reads_everything or any(
        scope in (OFFICE, BIDANG, REGION_BIDANG) for role, scope in principal.scopes if role in principal.roles
    )


FieldList = tuple[tuple[str, dict[str, Any], dict[str, Any]], ...]
# content hash of a package version → its fields: a version never changes, and a page asks several times
# (the fields shown, the hidden ones, the NIKs logged). Read-only for callers, like form_of's schemas.
_FIELDS: dict[str, FieldList] = {}
_FIELDS_KEPT = 128


def _fields(case: Case) -> FieldList:
    """(name, property, schema) of every field the package's forms define, start form first."""
    package = package_of_case(db.session, case)
    found = _FIELDS.get(package.content_hash)
    if found is None:
        if len(_FIELDS) >= _FIELDS_KEPT:
            _FIELDS.clear()
        found = _FIELDS[package.content_hash] = _read_fields(package)
    return found


def _read_fields(package: ServicePackage) -> FieldList:
    start = package.descriptor.start.get("form")
    names = [start] if start else []
    names += [n for n in files_of(package).names("forms", ".schema.json") if n != start]
    seen: set[str] = set()
    out = []
    for name in names:
        schema = form_of(package, name)
        for field, prop in schema.get("properties", {}).items():
            if field not in seen:
                seen.add(field)
                out.append((field, prop, schema))
    return tuple(out)


def form_fields(case: Case) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """field name → (property, schema) of every field the case's forms define."""
    return {field: (prop, schema) for field, prop, schema in _fields(case)}


def field_text(schema: dict[str, Any], field: str, value: Any) -> str:
    """A value as its form shows it (option labels, ya/tidak)."""
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    return option_label(schema, field, value)


def _shown(prop: dict[str, Any], schema: dict[str, Any], field: str, value: Any) -> str:
    """A value as an officer reads it on a case or task page: Ya/Tidak, dates in the office's format."""
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return format_day(day)
    return option_label(schema, field, value)


def case_fields(case: Case, data: dict[str, Any], principal: Principal,
                leave_out: set[str] | None = None) -> list[tuple[str, str]]:
    """(label, text) of the case's form fields that hold a value. Documents are listed as links by
    _case_files.html, not here; `leave_out` names the open task's own fields, which its form shows
    (otherwise an earlier round's answer would sit beside the empty field)."""
    staff = is_office_staff(principal)
    package = package_of_case(db.session, case)
    rows = []
    for field, prop, schema in _fields(case):
        value = data.get(field)
        if value in (None, "", []) or prop.get("x-berkas") or isinstance(value, dict | list):
            continue
        if (prop.get("x-internal") and not staff) or (leave_out and field in leave_out):
            continue
        rows.append((package_text(prop.get("title", field), package),
                     shown_value(prop, _shown(prop, schema, field, value), package)))
    return rows


def hidden_fields(case: Case, principal: Principal) -> set[str]:
    """Fields this person may not read on this case (internal notes, unless office staff)."""
    if is_office_staff(principal):
        return set()
    return {field for field, prop, _ in _fields(case) if prop.get("x-internal")}


def without(data: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """An audit event's data less the fields this reader may not see (also one level down: a start)."""
    out = {k: v for k, v in data.items() if k not in hidden}
    if isinstance(out.get("data"), dict):
        out["data"] = {k: v for k, v in out["data"].items() if k not in hidden}
    return out


def log_case_view(case: Case, principal: Principal, where: str, data: dict[str, Any] | None = None) -> None:
    """A page or API answer that shows the case's fields shows its subject's identity: logged (PDP).
    Besides the case's subject, every other NIK among the fields shown (a family member, a reporter's
    own NIK on a case without a subject) is logged as viewed too."""
    niks = [case.subject_nik] if case.subject_nik else []
    for field, prop, _schema in _fields(case) if data else ():
        value = data.get(field)
        if (isinstance(value, str) and len(value) == 16 and value.isdigit() and value not in niks
                and not prop.get("x-berkas") and persons.check_nik(value).valid):
            niks.append(value)
    for nik in niks:
        persons.log_view(db.session, principal, nik, f"{where}:{case.reference}", case.id)
    if niks:
        db.session.commit()
