"""The WhatsApp Business Cloud API wire format: webhook signature, the updates a webhook
receives, and the message bodies sent to `POST /{version}/{phone-number-id}/messages`.

Shapes as documented by Meta (webhooks `entry[].changes[].value.messages[]` and
`statuses[]`; messages of type text, interactive, template, document, image). The
signature check is pywa's (`pywa.utils.webhook_updates_validator`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from pywa.utils import webhook_updates_validator

LIST_ROWS_PER_SECTION = 10  # WhatsApp refuses a list section of more rows
LIST_SECTIONS = 10
BUTTONS = 3
ROW_TITLE = 24
ROW_DESCRIPTION = 72
BUTTON_TITLE = 20


def wa_id_of(number: str) -> str:
    """WhatsApp's id of an Indonesian number: digits with the country code (+62 812… or 0812… → 62812…)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "62" + digits[1:] if digits.startswith("0") else digits


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value WhatsApp sends with a webhook body (the stand-in signs with it)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret or not header.startswith("sha256="):
        return False
    return webhook_updates_validator(app_secret=app_secret, request_body=body, x_hub_signature=header)


@dataclass(frozen=True)
class Inbound:
    """One message a citizen sent."""

    message_id: str
    wa_id: str
    kind: str
    message: dict[str, Any]
    name: str | None = None  # profile name WhatsApp gives with the message


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str
    status: str  # sent, delivered, read, failed
    errors: list[dict[str, Any]] = field(default_factory=list)


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list in a webhook body; anything malformed is left out, never a 500."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_update(update: dict[str, Any]) -> tuple[list[Inbound], list[StatusUpdate]]:
    """Messages and statuses of one webhook body; anything else (other fields, other objects) is ignored."""
    messages: list[Inbound] = []
    statuses: list[StatusUpdate] = []
    if not isinstance(update, dict) or update.get("object") != "whatsapp_business_account":
        return messages, statuses
    for entry in _dicts(update.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in _dicts(value.get("contacts"))}
            for message in _dicts(value.get("messages")):
                if not message.get("id") or not message.get("from"):
                    continue
                sender = str(message["from"])
                messages.append(Inbound(str(message["id"]), sender, str(message.get("type") or "unknown"),
                                        message, names.get(sender)))
            for status in _dicts(value.get("statuses")):
                if status.get("id") and status.get("status"):
                    statuses.append(StatusUpdate(str(status["id"]), str(status["status"]),
                                                 _dicts(status.get("errors"))))
    return messages, statuses


def reply_of(message: dict[str, Any]) -> tuple[str, str]:
    """(reply id, visible text) of a text or an interactive list/button reply; ("", "") otherwise."""
    kind = message.get("type")
    if kind == "text":
        body = str((message.get("text") or {}).get("body") or "").strip()
        return "", body
    if kind == "interactive":
        inner = message.get("interactive") or {}
        chosen = inner.get("list_reply") or inner.get("button_reply") or {}
        return str(chosen.get("id") or ""), str(chosen.get("title") or "")
    if kind == "button":  # a quick-reply button of a template
        button = message.get("button") or {}
        return str(button.get("payload") or ""), str(button.get("text") or "")
    return "", ""


# -- bodies to send (the part after "to"/"type"; see cloud.py) -----------------------------------

def _cut(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def text_body(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body[:4096], "preview_url": False}}


def list_body(body: str, button: str, rows: list[tuple[str, str, str]], section_title: str) -> dict[str, Any]:
    """An interactive list; rows (id, title, description) are split into sections of ten."""
    rows = rows[: LIST_ROWS_PER_SECTION * LIST_SECTIONS]
    sections = []
    for start in range(0, len(rows), LIST_ROWS_PER_SECTION):
        chunk = rows[start: start + LIST_ROWS_PER_SECTION]
        title = section_title if len(rows) <= LIST_ROWS_PER_SECTION else f"{section_title} {start // 10 + 1}"
        sections.append({"title": _cut(title, ROW_TITLE), "rows": [
            {"id": row_id, "title": _cut(row_title, ROW_TITLE)}
            | ({"description": _cut(desc, ROW_DESCRIPTION)} if desc else {})
            for row_id, row_title, desc in chunk]})
    action = {"button": _cut(button, BUTTON_TITLE), "sections": sections}
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": body[:1024]}, "action": action}}


def buttons_body(body: str, buttons: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": body[:1024]},
        "action": {"buttons": [{"type": "reply", "reply": {"id": b_id, "title": _cut(title, BUTTON_TITLE)}}
                               for b_id, title in buttons[:BUTTONS]]}}}


def template_body(name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    return {"type": "template", "template": {
        "name": name, "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": p[:1000]} for p in parameters]}]}}


def document_body(media_id: str, filename: str, caption: str) -> dict[str, Any]:
    return {"type": "document", "document": {"id": media_id, "filename": filename, "caption": caption[:1024]}}


def preview(message: dict[str, Any]) -> str:
    """What a phone shows of a sent message (for the simulator and the officer's thread)."""
    kind = message.get("type")
    if kind == "text":
        return (message.get("text") or {}).get("body", "")
    if kind == "interactive":
        inner = message.get("interactive") or {}
        chosen = inner.get("list_reply") or inner.get("button_reply")
        if chosen:  # what the citizen picked
            return str(chosen.get("title") or "")
        return (inner.get("body") or {}).get("text", "")
    if kind == "template":
        params = [p.get("text", "") for c in (message.get("template") or {}).get("components") or []
                  for p in c.get("parameters") or []]
        return f"[template {(message.get('template') or {}).get('name')}] " + " · ".join(params)
    if kind == "document":
        doc = message.get("document") or {}
        return f"📄 {doc.get('filename', '')} {doc.get('caption', '')}".strip()
    if kind == "location":
        loc = message.get("location") or {}
        return f"📍 {loc.get('latitude')}, {loc.get('longitude')} {loc.get('address') or ''}".strip()
    if kind in ("image", "video"):
        return "📷" if kind == "image" else "🎬"
    return f"[{kind}]"
