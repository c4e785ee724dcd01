"""The chat page for demos and officers' training, /whatsapp/simulator/: one chats as a citizen.
What one types goes to the stand-in, which posts the signed webhook to /whatsapp/webhook: the
same code path as a real phone. Only while no real token is configured (the stand-in's mode), and
only for a signed-in user: whoever writes here can speak for any number (opt it out, for one),
which must not be open to anyone where SMS is real."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from workflows.notifications import dispatch_pending
from workflows.whatsapp import cloud, wire

from ..extensions import db
from . import standin
from .webhook import run_worker

simulator = Blueprint("whatsapp_simulator", __name__, url_prefix="/whatsapp/simulator")
NUMBER = re.compile(r"^62[0-9]{8,13}$")
MAX_UPLOAD = 12 * 1024 * 1024


@simulator.before_request
def only_standin():  # noqa: ANN201
    if not cloud.SETTINGS.standin:
        abort(404)
    if not current_user.is_authenticated:
        if request.method == "GET" and request.path.endswith("/simulator/"):
            return redirect("/login/?next=" + quote(request.path))
        return jsonify({"error": _("Masuk terlebih dahulu.")}), 401
    return None


@simulator.get("/")
def page():  # noqa: ANN201
    return render_template("whatsapp/simulator.html", office=current_app.config["LIGAT_OFFICE_NAME"])


def _number() -> str:
    # In the JSON body, not the URL: a phone number is personal data and URLs end up in logs.
    body = request.get_json(silent=True) or {}
    number = wire.wa_id_of(str(body.get("nomor") or "").strip())
    if not NUMBER.match(number):
        abort(400, description=_("Nomor WhatsApp tidak valid, contoh 6281234567890."))
    return number


def settle(number: str) -> None:
    """Let the office answer now, instead of at the scheduler's next round: the queued message is
    handled and the replies go out through the adapter to the stand-in."""
    run_worker(number)
    dispatch_pending(db.session, recipient=(number, "+" + number))


@simulator.post("/kirim")
def send():  # noqa: ANN201
    number = _number()
    body = request.get_json(silent=True) or {}
    kind = body.get("jenis")
    if kind == "teks" and str(body.get("teks") or "").strip():
        message = {"type": "text", "text": {"body": str(body["teks"])[:4096]}}
    elif kind == "pilihan" and body.get("id"):
        reply = {"id": str(body["id"])[:200], "title": str(body.get("judul") or "")[:24]}
        message = {"type": "interactive", "interactive": {
            "type": "list_reply" if body.get("daftar") else "button_reply",
            "list_reply" if body.get("daftar") else "button_reply": reply}}
    elif kind == "lokasi":
        try:
            lat, lon = float(body["lintang"]), float(body["bujur"])
        except (KeyError, TypeError, ValueError):
            return jsonify({"error": _("Koordinat tidak sah.")}), 400
        message = {"type": "location", "location": {"latitude": lat, "longitude": lon,
                                                    "address": str(body.get("alamat") or "")[:200]}}
    elif kind in ("foto", "video"):  # the phone uploads to the stand-in, the message carries the media id
        try:
            data = base64.b64decode(str(body.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            return jsonify({"error": _("Berkas tidak terbaca.")}), 400
        if not data or len(data) > MAX_UPLOAD:
            return jsonify({"error": _("Berkas kosong atau terlalu besar.")}), 400
        mime = str(body.get("mime") or "application/octet-stream")[:100]
        media_id = standin.store_media(data, mime, "")
        key = "image" if kind == "foto" else "video"
        message = {"type": key, key: {"id": media_id, "mime_type": mime}}
    else:
        return jsonify({"error": _("Pesan kosong.")}), 400
    response, _message_id = standin.citizen_sends(current_app._get_current_object(), number, message,
                                                  str(body.get("nama") or "Warga")[:60])
    if response.status_code != 200:
        return jsonify({"error": _("Webhook menolak pesan.")}), 502
    settle(number)
    return jsonify({"pesan": _thread(number)})


@simulator.post("/pesan")
def messages():  # noqa: ANN201
    """The page's poll. A POST (with the CSRF token), not a GET: it makes the office answer now,
    which writes (the worker's replies, the outbox)."""
    number = _number()
    settle(number)  # officers' messages and notifications queued meanwhile
    standin.report_statuses(current_app._get_current_object(), number)
    return jsonify({"pesan": _thread(number)})


def _thread(number: str) -> list[dict]:
    out = []
    for item in standin.thread(number):
        body = item["body"]
        entry = {"id": item["id"], "arah": item["direction"], "teks": wire.preview(body), "jenis": body.get("type")}
        if body.get("type") == "interactive" and item["direction"] == "out":
            inner = body["interactive"]
            if inner.get("type") == "list":
                entry["daftar"] = [{"id": r["id"], "judul": r["title"], "keterangan": r.get("description", "")}
                                   for s in inner["action"]["sections"] for r in s["rows"]]
            else:
                entry["tombol"] = [{"id": b["reply"]["id"], "judul": b["reply"]["title"]}
                                   for b in inner["action"]["buttons"]]
        out.append(entry)
    return out
