"""An audit event as a person reads it: its label, and its data as (label, value, link) rows with the
labels of the case's forms, times in the office's time zone, documents and letters as links."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from letters import mask_nik
from workflows.db import AuditEvent, Case

from ..casedata import field_text, form_fields
from ..package_english import package_text, shown_value
from ..views.display import format_dt, role_label
from .labels import ENGINE_KEYS, ENGINE_VALUES, STATUS_ACTIONS, action_label

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_SIXTEEN_DIGITS = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class Item:
    label: str
    text: str
    href: str | None = None


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    label: str
    items: list[Item]
    highlighted: bool


def _time_text(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:  # the engine writes naive UTC or an aware time; show both in office time
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return format_dt(moment)


def _plain(value: Any, mask: bool) -> str:
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = "" if value is None else str(value)
    if mask and _SIXTEEN_DIGITS.match(text):
        return mask_nik(text)
    if _ISO_TIME.match(text):
        return _time_text(text)
    return text


def data_items(fields: dict[str, tuple[dict, dict]], data: dict[str, Any], mask: bool = False,
               complete: bool = True) -> list[Item]:
    """Rows of an event's data; a start's or a message's nested `data` is read as the form's fields.
    `mask`: 16-digit numbers (NIK, KK) shown masked, for pages that do not log a view of the person.
    `complete`: also the process's own variables among a start's data (for auditors); officers see
    the fields the forms define."""
    flat = {k: v for k, v in data.items() if not (k == "data" and isinstance(v, dict))}
    if isinstance(data.get("data"), dict):
        flat.update({k: v for k, v in data["data"].items() if complete or k in fields})
    items = []
    for key, value in flat.items():
        if value in (None, "", []):
            continue
        if key in fields:
            prop, schema = fields[key]
            label = package_text(prop.get("title", key))
            if prop.get("x-berkas") and isinstance(value, int):
                items.append(Item(label, f"{_('Unduh')} #{value}", url_for("BerkasView.document", document_id=value)))
                continue
            text = _plain(value, mask) if isinstance(value, dict) else field_text(schema, key, value)
            items.append(Item(label, shown_value(prop, _plain(text, mask))))
        elif key == "surat_id" and isinstance(value, int):
            items.append(Item(str(ENGINE_KEYS[key]), f"{_('Unduh')} PDF",
                              url_for("BerkasView.letter", letter_id=value, variant="pdf")))
        else:
            label = ENGINE_KEYS.get(key)
            if key == "status" and isinstance(value, str):
                value = package_text(value)  # a status is a package's text (English in its table)
            elif key == "peran" and isinstance(value, str):
                value = role_label(value)
            elif key in ENGINE_VALUES and isinstance(value, str):
                value = str(ENGINE_VALUES[key].get(value, value))
            # A process variable no form defines: shown by its name in the diagram (a code, not a text).
            items.append(Item(str(label) if label is not None else key, _plain(value, mask)))
    return items


def readable(event: AuditEvent, case: Case | None, hidden: set[str] | frozenset = frozenset(),
             mask: bool = False, fields: dict[str, tuple[dict, dict]] | None = None,
             complete: bool = True) -> ReadableEvent:
    data = {k: v for k, v in json.loads(event.data_json or "{}").items() if k not in hidden}
    if isinstance(data.get("data"), dict):
        data["data"] = {k: v for k, v in data["data"].items() if k not in hidden}
    if fields is None:
        fields = form_fields(case) if case is not None else {}
    return ReadableEvent(event, action_label(event.action), data_items(fields, data, mask, complete),
                         event.action in STATUS_ACTIONS)
