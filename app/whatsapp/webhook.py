"""The WhatsApp webhook, /whatsapp/webhook: GET verification and signed POSTs. A POST is
checked, stored (deduplicated, rate-limited per sender) and answered at once; the worker
(`run_worker`, from the scheduler or the simulator) does the work."""

from __future__ import annotations

import json
import secrets

from flask import Blueprint, Response, jsonify, request

from workflows.whatsapp import cloud, inbound, wire

from ..extensions import db
from .office import PortalOffice

webhook = Blueprint("whatsapp", __name__)


@webhook.get("/whatsapp/webhook")
def verify():  # noqa: ANN201
    token = cloud.SETTINGS.verify_token
    given = request.args.get("hub.verify_token", "")
    if (request.args.get("hub.mode") == "subscribe" and token
            and secrets.compare_digest(given.encode(), token.encode())):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    return jsonify({"error": "Token verifikasi tidak cocok. (Verification token mismatch.)"}), 403


@webhook.post("/whatsapp/webhook")
def receive():  # noqa: ANN201
    raw = request.get_data(cache=False)
    if not wire.signature_valid(raw, request.headers.get("X-Hub-Signature-256"), cloud.SETTINGS.app_secret):
        return jsonify({"error": "Tanda tangan X-Hub-Signature-256 tidak sah. (Invalid signature.)"}), 401
    try:
        update = json.loads(raw)
    except ValueError:
        return jsonify({"error": "Isi bukan JSON. (Body is not JSON.)"}), 400
    result = inbound.store_update(db.session, update)
    return jsonify({"diterima": result.stored, "duplikat": result.duplicates, "dibatasi": result.limited,
                    "status": result.statuses})


def run_worker(wa_id: str | None = None, limit: int = 50) -> int:
    """Process queued inbound messages (needs an app context); the simulator and tests call it too."""
    return inbound.process_pending(db.session, lambda: PortalOffice(db.session), limit=limit, wa_id=wa_id)

