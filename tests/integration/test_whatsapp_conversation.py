"""Conversations on WhatsApp, end to end through the webhook, the queue worker, the adapter
(pywa) and the local stand-in: a complaint, a status check, an expired conversation, opt-out."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from app.portal.models import PortalMedia, PortalReport
from workflows import storage
from workflows.db import AuditEvent, Case, utcnow
from workflows.whatsapp.inbound import expire_quiet
from workflows.whatsapp.models import WaCaseLink, WaConversation, WaInbound

from .portal_helpers import VILLAGE, jpeg_with_gps
from .whatsapp_helpers import Phone

TICKET = re.compile(r"Nomor tiket: (\S+)\. Kode lacak: (\S+)\.")


def report_by_whatsapp(phone: Phone, anonymous: bool = False, photo: bytes | None = None) -> tuple[str, str]:
    """The whole complaint conversation; returns (ticket, tracking code)."""
    phone.text("Halo")
    phone.pick("menu:lapor", "1. Laporkan masalah")
    categories = phone.new()[-1]["interactive"]["action"]["sections"]
    assert all(len(section["rows"]) <= 10 for section in categories) and len(categories) >= 3
    phone.pick("kat:lanjut_usia_terlantar", "Lansia terlantar")
    phone.text("Seorang nenek tidur di emperan toko sejak tiga hari, tampak sakit.")
    phone.location(-2.5337, 140.7181, name="Pasar Ampera", address="Jl. Ahmad Yani, Gurabesi")
    villages = phone.new()[-1]
    assert villages["interactive"]["type"] == "list"
    phone.pick(f"kel:{VILLAGE}", "Gurabesi")
    if photo is not None:
        phone.image(photo)
        assert "Diterima (1)" in phone.last_text()
    phone.text("SELESAI")
    assert phone.received()[-1]["interactive"]["type"] == "button"
    if anonymous:
        phone.button("anon:ya", "Ya, anonim")
    else:
        phone.button("anon:tidak", "Tidak, pakai nama")
        phone.text("1")  # the profile name WhatsApp gave
    summary = phone.received()[-1]["interactive"]["body"]["text"]
    assert "Gurabesi" in summary and "Pasar Ampera" in summary
    phone.button("konfirmasi:kirim", "Kirim")
    found = TICKET.search(phone.last_text())
    assert found, phone.last_text()
    return found.group(1), found.group(2)


def test_a_whole_complaint_by_conversation(app, db_session):
    phone = Phone(app, name="Yohana Wenda")
    ticket, code = report_by_whatsapp(phone, photo=jpeg_with_gps())
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    assert case.tracking_code == code and case.process_id == "pengaduan" and case.category == "lanjut_usia_terlantar"
    assert case.reporter_name == "Yohana Wenda" and case.reporter_phone == "+" + phone.number and not case.anonymous
    report = db_session.get(PortalReport, case.id)
    assert report.source == "whatsapp" and (report.latitude, report.longitude) == (-2.5337, 140.7181)
    assert "Pasar Ampera" in report.address and case.region_code == VILLAGE
    # The photo was fetched through the media API and cleaned as portal photos are: no EXIF, no GPS.
    [photo] = db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()
    with Image.open(io.BytesIO(storage.read(photo.storage_key))) as image:
        assert image.format == "JPEG" and not image.getexif()
    link = db_session.get(WaCaseLink, case.id)
    assert link.wa_id == phone.number and not link.anonymous
    conversation = db_session.get(WaConversation, phone.number)
    assert conversation.state == "menu" and conversation.consent
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                      AuditEvent.action == "whatsapp_consent")) is not None


def test_the_confirmation_delivered_twice_makes_one_case(app, db_session):
    from app.whatsapp import standin

    phone = Phone(app)
    phone.text("Halo")
    phone.text("1")
    phone.text("5")  # a category by its number
    phone.text("Anak kecil mengemis di lampu merah setiap malam.")
    phone.text("Lampu merah Entrop dekat halte")
    phone.text("1")
    phone.text("LEWATI")
    phone.button("anon:ya")
    update = standin.message_update(phone.number, {"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "konfirmasi:kirim", "title": "Kirim"}}})
    standin.post_webhook(app, update)
    standin.post_webhook(app, update)
    phone.settle()
    db_session.expire_all()
    links = db_session.scalars(select(WaCaseLink).where(WaCaseLink.wa_id == phone.number)).all()
    assert len(links) == 1 and links[0].anonymous
    case = db_session.get(Case, links[0].case_id)
    assert case.anonymous and case.reporter_phone is None
    assert db_session.get(PortalReport, case.id).source == "whatsapp"


def test_a_refused_photo_is_explained_and_the_report_goes_on(app):
    phone = Phone(app)
    phone.text("Halo")
    phone.text("1")
    phone.text("2")
    phone.text("Seorang bapak terlantar di terminal bus.")
    phone.text("Terminal Entrop")
    phone.text("1")
    phone.image(b"%PDF-1.4 bukan foto", mime="application/pdf")
    assert "tidak diterima" in phone.last_text()
    phone.image(b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024), mime="image/jpeg")
    assert "terlalu besar" in phone.last_text()


def test_status_check_by_ticket_and_tracking_code(app):
    phone = Phone(app)
    ticket, code = report_by_whatsapp(phone)
    phone.text("2")
    phone.text(f"{ticket} {code}")
    answer = phone.last_text()
    assert ticket in answer and "Status: Verifikasi" in answer
    assert "✅ Diterima → ▶️ Verifikasi" in answer  # the public tracking page's stages
    other = Phone(app)
    other.text("2")
    other.text(f"{ticket} AAAAAAAA")
    assert "tidak cocok" in other.last_text()


def test_an_expired_conversation_starts_over_politely(app, db_session):
    phone = Phone(app)
    phone.text("Halo")
    phone.text("1")
    db_session.expire_all()
    conversation = db_session.get(WaConversation, phone.number)
    assert conversation.state == "lapor_kategori"
    conversation.last_inbound_at = utcnow() - timedelta(minutes=31)
    db_session.commit()
    phone.text("3")
    replies = phone.new()
    assert "percakapan sebelumnya kami tutup" in replies[-2]["text"]["body"]
    assert replies[-1]["interactive"]["type"] == "list"
    db_session.expire_all()
    assert db_session.get(WaConversation, phone.number).state == "menu"
    # Left half-way again: the scheduler's job closes it with a message of its own.
    phone.text("1")
    db_session.expire_all()
    db_session.get(WaConversation, phone.number).last_inbound_at = utcnow() - timedelta(minutes=45)
    db_session.commit()
    assert expire_quiet(db_session) >= 1
    phone.settle()
    assert "Percakapan kami tutup" in phone.last_text()


def test_opt_out_and_back_in(app, db_session):
    phone = Phone(app)
    phone.text("BERHENTI")
    assert "tidak akan menerima kabar" in phone.last_text()
    db_session.expire_all()
    conversation = db_session.get(WaConversation, phone.number)
    assert conversation.opted_out_at is not None and not conversation.consent
    phone.text("MULAI")
    db_session.expire_all()
    conversation = db_session.get(WaConversation, phone.number)
    assert conversation.consent and conversation.opted_out_at is None
    undone = select(WaInbound).where(WaInbound.wa_id == phone.number, WaInbound.status != "done")
    assert db_session.scalar(undone) is None


def test_a_short_video_is_fetched_and_its_location_boxes_blanked(app, db_session):
    from app.whatsapp import standin

    from .portal_helpers import mp4_with_location

    phone = Phone(app)
    phone.text("Halo")
    phone.text("1")
    phone.text("4")
    phone.text("Anak-anak mengamen di perempatan sampai larut malam.")
    phone.text("Perempatan Dok Dua")
    phone.text("1")
    media_id = standin.store_media(mp4_with_location(), "video/mp4", "")
    phone.send({"type": "video", "video": {"id": media_id, "mime_type": "video/mp4"}})
    assert "Diterima (1)" in phone.last_text()
    phone.image(jpeg_with_gps())  # a photo besides a video is refused, as on the portal
    assert "tidak keduanya" in phone.last_text()
    phone.text("SELESAI")
    phone.button("anon:ya")
    phone.button("konfirmasi:kirim")
    ticket = TICKET.search(phone.last_text()).group(1)
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    [video] = db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()
    data = storage.read(video.storage_key)
    assert video.kind == "video" and b"udta" not in data and b"+140.7181" not in data
