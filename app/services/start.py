"""Starting a case of any service line from its package's descriptor (`start` in service.json):
the start form and its declared checks, the document checklist, the process variables the
form does not give (office settings, the officer, the village's name), and the case's own
columns (title, region, subject NIK, contact, priority, confidentiality).

The public application page and the officers' page both use this; neither knows a line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import forms
from workflows import counting, documents, validators
from workflows.cases import Reporter, Upload, begin_case, start_case, unit_of_work
from workflows.counting import CaseTag
from workflows.db import Case
from workflows.errors import LigatError
from workflows.issued_letters import office_today
from workflows.packages import Descriptor, ServicePackage, form_of, latest_package
from workflows.principal import Principal

from ..extensions import db
from ..formfields import Field, fields_for, option_label
from ..regions import villages
from ..uploads import collect_new_case_uploads, file_fields, stage_uploads, staged_token


@dataclass
class Line:
    """A service line that starts through the application pages (its newest package version)."""

    package: ServicePackage

    @property
    def descriptor(self) -> Descriptor:
        return self.package.descriptor

    @property
    def code(self) -> str:
        return self.package.code

    @property
    def schema(self) -> dict[str, Any]:
        return form_of(self.package, self.descriptor.start["form"])

    @property
    def ui(self) -> dict[str, Any]:
        ui = self.descriptor.start.get("ui")
        return form_of(self.package, ui) if ui else {}

    def may_start(self, principal: Principal) -> bool:
        """An admin, or an officer of a start role who holds that role's scope (a kelurahan officer without a
        region could not open the case they started)."""
        return "Admin" in principal.roles or any(
            principal.holds_scope(role) for role in self.descriptor.officer_start_roles)


def line(code: str) -> Line | None:
    """The line `code` if it is deployed and starts through application pages."""
    package = latest_package(db.session, code) if re.fullmatch(r"[a-z][a-z0-9_]{0,59}", code or "") else None
    if package is None or not package.descriptor.start or package.descriptor.start.get("channel") == "report":
        return None
    return Line(package)


def office_villages() -> list[tuple[str, str]]:
    return villages(current_app.config["LIGAT_OFFICE_REGION"])


def village_choices(principal: Principal | None) -> list[tuple[str, str]]:
    """Villages an applicant may choose: the office's; for an officer, those inside their region."""
    choices = office_villages()
    if principal is not None and principal.region_code:
        choices = [(code, label) for code, label in choices if principal.in_region(code)]
    return choices


def form_fields(line: Line, values: dict | None, errors: dict | None, officer: Principal | None,
                staged: dict[str, tuple[str, str]] | None = None) -> list[Field]:
    """The start form as the page draws it; a file input is never refilled, but a file kept from the
    refused try shows as uploaded (`staged`)."""
    values = dict(values or {})
    for name in file_fields(line.schema):
        values.pop(name, None)
    fields = fields_for(line.schema, line.ui, values, errors, choices={"kode_wilayah": village_choices(officer)})
    for field in fields:
        field.staged = (staged or {}).get(field.name)
    return fields


def keep_uploads(uploads: list[Upload], actor: str) -> dict[str, tuple[str, str]]:
    """Store the accepted files of a refused form so they survive it (see app/uploads.py)."""
    return {u.kind: (staged_token(u), u.filename) for u in stage_uploads(uploads, actor)}


def validate(line: Line, data: dict[str, Any], officer: Principal | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The start form's schema, then the checks its package declares (field-level messages)."""
    cleaned, errors = forms.validate(line.schema, data)
    ctx = validators.Context(today=office_today(), office_villages=dict(office_villages()),
                             in_officer_region=officer.in_region if officer else None)
    validators.run(line.descriptor.start.get("validators", []), cleaned, errors, ctx)
    return cleaned, errors


def collect_uploads(line: Line, data: dict[str, Any], files: MultiDict) -> tuple[list[Upload], dict[str, str]]:
    uploads, errors = collect_new_case_uploads(line.schema, data, files)
    kinds = {d.field: d.kinds for d in line.descriptor.documents}
    for upload in uploads:
        wanted = kinds.get(upload.kind)
        if wanted and upload.document_id is None and _kind_of(upload) not in wanted:
            errors[upload.kind] = (f"Berkas ini harus {', '.join(k.upper() for k in wanted)}. "
                                   f"(This document must be {', '.join(k.upper() for k in wanted)}.)")
    return [u for u in uploads if u.kind not in errors], errors


def _kind_of(upload: Upload) -> str:
    """The checklist's name (pdf, jpeg, png) of an upload's kind, read from its content."""
    checked = upload.checked or documents.check_upload(upload.data, upload.filename)
    extension = checked.extension
    return "jpeg" if extension == "jpg" else extension


def _setting(spec: dict[str, Any]) -> Any:
    raw = current_app.config.get(spec["setting"])
    kind = spec.get("type", "string")
    if kind == "boolean":
        return bool(raw) and str(raw).lower() not in ("0", "false", "no", "tidak")
    if raw in (None, ""):
        return None
    if kind == "map":  # "a=P3Y,b=P5Y"
        pairs = (item.split("=", 1) for item in str(raw).split(",") if "=" in item)
        return {k.strip(): v.strip().upper() for k, v in pairs if k.strip()} or None
    if kind == "duration":
        return str(raw).strip().upper()
    if kind == "integer":
        return int(str(raw).strip())
    return str(raw)


def title_of(template: str, schema: dict[str, Any], values: dict[str, Any]) -> str:
    """`{field}` is the value, `{field:label}` the option's label as the form shows it."""
    def fill(match: re.Match) -> str:
        name, label = match.group(1), match.group(2)
        value = values.get(name, "")
        return option_label(schema, name, value) if label else str(value)

    return re.sub(r"\{([a-z0-9_]+)(:label)?\}", fill, template)


def _case_arguments(line: Line, cleaned: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """What `begin_case` needs for one validated start form: process data, actor, the case's columns."""
    start_spec = line.descriptor.start
    case_spec = start_spec.get("case", {})
    officer = principal if line.may_start(principal) else None
    actor = officer.username if officer else "pemohon"
    cleaned = {k: v for k, v in cleaned.items() if k not in set(file_fields(line.schema))}
    names = dict(office_villages())
    region = cleaned.get(case_spec.get("region", ""))
    variables: dict[str, Any] = {}
    for name, spec in start_spec.get("variables", {}).items():
        if "setting" in spec:
            value = _setting(spec)
        elif spec.get("from") == "actor":
            value = actor
        elif spec.get("from") == "village_name":
            value = names.get(region or "", "").split(",")[0]
        else:
            value = spec.get("value")
        if value is not None:
            variables[name] = value
    keep_out = set(start_spec.get("keep_out", []))
    name_field, phone_field = case_spec.get("reporter_name"), case_spec.get("reporter_phone")
    return {
        "process_id": line.descriptor.process,
        "data": {k: v for k, v in cleaned.items() if k not in keep_out} | variables,
        "actor": actor,
        "region_code": region,
        "category": line.code,
        "title": title_of(case_spec.get("title") or line.descriptor.name["id"], line.schema, {**cleaned, **variables}),
        "reporter": Reporter(name=cleaned.get(name_field) if name_field else None,
                             phone=cleaned.get(phone_field) if phone_field else None, anonymous=False),
        "priority": 1 if case_spec.get("priority_flag") and cleaned.get(case_spec["priority_flag"]) else 0,
        "subject_nik": cleaned.get(case_spec["subject_nik"]) if case_spec.get("subject_nik") else None,
        "confidential": bool(case_spec.get("confidential")),
    }


def start(line: Line, cleaned: dict[str, Any], uploads: list[Upload], principal: Principal) -> Case:
    """Start the case (with its documents, in one transaction); the caller has validated `cleaned`."""
    args = _case_arguments(line, cleaned, principal)
    try:
        return start_case(db.session, args.pop("process_id"), args.pop("data"), args.pop("actor"),
                          uploads=uploads, **args)
    except LigatError:
        db.session.rollback()
        raise


@dataclass
class RowError:
    line: int  # the spreadsheet's row number (the header is row 1)
    errors: dict[str, str]


def bulk_documents(line: Line) -> list[str]:
    """Documents uploaded once with a list and given to every case it starts (e.g. the minutes of the
    village meeting that agreed the list): service.json start.bulk.documents."""
    bulk = line.descriptor.start.get("bulk") or {}
    return list(bulk.get("documents", [])) if isinstance(bulk, dict) else []


def bulk_fields(line: Line) -> list[str]:
    """The spreadsheet's columns: the start form's fields, less the files."""
    return [name for name in line.schema.get("properties", {}) if name not in set(file_fields(line.schema))]


def validate_rows(line: Line, rows: list[dict[str, str]], officer: Principal,
                  shared: list[Upload]) -> tuple[dict[int, dict[str, Any]], list[RowError]]:
    """Each row through the start form's schema and checks (the shared documents stand for the files).
    Returns the good rows by their spreadsheet row number, and the errors of the others."""
    placeholders = {u.kind: "0" for u in shared}
    good: dict[int, dict[str, Any]] = {}
    problems = []
    for number, row in enumerate(rows, start=2):
        unknown = sorted(set(row) - set(bulk_fields(line)))
        cleaned, errors = validate(line, {**row, **placeholders}, officer)
        for name in unknown:
            errors[name] = "Kolom tidak dikenal formulir ini. (Unknown column.)"
        missing_files = [name for name in file_fields(line.schema)
                         if name in line.schema.get("required", []) and name not in placeholders]
        for name in missing_files:
            errors[name] = ("Berkas ini tidak dapat dikirim lewat daftar; mulai kasus ini satu per satu. "
                            "(This document cannot come with a list; start this case on its own.)")
        if errors:
            problems.append(RowError(number, errors))
        else:
            good[number] = cleaned
    return good, problems


ROW_TAG = "baris_daftar"  # the case tag that remembers which list row started a case


def row_key(line: Line, cleaned: dict[str, Any]) -> str:
    """The same row of the same line is the same key, whichever file or upload it came in."""
    values = {k: v for k, v in cleaned.items() if k in bulk_fields(line)}
    text = json.dumps({"line": line.code, "row": values}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class BulkResult:
    started: list[Case]
    already: dict[int, str]  # row number → the case that row started on an earlier upload


def start_many(line: Line, rows: dict[int, dict[str, Any]], shared: list[Upload], principal: Principal) -> BulkResult:
    """Start one case per good row, in one transaction. A row that already started a case (the same
    list sent again) starts nothing and is reported with that case. Each case gets its own copy of
    the shared documents."""

    def run(session: Any) -> BulkResult:
        result = BulkResult([], {})
        keys = {number: row_key(line, cleaned) for number, cleaned in rows.items()}
        earlier = dict(session.execute(
            select(CaseTag.value, Case.reference).join(Case, Case.id == CaseTag.case_id)
            .where(CaseTag.name == ROW_TAG, CaseTag.value.in_(sorted(set(keys.values()))),
                   Case.process_id == line.descriptor.process)
        ).all())
        for number, cleaned in rows.items():
            if keys[number] in earlier:
                result.already[number] = earlier[keys[number]]
                continue
            args = _case_arguments(line, cleaned, principal)
            case = begin_case(session, args.pop("process_id"), args.pop("data"), args.pop("actor"),
                              uploads=[Upload(u.kind, u.filename, u.data) for u in shared], **args)
            counting.tag(session, case, ROW_TAG, keys[number])
            earlier[keys[number]] = case.reference  # the same row twice in one file starts one case
            result.started.append(case)
        return result

    return unit_of_work(run)(db.session)
