"""JSON Schema (+ UI schema) → the list of fields an HTML form template draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import forms


@dataclass
class Field:
    name: str
    title: str
    widget: str  # text, textarea, radio, select, checkbox, date, tel, file
    required: bool
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str | None = None
    max_length: int | None = None
    # {"other_field": "value"}: shown only when the other field has that value (UI schema "ui:showIf").
    show_if: dict[str, str] | None = None


def _options(prop: dict[str, Any]) -> list[tuple[str, str]]:
    if prop.get("x-sumber") == "pmks":
        return [(c["kode"], c["nama"]) for c in forms.pmks_categories()]
    labels = prop.get("x-label", {})
    return [(v, labels.get(v, v)) for v in prop.get("enum", [])]


def fields_for(
    schema_name: str,
    ui_name: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    choices: dict[str, list[tuple[str, str]]] | None = None,
) -> list[Field]:
    schema = forms.load(schema_name)
    ui = forms.load(ui_name) if ui_name else {}
    values, errors, choices = values or {}, errors or {}, choices or {}
    props: dict[str, Any] = schema.get("properties", {})
    order = ui.get("ui:order") or list(props)
    required = set(schema.get("required", []))
    result = []
    for name in order:
        prop = props[name]
        widget = ui.get(name, {}).get("ui:widget")
        options = choices.get(name) or _options(prop)
        if not widget:
            if prop.get("x-berkas"):  # an uploaded document (see app/uploads.py)
                widget = "file"
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
            )
        )
    return result


def prefill(schema_name: str, ui_name: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """Current process values of the form's fields, when the UI schema asks for it (`"ui:prefill": true`),
    e.g. a returned request the kelurahan officer corrects. File fields are never prefilled."""
    ui = forms.load(ui_name) if ui_name else {}
    if not ui.get("ui:prefill"):
        return {}
    props = forms.load(schema_name).get("properties", {})
    return {k: data[k] for k, prop in props.items() if k in data and not prop.get("x-berkas")}
