"""Read-only information panels beside a task form, as the case's package declares them
(service.json → panels: per task id, `*` for any other task). Every task and case page also
lists the case's documents and letters (`case_files`). Panels that show a person's record log
the view (workflows.persons.log_view).

Kinds (each may set `id`, `title` {id, en} and `style`: default, info, warning, danger, success):

    variables        rows of process variables with labels; `when` (a variable that must be set, or
                     {"variable", "equals"}) decides whether it shows; `list` adds a list variable's items
    fields           the start form's fields (`fields`: which) with the form's labels; `nik` names a NIK
                     field whose structure check is shown
    dtks             the DTKS record of the case's subject NIK
    person_history   earlier services of the subject NIK; `letter_type` warns of a letter of that type
                     issued in the last 12 months (a likely duplicate)
    register         the case's register entry and its other records (service.json → register)
    list             one line per item of a list variable, `item` a template of its keys; `empty` otherwise
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from workflows import cases, documents, dtks, issued_letters, persons, registers
from workflows.db import Case, InboxTask
from workflows.packages import form_of, package_of_case, text
from workflows.principal import Principal

from .extensions import db
from .formfields import option_label
from .package_english import package_text, shown_value
from .security import current_principal
from .views.display import ui_lang


@dataclass
class Panel:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "default"  # bootstrap panel style: default, info, warning, danger, success
    note: str | None = None
    html_id: str | None = None
    items: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    """A package text ({"id", "en"}) in the page's language."""
    return text(value, ui_lang())


def _fill(template: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{([a-z0-9_]+)\}", lambda m: str(values.get(m.group(1), "–")), template)


def _shown(spec: dict[str, Any], data: dict[str, Any]) -> bool:
    when = spec.get("when")
    if when is None:
        return True
    if isinstance(when, str):
        return bool(data.get(when))
    return data.get(when.get("variable")) == when.get("equals")


def _variables(spec: dict, case: Case, data: dict, principal: Principal) -> Panel | None:
    if not _shown(spec, data):
        return None
    rows = [(_text(r["label"]), "–" if data.get(r["variable"]) in (None, "") else str(data[r["variable"]]))
            for r in spec.get("rows", [])]
    panel = Panel(_fill(_text(spec.get("title")), data), rows, spec.get("style", "default"), html_id=spec.get("id"),
                  note=_text(spec.get("note")) or None)
    listed = spec.get("list")
    if listed:
        labels = {d.field: _text(d.label) for d in package_of_case(db.session, case).descriptor.documents}
        prefix = _text(listed.get("prefix"))
        panel.items = [prefix + labels.get(str(item), str(item)) for item in data.get(listed["variable"]) or []]
    return panel


def _fields(spec: dict, case: Case, data: dict, principal: Principal) -> Panel:
    package = package_of_case(db.session, case)
    schema = form_of(package, package.descriptor.start["form"]) if package.descriptor.start.get("form") else {}
    props = schema.get("properties", {})
    rows = []
    for name in spec.get("fields") or [k for k, p in props.items() if not p.get("x-berkas")]:
        title = props.get(name, {}).get("title", name)
        value = data.get(name)
        rows.append((package_text(title, package), "–" if value in (None, "") else
                     shown_value(props.get(name, {}), option_label(schema, name, value), package)))
    nik_field = spec.get("nik")
    if nik_field:
        check = persons.check_nik(str(data.get(nik_field, "")))
        if check.valid:
            sex = _("perempuan") if check.gender == "P" else _("laki-laki")
            rows.append((_("Pemeriksaan NIK"), _("sah: %(sex)s, lahir %(born)s, distrik %(district)s", sex=sex,
                                                 born=f"{check.birth_date:%d-%m-%Y}", district=check.district)))
        else:
            rows.append((_("Pemeriksaan NIK"), check.message or _("tidak sah")))
    return Panel(_text(spec.get("title")) or _("Data permohonan"), rows, spec.get("style", "default"),
                 html_id=spec.get("id"))


def _dtks(spec: dict, case: Case, data: dict, principal: Principal) -> Panel:
    row = dtks.lookup(db.session, case.subject_nik or "")
    if row is None:
        return Panel("DTKS", [(_("Status"), _("Tidak terdaftar di DTKS"))], "warning", html_id=spec.get("id"),
                     note=_("NIK ini tidak ditemukan di Data Terpadu Kesejahteraan Sosial."))
    rows = [(_("Status"), _("Terdaftar di DTKS")), (_("Desil"), str(row.desil or "–"))]
    if data.get("no_kk") and row.no_kk != data.get("no_kk"):
        from letters import mask_nik

        rows.append((_("Nomor KK di DTKS"), _("berbeda (%(kk)s)", kk=mask_nik(row.no_kk))))
    return Panel("DTKS", rows, "success", html_id=spec.get("id"))


LETTER_STATES = {"valid": lazy_gettext("berlaku"), "revoked": lazy_gettext("dicabut"),
                 "expired": lazy_gettext("kedaluwarsa")}


def _person_history(spec: dict, case: Case, data: dict, principal: Principal) -> Panel:
    from .views.display import format_dt

    nik = case.subject_nik or ""
    # Only the services this officer may see: another line's case (a confidential one) stays hidden.
    records = [r for r in persons.services_of(db.session, nik, principal) if r.case.id != case.id]
    items = []
    for record in records:
        letters_text = ", ".join(f"{letter.number} ({LETTER_STATES.get(letter.status, letter.status)})"
                                 for letter in record.letters)
        items.append(f"{record.case.reference} · {record.case.definition.name} · {package_text(record.case.status)} · "
                     f"{format_dt(record.case.created_at, with_time=False)}"
                     + (" · " + _("surat %(letters)s", letters=letters_text) if letters_text else ""))
    panel = Panel(_text(spec.get("title")) or _("Layanan sebelumnya untuk NIK ini"), kind="default",
                  html_id=spec.get("id"), items=items)
    if not items:
        panel.note = _("Belum pernah menerima layanan LIGAT.")
    if spec.get("letter_type"):
        duplicates = persons.recent_letters(db.session, nik, spec["letter_type"], exclude_case_id=case.id)
        if duplicates:
            panel.kind = "danger"
            panel.note = _("Kemungkinan ganda: surat %(numbers)s terbit dalam 12 bulan terakhir.",
                           numbers=", ".join(d.number for d in duplicates))
    return panel


def _register(spec: dict, case: Case, data: dict, principal: Principal) -> Panel | None:
    record = registers.record_of_case(db.session, case.id)
    if record is None:
        return None
    register = registers.spec_of_case(db.session, case)
    entry = record.entry
    rows = [(register.name(), entry.name), (register.key_label(), entry.key),
            (_("Permohonan"), register.kind_label(record.kind))]
    rows += [(_text(r["label"]), str(data.get(r["variable"], "–"))) for r in spec.get("rows", [])]
    items = [f"{register.kind_label(r.kind)} · {r.case.reference} · {register.status_label(register.current_status(r))}"
             + (" · " + _("%(number)s, s.d. %(until)s", number=r.letter_number, until=f"{r.valid_until:%d-%m-%Y}")
                if r.letter_number and r.valid_until else "")
             for r in entry.records if r.id != record.id]
    panel = Panel(_text(spec.get("title")) or register.name(), rows, spec.get("style", "info"),
                  html_id=spec.get("id"), items=items)
    if not items:
        panel.note = _("Permohonan pertama untuk entri ini.")
    return panel


def _list(spec: dict, case: Case, data: dict, principal: Principal) -> Panel:
    values = data.get(spec["variable"]) or []
    items = [_fill(spec.get("item", "{}"), v) if isinstance(v, dict) else str(v) for v in values]
    return Panel(_text(spec.get("title")), kind=spec.get("style", "default"), html_id=spec.get("id"), items=items,
                 note=None if items else (_text(spec.get("empty")) or None))


KINDS = {"variables": _variables, "fields": _fields, "dtks": _dtks, "person_history": _person_history,
         "register": _register, "list": _list}


def panels_for(case: Case, task_name: str | None, principal: Principal) -> list[Panel]:
    """The panels the case's package declares for a task (or for the case page, task_name None)."""
    specs = package_of_case(db.session, case).descriptor.panels_for(task_name)
    if not specs:
        return []
    data = cases.case_data(case)
    # The page that shows these logs the view of the person's record once (casedata.log_case_view).
    return [p for p in (KINDS[s["kind"]](s, case, data, principal) for s in specs if s.get("kind") in KINDS) if p]


def task_panels(row: InboxTask) -> list[Panel]:
    return panels_for(row.case, row.task_name, current_principal())


@dataclass
class CaseFiles:
    documents: list[documents.CaseDocument]
    letters: list[issued_letters.Letter]
    can_revoke: bool

    @property
    def current_ids(self) -> set[int]:
        """The newest upload of each document kind; earlier ones were replaced after a return."""
        newest: dict[str, int] = {}
        for document in self.documents:
            newest[document.kind] = document.id
        return set(newest.values())


def case_files(case: Case) -> CaseFiles:
    """Documents and letters of a case (the caller has already checked the case may be seen)."""
    return CaseFiles(
        documents.for_case(db.session, case.id),
        issued_letters.for_case(db.session, case.id),
        issued_letters.can_revoke(current_principal()),
    )
