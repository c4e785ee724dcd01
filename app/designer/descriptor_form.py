"""The descriptor (service.json) as a form: catalogue entry, requirements, document checklist,
letter types, roles and their scopes, how a case starts. Keys the form does not show are kept as
they are; the raw JSON stays available as the advanced editor."""

from __future__ import annotations

import copy
from typing import Any

from werkzeug.datastructures import MultiDict

from workflows.durations import parse_duration
from workflows.packages.checks import sla_message
from workflows.packages.descriptor import schema_errors

BIDANG = ["rehsos", "linjamsos", "dayasos", "sekretariat", "sesuai_kategori"]
SCOPES = ["office", "region", "bidang", "region_bidang", "citizen"]
CHANNELS = ["application", "report"]
DOC_KINDS = ["pdf", "jpeg", "png"]


def _text(form: MultiDict, key: str) -> dict[str, str] | None:
    value = {"id": form.get(f"{key}_id", "").strip(), "en": form.get(f"{key}_en", "").strip()}
    return value if value["id"] or value["en"] else None


def _rows(form: MultiDict, *keys: str) -> list[dict[str, str]]:
    """Repeated inputs (`doc_field`, `doc_label_id`, …) as rows; a row whose first column is empty is dropped
    (the blank row at the end of each table, or a row the designer cleared)."""
    columns = [form.getlist(k) for k in keys]
    rows = []
    for values in zip(*columns, strict=False):
        row = {k: v.strip() for k, v in zip(keys, values, strict=False)}
        if row[keys[0]]:
            rows.append(row)
    return rows


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, "", [], {}):
        target.pop(key, None)
    else:
        target[key] = value


def apply_form(raw: dict[str, Any], form: MultiDict) -> tuple[dict[str, Any], list[str]]:
    """The descriptor with the form's parts replaced, and the schema's complaints about it (empty = valid)."""
    new = copy.deepcopy(raw)
    _set(new, "name", _text(form, "name"))
    catalogue = new.setdefault("catalogue", {})
    for key in ("summary", "where", "duration", "cost"):
        _set(catalogue, key, _text(form, key))
    _set(catalogue, "icon", form.get("icon", "").strip())
    _set(catalogue, "sla", form.get("sla", "").strip())
    _set(catalogue, "bidang", form.get("bidang", "").strip())
    catalogue["requirements"] = [{"id": r["req_id"], "en": r["req_en"]} for r in _rows(form, "req_id", "req_en")]

    old_docs = {d.get("field"): d for d in raw.get("documents", [])}
    documents = []
    for row in _rows(form, "doc_field", "doc_label_id", "doc_label_en", "doc_row"):
        doc = dict(old_docs.get(row["doc_field"], {}))
        doc |= {"field": row["doc_field"], "label": {"id": row["doc_label_id"], "en": row["doc_label_en"]}}
        doc["required"] = row["doc_row"] in form.getlist("doc_required")
        kinds = [k for k in DOC_KINDS if f"{row['doc_row']}:{k}" in form.getlist("doc_kinds")]
        _set(doc, "kinds", kinds)
        documents.append(doc)
    _set(new, "documents", documents)

    old_letters = {lt.get("type"): lt for lt in raw.get("letters", [])}
    letters = []
    for row in _rows(form, "letter_type", "letter_name_id", "letter_name_en", "letter_template", "letter_number",
                     "letter_valid_for"):
        letter = dict(old_letters.get(row["letter_type"], {}))
        letter |= {"type": row["letter_type"], "name": {"id": row["letter_name_id"], "en": row["letter_name_en"]},
                   "template": row["letter_template"], "number": row["letter_number"]}
        _set(letter, "valid_for", row["letter_valid_for"])
        letters.append(letter)
    _set(new, "letters", letters)

    new["roles"] = [{"name": r["role_name"], "scope": r["role_scope"]} for r in _rows(form, "role_name", "role_scope")]

    start = new.setdefault("start", {})
    if form.get("start_public") == "ya":
        start["public"] = True
    else:
        start.pop("public", None)
    _set(start, "roles", [r.strip() for r in form.get("start_roles", "").split(",") if r.strip()])
    if form.get("start_bulk") == "ya":
        start["bulk"] = start.get("bulk") or {}
    else:
        start.pop("bulk", None)
    _set(start, "channel", form.get("start_channel", "").strip())
    _set(start, "form", form.get("start_form", "").strip())
    _set(start, "ui", form.get("start_ui", "").strip())
    if not start:
        new.pop("start")
    errors = schema_errors(new)
    sla = catalogue.get("sla")
    if sla:
        try:
            parse_duration(sla)
        except ValueError:
            errors.append("{} ({})".format(*sla_message(sla)))
    return new, errors
