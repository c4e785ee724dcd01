"""The local WhatsApp stand-in: the Cloud API's wire format, in-process, for a machine with no
outside network (no token configured). The adapter (workflows/whatsapp/cloud.py, pywa) talks to
it exactly as to Meta:

    POST /whatsapp/standin/{version}/{phone-number-id}/messages   send (text, interactive, template,
                                                                  document, image); checked as Meta does
    POST /whatsapp/standin/{version}/{phone-number-id}/media      upload a file → {"id"}
    GET  /whatsapp/standin/{version}/{media-id}                   → {"url", "mime_type", "file_size", ...}
    GET  /whatsapp/standin/media/{media-id}                       the file (Bearer token)
    POST /whatsapp/standin/sms/messages                           the SMS wire format (workflows/whatsapp/sms.py)

and plays the phones: `citizen_sends` posts a Cloud API webhook body, signed with
X-Hub-Signature-256, to /whatsapp/webhook; `report_statuses` posts `delivered`/`read` statuses
for what a phone has shown. Its state (the phones' messages, media) is kept in this process's
memory: it is a stand-in for demos, training and tests, not a store.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from flask import Blueprint, Flask, abort, current_app, jsonify, request

from workflows.whatsapp import cloud, wire

standin = Blueprint("whatsapp_standin", __name__, url_prefix="/whatsapp/standin")
BASE_URL = "http://standin.ligat/whatsapp/standin"
TOKEN = cloud.STANDIN_TOKEN
KNOWN_TYPES = {"text", "interactive", "template", "document", "image"}
# The templates "approved" for this stand-in: those named in the settings at start (configure()).
APPROVED_TEMPLATES: set[str] = set()


@dataclass
class Phone:
    messages: list[dict[str, Any]] = field(default_factory=list)
    reported: dict[str, str] = field(default_factory=dict)  # message id → last status reported


@dataclass
class State:
    phones: dict[str, Phone] = field(default_factory=dict)
    media: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # id → (mime, filename, data)
    sms: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def phone(self, wa_id: str) -> Phone:
        return self.phones.setdefault(wa_id, Phone())


STATE = State()


class ThreadedWSGITransport(httpx.WSGITransport):
    """The app calling itself runs the inner request in a thread of its own: a fresh app context and
    database session, so nothing of the outer request (its user, its transaction) leaks in."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(super().handle_request, request).result()
        response.read()
        return response


def _error(message: str, code: int = 100, status: int = 400):  # noqa: ANN202
    return jsonify({"error": {"message": message, "type": "OAuthException", "code": code,
                              "fbtrace_id": secrets.token_hex(8)}}), status


def _authorized() -> bool:
    return request.headers.get("Authorization", "") == f"Bearer {TOKEN}"


@standin.before_request
def only_without_token():  # noqa: ANN201
    if not cloud.SETTINGS.standin:
        abort(404)
    if not _authorized():
        return _error("Invalid OAuth access token.", 190, 401)
    return None


def _check(body: dict[str, Any]) -> str | None:
    """What Meta would refuse of a message body (the rules the adapter must keep)."""
    kind = body.get("type")
    if body.get("messaging_product") != "whatsapp" or not str(body.get("to") or "").isdigit():
        return "messaging_product and to are required"
    if kind not in KNOWN_TYPES or not isinstance(body.get(kind), dict):
        return f"unsupported message type {kind!r}"
    inner = body[kind]
    if kind == "interactive":
        action = inner.get("action") or {}
        if inner.get("type") == "list":
            sections = action.get("sections") or []
            if not 1 <= len(sections) <= wire.LIST_SECTIONS or any(
                    not 1 <= len(s.get("rows") or []) <= wire.LIST_ROWS_PER_SECTION for s in sections):
                return "a list holds 1-10 sections of 1-10 rows"
            if any(len(r.get("title", "")) > wire.ROW_TITLE for s in sections for r in s["rows"]):
                return "row title longer than 24 characters"
        elif inner.get("type") == "button" and not 1 <= len(action.get("buttons") or []) <= wire.BUTTONS:
            return "1-3 reply buttons"
    if kind == "template":
        if inner.get("name") not in APPROVED_TEMPLATES:
            return "template:132001 Template name does not exist in the translation"
    if kind in ("document", "image") and inner.get("id") and inner["id"] not in STATE.media:
        return "unknown media id"
    return None


# Route values are not named *_id: the app bounds those as database ids (app/hardening.py), and
# WhatsApp's phone-number and media ids are 15-digit numbers.
@standin.post("/<version>/<phone>/messages")
def messages(version: str, phone: str):  # noqa: ANN201
    body = request.get_json(silent=True) or {}
    problem = _check(body)
    if problem:
        if problem.startswith("template:"):
            return _error(problem.split(" ", 1)[1], 132001)
        return _error(f"(#100) Invalid parameter: {problem}")
    wamid = "wamid." + secrets.token_urlsafe(24)
    with STATE.lock:
        STATE.phone(body["to"]).messages.append({"id": wamid, "direction": "out", "body": body, "at": time.time()})
    return jsonify({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                    "messages": [{"id": wamid}]})


def store_media(data: bytes, mime_type: str, filename: str) -> str:
    media_id = str(secrets.randbelow(10**15) + 10**15)
    with STATE.lock:
        STATE.media[media_id] = (mime_type, filename, data)
    return media_id


@standin.post("/<version>/<phone>/media")
def upload(version: str, phone: str):  # noqa: ANN201
    file = request.files.get("file")
    if file is None:
        return _error("file is required")
    return jsonify({"id": store_media(file.read(), file.mimetype or "application/octet-stream", file.filename or "")})


@standin.get("/<version>/<media>")
def media_url(version: str, media: str):  # noqa: ANN201
    media_id = media
    found = STATE.media.get(media_id)
    if found is None:
        return _error("Unsupported get request. Object does not exist.", 100, 404)
    mime, _name, data = found
    return jsonify({"url": f"{BASE_URL}/media/{media_id}", "mime_type": mime, "file_size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(), "id": media_id, "messaging_product": "whatsapp"})


@standin.get("/media/<media>")
def media_file(media: str):  # noqa: ANN201
    found = STATE.media.get(media)
    if found is None:
        abort(404)
    return current_app.response_class(found[2], mimetype=found[0])


@standin.post("/sms/messages")
def sms():  # noqa: ANN201
    body = request.get_json(silent=True) or {}
    if not str(body.get("to") or "").startswith("+") or not body.get("text"):
        return jsonify({"error": "to (E.164) and text are required"}), 400
    sms_id = "sms-" + secrets.token_hex(8)
    with STATE.lock:
        STATE.sms.append({"id": sms_id, "to": body["to"], "text": body["text"], "reference": body.get("reference")})
    return jsonify({"id": sms_id, "status": "accepted"}), 201


# -- the phones' side ----------------------------------------------------------------------------------

def _client(app: Flask) -> httpx.Client:
    return httpx.Client(transport=ThreadedWSGITransport(app=app), base_url="http://standin.ligat", timeout=30)


def webhook_body(value: dict[str, Any]) -> dict[str, Any]:
    """The Cloud API webhook envelope around one `value`."""
    settings = cloud.SETTINGS
    return {"object": "whatsapp_business_account", "entry": [{"id": "standin-waba", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "6281100000000", "phone_number_id": settings.phone_number_id}} | value}]}]}


def message_update(wa_id: str, message: dict[str, Any], name: str = "Warga") -> dict[str, Any]:
    message = {"from": wa_id, "id": message.get("id") or "wamid." + secrets.token_urlsafe(24),
               "timestamp": str(int(time.time()))} | message
    return webhook_body({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})


def post_webhook(app: Flask, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
    raw = json.dumps(update).encode()
    signature = wire.sign(raw, cloud.SETTINGS.app_secret if secret is None else secret)
    with _client(app) as client:
        return client.post("/whatsapp/webhook", content=raw,
                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})


def citizen_sends(app: Flask, wa_id: str, message: dict[str, Any], name: str = "Warga") -> tuple[httpx.Response, str]:
    """A phone sends a message to the office: recorded on the phone, posted as a signed webhook."""
    update = message_update(wa_id, message, name)
    sent = update["entry"][0]["changes"][0]["value"]["messages"][0]
    with STATE.lock:
        STATE.phone(wa_id).messages.append({"id": sent["id"], "direction": "in", "body": sent, "at": time.time()})
    return post_webhook(app, update), sent["id"]


def report_statuses(app: Flask, wa_id: str, status: str = "read") -> int:
    """The phone has shown what it received: report `delivered` and `read` for each, as WhatsApp does."""
    order = ["sent", "delivered", "read"]
    statuses = []
    with STATE.lock:
        phone = STATE.phone(wa_id)
        for item in phone.messages:
            if item["direction"] != "out":
                continue
            done = phone.reported.get(item["id"])
            for step in order[order.index(done) + 1 if done else 1: order.index(status) + 1]:
                statuses.append({"id": item["id"], "status": step, "timestamp": str(int(time.time())),
                                 "recipient_id": wa_id})
            phone.reported[item["id"]] = status
    if statuses:
        post_webhook(app, webhook_body({"statuses": statuses}))
    return len(statuses)


def thread(wa_id: str) -> list[dict[str, Any]]:
    with STATE.lock:
        return [dict(item) for item in STATE.phone(wa_id).messages]
