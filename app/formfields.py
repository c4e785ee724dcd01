"""JSON Schema (+ UI schema) → the list of fields an HTML form template draws.

Schemas come from the service package version of the case (or of the line being started):
`schemas_of(case, form, ui)` finds them; these functions take the schema dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import forms
from workflows.db import Case
from workflows.issued_letters import office_today
from workflows.packages import ServicePackage, form_of, package_of_case

from .extensions import db
from .package_english import localized_form, package_text


@dataclass
class Field:
    name: str
    title: str
    widget: str  # text, textarea, radio, select, checkbox, checkboxes, date, tel, file
    required: bool
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str | None = None
    max_length: int | None = None
    # {"other_field": "value"}: shown only when the other field has that value (UI schema "ui:showIf").
    show_if: dict[str, str] | None = None
    # A file kept from an earlier, refused try: (signed note, file name); the field may stay empty.
    staged: tuple[str, str] | None = None
    # The latest day a date picker offers ("x-not-future": today in office time; the server checks too).
    max_date: str | None = None


def _options(prop: dict[str, Any]) -> list[tuple[str, str]]:
    if prop.get("x-sumber") == "pmks":
        return [(c["kode"], c["nama"]) for c in forms.pmks_categories()]
    labels = prop.get("x-label", {})
    values = prop.get("enum") or (prop.get("items") or {}).get("enum", [])
    return [(v, labels.get(v, v)) for v in values]


def form_data(schema: dict[str, Any], form: Any) -> dict[str, Any]:
    """A submitted HTML form as the schema reads it: list fields (several checkboxes) keep every value."""
    data = form.to_dict()
    data.pop("csrf_token", None)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "array" and name in form:
            data[name] = form.getlist(name)
    return data


Schemas = tuple[dict[str, Any], dict[str, Any]]


def package_schemas(package: ServicePackage, form: str | None, ui: str | None = None) -> Schemas:
    """(schema, UI schema) of a package version by file names; ({}, {}) without a form."""
    return (form_of(package, form) if form else {}), (form_of(package, ui) if ui else {})


def schemas_of(case: Case, form: str | None, ui: str | None = None) -> Schemas:
    """The forms a case's open task names, from the package version the case started with."""
    return package_schemas(package_of_case(db.session, case), form, ui)


def fields_for(
    schema: dict[str, Any],
    ui: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    choices: dict[str, list[tuple[str, str]]] | None = None,
) -> list[Field]:
    # Labels in the page's language (the package's English table); values and validation stay as they are.
    schema, ui = localized_form(schema, ui or {})
    values, errors, choices = values or {}, errors or {}, choices or {}
    props: dict[str, Any] = schema.get("properties", {})
    order = ui.get("ui:order") or list(props)
    required = set(schema.get("required", []))
    result = []
    for name in order:
        prop = props[name]
        widget = ui.get(name, {}).get("ui:widget")
        options = choices.get(name) or [(value, package_text(label)) for value, label in _options(prop)]
        if not widget:
            if prop.get("x-berkas"):  # an uploaded document (see app/uploads.py)
                widget = "file"
            elif prop.get("type") == "array" and options:
                widget = "checkboxes"
            elif prop.get("type") == "boolean":
                widget = "checkbox"
            elif options:
                widget = "select"
            elif prop.get("format") == "date":
                widget = "date"
            elif prop.get("maxLength", 0) > 500:
                widget = "textarea"
            else:
                widget = "text"
        result.append(
            Field(
                name=name,
                title=prop.get("title", name),
                widget=widget,
                required=name in required,
                value=values.get(name, prop.get("default")),
                error=errors.get(name),
                options=options,
                help=ui.get(name, {}).get("ui:help") or prop.get("description"),
                max_length=prop.get("maxLength"),
                show_if=ui.get(name, {}).get("ui:showIf"),
                max_date=office_today().isoformat() if widget == "date" and prop.get("x-not-future") else None,
            )
        )
    return result


def option_label(schema: dict[str, Any], name: str, value: Any) -> str:
    """The label a form shows for a value (`x-label` of an option), or the value itself; a list (ticked
    boxes) as its labels joined."""
    labels = dict(_options(schema.get("properties", {}).get(name, {})))
    if isinstance(value, list):
        return ", ".join(str(labels.get(item, item)) for item in value)
    return labels.get(value, "" if value is None else str(value))


def prefill(schema: dict[str, Any], ui: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    """Current process values of the form's fields, when the UI schema asks for it (`"ui:prefill": true`),
    e.g. a returned request the kelurahan officer corrects. File fields are never prefilled."""
    if not (ui or {}).get("ui:prefill"):
        return {}
    props = schema.get("properties", {})
    return {k: data[k] for k, prop in props.items() if k in data and not prop.get("x-berkas")}
