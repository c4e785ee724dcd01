"""The webhook at /whatsapp/webhook: verification, signatures, deduplication, per-sender limits,
statuses, and no personal data in the log."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select

from app.whatsapp import standin
from workflows import notifications
from workflows.db import OutboxMessage
from workflows.whatsapp import cloud, wire
from workflows.whatsapp.models import WaInbound

from .whatsapp_helpers import Phone, new_number


def _count(db_session, number: str) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(WaInbound).where(WaInbound.wa_id == number))


def test_get_verification_answers_the_challenge_only_with_the_right_token(client, monkeypatch):
    monkeypatch.setattr(cloud.SETTINGS, "verify_token", "rahasia-verifikasi")
    ok = client.get("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=rahasia-verifikasi&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    wrong = client.get("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1")
    assert wrong.status_code == 403 and "Verification token mismatch" in wrong.get_json()["error"]
    monkeypatch.setattr(cloud.SETTINGS, "verify_token", "")
    assert client.get("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1").status_code == 403


def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(app, client, db_session):
    number = new_number()
    raw = json.dumps(standin.message_update(number, {"type": "text", "text": {"body": "halo"}})).encode()
    for headers in ({}, {"X-Hub-Signature-256": "sha256=" + "0" * 64},
                    {"X-Hub-Signature-256": wire.sign(raw, "kunci-lain")}):
        response = client.post("/whatsapp/webhook", data=raw, headers={"Content-Type": "application/json"} | headers)
        assert response.status_code == 401
        assert "Invalid signature" in response.get_json()["error"]
    # A body changed after signing is refused too.
    signature = wire.sign(raw, cloud.SETTINGS.app_secret)
    response = client.post("/whatsapp/webhook", data=raw.replace(b"halo", b"hali"),
                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
    assert response.status_code == 401
    assert _count(db_session, number) == 0
    good = client.post("/whatsapp/webhook", data=raw,
                       headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
    assert good.status_code == 200 and good.get_json()["diterima"] == 1
    assert _count(db_session, number) == 1


def test_a_message_delivered_twice_is_stored_and_answered_once(app, db_session):
    phone = Phone(app)
    update = standin.message_update(phone.number, {"type": "text", "text": {"body": "Selamat pagi"}})
    first = standin.post_webhook(app, update)
    again = standin.post_webhook(app, update)  # WhatsApp retries when our answer was slow
    assert first.json()["diterima"] == 1 and again.json() == {"diterima": 0, "duplikat": 1, "dibatasi": 0, "status": 0}
    phone.settle()
    assert _count(db_session, phone.number) == 1
    assert len(phone.received()) == 1 and phone.received()[0]["interactive"]["type"] == "list"


def test_the_menu_is_a_list_with_a_typed_number_fallback(app):
    phone = Phone(app)
    phone.text("halo")
    menu = phone.new()[0]
    sections = menu["interactive"]["action"]["sections"]
    assert [r["id"] for s in sections for r in s["rows"]] == ["menu:lapor", "menu:cek", "menu:layanan", "menu:petugas"]
    assert "ketik angkanya" in menu["interactive"]["body"]["text"]
    phone.text("3")  # typed instead of picked
    services = phone.new()[0]
    rows = [r for s in services["interactive"]["action"]["sections"] for r in s["rows"]]
    assert all(len(s["rows"]) <= 10 for s in services["interactive"]["action"]["sections"])
    pengaduan = next(r for r in rows if r["id"] == "svc:pengaduan")
    phone.pick(pengaduan["id"], pengaduan["title"])
    answer = phone.last_text()
    assert "Persyaratan" in answer and "Uraian kejadian dan lokasi" in answer


def test_a_sender_over_the_limit_is_kept_but_not_answered(app, db_session, monkeypatch):
    monkeypatch.setattr(cloud.SETTINGS, "rate_per_minute", 3)
    phone = Phone(app)
    for i in range(5):
        phone.text(f"pesan {i}", settle=False)
    db_session.expire_all()
    statuses = sorted(db_session.scalars(select(WaInbound.status).where(WaInbound.wa_id == phone.number)))
    assert statuses == ["limited", "limited", "pending", "pending", "pending"]
    phone.settle()
    assert len(phone.received()) == 3


def test_statuses_update_the_outbox_and_never_go_back(app, db_session):
    phone = Phone(app)
    phone.text("halo")
    db_session.expire_all()
    msg = db_session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == phone.number))
    assert msg.status == "sent" and msg.delivery_status == "sent" and msg.provider_id.startswith("wamid.")
    assert standin.report_statuses(app, phone.number, "delivered") == 1
    db_session.expire_all()
    assert db_session.get(OutboxMessage, msg.id).delivery_status == "delivered"
    standin.report_statuses(app, phone.number, "read")
    # A late "delivered" after "read" changes nothing.
    standin.post_webhook(app, standin.webhook_body({"statuses": [{"id": msg.provider_id, "status": "delivered"}]}))
    db_session.expire_all()
    assert db_session.get(OutboxMessage, msg.id).delivery_status == "read"
    # A failure report is kept with WhatsApp's reason.
    standin.post_webhook(app, standin.webhook_body({"statuses": [{"id": msg.provider_id, "status": "failed", "errors": [
        {"code": 131026, "title": "Message undeliverable"}]}]}))
    db_session.expire_all()
    failed = db_session.get(OutboxMessage, msg.id)
    assert failed.delivery_status == "failed" and "131026" in failed.last_error


def test_no_phone_number_or_message_text_in_the_log(app, caplog):
    phone = Phone(app)
    with caplog.at_level(logging.DEBUG):
        phone.text("Rahasia sekali isi pesan ini")
        phone.text("1")
    assert phone.number not in caplog.text and "Rahasia sekali" not in caplog.text


def test_sms_fallback_speaks_its_documented_wire_format(app, db_session):
    before = len(standin.STATE.sms)
    msg = notifications.queue(db_session, None, "081234567890", "LIGAT: status laporan Anda berubah.", "sms")
    db_session.commit()
    with app.app_context():
        from app.extensions import db

        notifications.dispatch_pending(db.session, recipient="081234567890")
    db_session.expire_all()
    sent = db_session.get(OutboxMessage, msg.id)
    assert sent.status == "sent" and sent.provider_id.startswith("sms-")
    got = standin.STATE.sms[before:]
    assert {"to": "+6281234567890", "text": "LIGAT: status laporan Anda berubah."}.items() <= got[-1].items()


def test_the_simulator_is_for_signed_in_users_and_gone_with_a_real_token(client, login_as, monkeypatch):
    # Whoever writes there speaks for any number (could opt it out): not for anyone.
    assert client.get("/whatsapp/simulator/").status_code == 302
    operator = login_as("operator")
    assert operator.get("/whatsapp/simulator/").status_code == 200
    # Its poll makes the office answer (writes): a POST, never a GET with the number in the URL.
    assert operator.get("/whatsapp/simulator/pesan?nomor=6281200000009").status_code == 405
    monkeypatch.setattr(cloud.SETTINGS, "token", "EAAG-echte-token")
    assert operator.get("/whatsapp/simulator/").status_code == 404
    standin_auth = {"Authorization": "Bearer standin-token"}
    assert client.get("/whatsapp/standin/v21.0/123", headers=standin_auth).status_code == 404


def test_the_standin_answers_only_its_process_token(client):
    # Its routes hold citizens' photos: a token written in the source opens nothing.
    known = {"Authorization": "Bearer standin-token"}
    assert client.get("/whatsapp/standin/v21.0/123", headers=known).status_code == 401
    own = {"Authorization": f"Bearer {cloud.STANDIN_TOKEN}"}
    assert client.get("/whatsapp/standin/v21.0/123", headers=own).status_code == 404  # no such media


def test_the_scheduler_job_works_the_queue(app, db_session):
    from app.scheduler import run_whatsapp_job

    phone = Phone(app)
    phone.text("Halo", settle=False)
    assert run_whatsapp_job(app) >= 1
    with app.app_context():
        from app.extensions import db

        notifications.dispatch_pending(db.session, recipient=phone.number)
    assert phone.received()[0]["interactive"]["type"] == "list"


def test_a_real_whatsapp_account_without_an_sms_gateway_refuses_sms_with_its_reason(app, db_session, monkeypatch):
    # The stand-in goes with WhatsApp's: SMS must not be sent to it (a 404) nor be kept where nobody reads it.
    from app.whatsapp import configure

    monkeypatch.setitem(app.config, "LIGAT_WHATSAPP_TOKEN", "EAAG-echte-token")
    monkeypatch.setitem(app.config, "LIGAT_SMS_TOKEN", "")
    try:
        configure(app)
        before = len(standin.STATE.sms)
        msg = notifications.queue(db_session, None, "081234567891", "LIGAT: status laporan Anda berubah.", "sms")
        db_session.commit()
        with app.app_context():
            from app.extensions import db

            notifications.dispatch_pending(db.session, recipient="081234567891")
        db_session.expire_all()
        refused = db_session.get(OutboxMessage, msg.id)
        assert refused.status == "failed" and "No SMS gateway configured" in refused.last_error
        assert "404" not in refused.last_error and len(standin.STATE.sms) == before
    finally:
        monkeypatch.undo()
        configure(app)
    assert cloud.SETTINGS.standin
