"""The WhatsApp adapter: sends through the Cloud API with pywa's GraphAPI (the wire format
is the library's, not ours) and fetches media by id. The same code talks to Meta and to the
local stand-in (app/whatsapp/standin.py): only the base URL, the token and, for the
in-process stand-in, the httpx transport differ.

Outbox rows of channel `whatsapp` are delivered by `WhatsAppChannel.deliver`: a free-form
message inside WhatsApp's 24-hour window after the citizen's last message, the approved
template named in the row's payload outside it, never a free-form message outside it.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from pywa.api import GraphAPI
from pywa.errors import WhatsAppError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import storage
from ..db import OutboxMessage, utcnow
from ..notifications import Refused
from . import wire
from .models import WaConversation

log = logging.getLogger(__name__)
# pywa logs request bodies (numbers, message text) at DEBUG: keep them out of any log.
logging.getLogger("pywa").setLevel(logging.WARNING)


@dataclass
class WhatsAppSettings:
    """Set once by the application from config (LIGAT_WHATSAPP_*)."""

    token: str = ""
    app_secret: str = ""
    verify_token: str = ""
    phone_number_id: str = "100000000000001"
    api_url: str = "https://graph.facebook.com"
    api_version: str = "21.0"
    template_status: str = "ligat_status"
    template_message: str = "ligat_pesan_petugas"
    template_letter: str = "ligat_surat_terbit"
    template_language: str = "id"
    window_hours: int = 24
    expiry_minutes: int = 30
    rate_per_minute: int = 20
    media_max_bytes: int = 20 * 1024 * 1024
    # The in-process stand-in (an httpx WSGI transport onto the app) when no token is configured.
    transport: httpx.BaseTransport | None = None

    @property
    def standin(self) -> bool:
        return not self.token


SETTINGS = WhatsAppSettings()
# The in-process stand-in's bearer token: random per process (the transport never leaves it), so the
# stand-in's routes, which hold citizens' media, cannot be called from outside with a known token.
STANDIN_TOKEN = secrets.token_urlsafe(32)


def http_client(transport: httpx.BaseTransport | None) -> httpx.Client:
    """A client to a gateway: over the network, or onto the in-process stand-in."""
    return httpx.Client(timeout=15, transport=transport) if transport else httpx.Client(timeout=15)


def api() -> GraphAPI:
    session = http_client(SETTINGS.transport)
    graph = GraphAPI(token=SETTINGS.token or STANDIN_TOKEN, session=session, api_version=float(SETTINGS.api_version))
    # pywa fixes Meta's host; LIGAT_WHATSAPP_API_URL points it elsewhere (the stand-in, a proxy).
    session.base_url = f"{SETTINGS.api_url.rstrip('/')}/v{SETTINGS.api_version}"
    return graph


def send(to: str, body: dict[str, Any]) -> str:
    """POST /{version}/{phone-number-id}/messages; returns WhatsApp's message id (wamid)."""
    kind = body["type"]
    try:
        answer = api().send_message(sender=SETTINGS.phone_number_id, to=to, recipient=None,
                                    recipient_type="individual", typ=kind, msg=body[kind])
    except WhatsAppError as exc:
        status = exc.status_code or 0
        if 400 <= status < 500 and status != 429:
            raise Refused(f"WhatsApp {exc.code}: {exc.message}") from None
        raise ConnectionError(f"WhatsApp {exc.code}: {exc.message}") from None
    return str(answer["messages"][0]["id"])


def upload(data: bytes, mime_type: str, filename: str) -> str:
    return str(api().upload_media(phone_id=SETTINGS.phone_number_id, media=data, mime_type=mime_type,
                                  filename=filename)["id"])


class MediaTooLarge(ValueError):
    pass


def fetch_media(media_id: str, limit: int | None = None) -> tuple[bytes, str]:
    """GET /{media-id} for the short-lived URL, then GET the URL with the token. Refuses, before
    downloading, what WhatsApp says is larger than the limit, and stops reading past it."""
    limit = limit or SETTINGS.media_max_bytes
    graph = api()
    info = graph.get_media_url(media_id=media_id)
    if int(info.get("file_size") or 0) > limit:
        raise MediaTooLarge(media_id)
    chunks, size = [], 0
    with graph.stream_media_bytes(media_url=info["url"]) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise MediaTooLarge(media_id)
            chunks.append(chunk)
    return b"".join(chunks), str(info.get("mime_type") or "")


def window_open(session: Session, wa_id: str) -> bool:
    """Inside WhatsApp's customer-service window: the citizen wrote in the last `window_hours`."""
    conversation = session.get(WaConversation, wire.wa_id_of(wa_id))
    return bool(conversation and conversation.last_inbound_at
                and utcnow() - conversation.last_inbound_at < timedelta(hours=SETTINGS.window_hours))


def body_for(session: Session, msg: OutboxMessage) -> dict[str, Any]:
    """The Cloud API body for an outbox row: its own message inside the window, its template outside."""
    payload = json.loads(msg.payload or "{}")
    if msg.kind == "document":
        doc, template = payload["document"], payload.get("template")
        inside = window_open(session, msg.recipient)
        if not inside and not template:  # refused before the file is uploaded for nothing
            raise Refused("Di luar jendela 24 jam dan tanpa template. (Outside the 24-hour window, no template.)")
        media_id = upload(storage.read(doc["storage_key"]), doc.get("mime_type", "application/pdf"), doc["filename"])
        if inside:
            return wire.document_body(media_id, doc["filename"], msg.message)
        body = wire.template_body(template["name"], SETTINGS.template_language, template.get("params", []))
        body["template"]["components"].insert(0, {"type": "header", "parameters": [
            {"type": "document", "document": {"id": media_id, "filename": doc["filename"]}}]})
        return body
    if window_open(session, msg.recipient):
        return payload.get("message") or wire.text_body(msg.message)
    template = payload.get("template")
    if not template and payload.get("status"):  # a status change: the approved status template
        status = payload["status"]
        template = {"name": SETTINGS.template_status,
                    "params": [status["reference"], status["status"], status.get("note") or "-"]}
    if not template:
        raise Refused("Di luar jendela 24 jam dan tanpa template. (Outside the 24-hour window, no template.)")
    params = [str(p) for p in template.get("params", [])]
    return wire.template_body(template["name"], SETTINGS.template_language, params)


class WhatsAppChannel:
    name = "whatsapp"

    def send(self, recipient: str, message: str) -> None:
        send(wire.wa_id_of(recipient), wire.text_body(message))

    def deliver(self, session: Session, msg: OutboxMessage) -> str:
        body = body_for(session, msg)
        if body["type"] == "template":
            msg.kind = "template" if msg.kind != "document" else msg.kind
        provider_id = send(wire.wa_id_of(msg.recipient), body)
        if msg.case_id is not None and msg.kind == "text":
            expect_answer(session, msg)
        return provider_id


def expect_answer(session: Session, msg: OutboxMessage) -> None:
    """A process's own message to the reporter (a question, "needs more information"): it joins the
    case's thread, and the citizen's next words land on the case, as after an officer's message."""
    from .conversation import talk_about
    from .models import WaThreadMessage

    if session.scalar(select(WaThreadMessage.id).where(WaThreadMessage.outbox_id == msg.id)) is None:
        session.add(WaThreadMessage(case_id=msg.case_id, direction="out", author="proses", body=msg.message,
                                    outbox_id=msg.id))
    conversation = session.get(WaConversation, wire.wa_id_of(msg.recipient))
    if conversation is not None and conversation.state in ("menu", "percakapan"):
        talk_about(conversation, msg.case_id)
