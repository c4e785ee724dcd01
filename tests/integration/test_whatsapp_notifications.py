"""Status changes, officers' messages and letters reach the citizen's WhatsApp through the one
outbox: one message per status change, free text inside the 24-hour window, the approved
template outside it, a rejected template recorded, a letter as a PDF document."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from sqlalchemy import select

from workflows import cases, issued_letters
from workflows.cases import Reporter, start_case
from workflows.db import Case, InboxTask, OutboxMessage, utcnow
from workflows.principal import OPERATOR, Principal
from workflows.whatsapp import cloud
from workflows.whatsapp.letters import queue_issued_letters
from workflows.whatsapp.models import WaConversation

from .portal_helpers import VILLAGE
from .test_whatsapp_conversation import report_by_whatsapp
from .whatsapp_helpers import Phone

OPERATOR_P = Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))


def _case(db_session, ticket: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.reference == ticket))


def _open(db_session, case: Case, name: str) -> InboxTask:
    db_session.expire_all()
    return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == name,
                                                     InboxTask.state == "open"))


def _status_messages(db_session, case: Case) -> list[OutboxMessage]:
    db_session.expire_all()
    return db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                          OutboxMessage.kind.in_(["status", "template"]))
                              .order_by(OutboxMessage.id)).all()


def test_status_changes_inside_and_outside_the_24_hour_window(app, db_session):
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone)
    case = _case(db_session, ticket)
    phone.new()
    cases.complete_task(db_session, _open(db_session, case, "verifikasi").id, OPERATOR_P, {"keputusan": "valid"})
    [inside] = _status_messages(db_session, case)  # one status change, one message
    assert inside.channel == "whatsapp" and "Tindak Lanjut Lapangan" in inside.message
    phone.settle()
    [free_text] = phone.new()
    assert free_text["type"] == "text" and ticket in free_text["text"]["body"]

    # A day and more later the window is closed: the approved status template goes instead.
    db_session.get(WaConversation, phone.number).last_inbound_at = utcnow() - timedelta(hours=25)
    db_session.commit()
    officer = Principal("lap", frozenset({"Petugas Lapangan"}), bidang=case.bidang,
                        scopes=(("Petugas Lapangan", "bidang"),))
    cases.complete_task(db_session, _open(db_session, case, "tindak_lanjut_lapangan").id, officer,
                        {"temuan": "Nenek sakit, tanpa keluarga.", "tindakan": "Dibawa ke panti werdha.",
                         "catatan_publik": "Sudah ditangani petugas."})
    phone.settle()
    [template] = phone.new()
    assert template["type"] == "template" and template["template"]["name"] == cloud.SETTINGS.template_status
    params = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert params == [ticket, "Selesai", "Sudah ditangani petugas."]
    last = _status_messages(db_session, case)[-1]
    assert last.kind == "template" and last.status == "sent" and last.delivery_status == "sent"


def test_a_rejected_template_is_recorded_not_retried(app, db_session, monkeypatch, login_as):
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone)
    case = _case(db_session, ticket)
    db_session.get(WaConversation, phone.number).last_inbound_at = utcnow() - timedelta(hours=30)
    db_session.commit()
    monkeypatch.setattr(cloud.SETTINGS, "template_status", "ligat_status_belum_disetujui")
    cases.complete_task(db_session, _open(db_session, case, "verifikasi").id, OPERATOR_P, {"keputusan": "valid"})
    phone.settle()
    [msg] = _status_messages(db_session, case)
    assert msg.status == "failed" and msg.attempts == 1 and "132001" in msg.last_error
    # Shown where officers look: the case page's WhatsApp panel.
    page = login_as("operator").get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "132001" in page


def test_one_status_change_makes_one_message(app, db_session):
    """A PBI-JKN return: the script's status and the next task's status are one change, one message."""
    number = f"62813{random.randint(10_000_000, 99_999_999)}"
    nik = f"9171011505{random.randint(80, 99)}{random.randint(1000, 9999)}"
    case = start_case(
        db_session, "pbi_jkn",
        {"nik": nik, "no_kk": "9171010101230001", "nama": "Agustina Rumbiak", "tempat_lahir": "Biak",
         "tanggal_lahir": "1985-05-15", "alamat": "Jl. Ampera 2", "kode_wilayah": VILLAGE, "alasan": "Tidak mampu",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi"},
        "kelurahan.gurabesi", region_code=VILLAGE, category="pbi_jkn", subject_nik=nik,
        reporter=Reporter(name="Agustina", phone="+" + number),
    )
    first = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert len(first) == 1 and case.reference in first[0].message  # the receipt, nothing else
    cases.complete_task(db_session, _open(db_session, case, "verifikasi").id, OPERATOR_P,
                        {"keputusan": "tidak_lengkap", "alasan_pengembalian": "KK tidak terbaca."})
    db_session.expire_all()
    after = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                               .order_by(OutboxMessage.id)).all()
    assert len(after) == 2
    assert "Dikembalikan ke kelurahan" in after[1].message and "KK tidak terbaca." in after[1].message


def _pdf_letter(db_session, number: str) -> tuple[Case, issued_letters.Letter]:
    nik = f"9171012203{random.randint(60, 99)}{random.randint(1000, 9999)}"
    case = start_case(
        db_session, "pbi_jkn",
        {"nik": nik, "no_kk": "9171010101230001", "nama": "Maria Kafiar", "tempat_lahir": "Serui",
         "tanggal_lahir": "1979-03-22", "alamat": "Jl. Ampera 9", "kode_wilayah": VILLAGE, "alasan": "Tidak mampu",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi"},
        "kelurahan.gurabesi", region_code=VILLAGE, category="pbi_jkn", subject_nik=nik,
        reporter=Reporter(name="Maria Kafiar", phone="+" + number),
    )
    fields = {"nama": "Maria Kafiar", "nik": nik, "no_kk": "9171010101230001", "tempat_lahir": "Serui",
              "tanggal_lahir": "22 Maret 1979", "alamat": "Jl. Ampera 9", "kelurahan": "Gurabesi",
              "alasan": "Tidak mampu"}
    issued = issued_letters.issue(db_session, case, "kadis", "pbi_jkn", fields)
    db_session.commit()
    assert issued_letters.ensure_pdf(db_session, issued.letter), "LibreOffice is needed for letters as PDF"
    return case, issued.letter


def test_an_issued_letter_goes_to_the_applicants_whatsapp_as_a_pdf_document(app, db_session):
    from app.whatsapp import standin

    phone = Phone(app)
    phone.text("MULAI")  # the applicant agreed to hear from LIGAT on this number
    phone.new()
    case, letter = _pdf_letter(db_session, phone.number)
    stranger_case, stranger_letter = _pdf_letter(db_session, f"62815{random.randint(10_000_000, 99_999_999)}")
    assert queue_issued_letters(db_session) >= 1
    assert queue_issued_letters(db_session) == 0  # once per letter
    phone.settle()
    [document] = [m for m in phone.new() if m["type"] == "document"]
    assert document["document"]["filename"].endswith(".pdf") and letter.number in document["document"]["caption"]
    mime, _name, data = standin.STATE.media[document["document"]["id"]]
    # The applicant's phone holds the very PDF the office made.
    assert mime == "application/pdf" and data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == letter.pdf_sha256
    db_session.expire_all()
    sent = db_session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"surat:{letter.id}:whatsapp"))
    assert sent.status == "sent" and sent.kind == "document"
    standin.report_statuses(app, phone.number, "read")
    db_session.expire_all()
    assert db_session.get(OutboxMessage, sent.id).delivery_status == "read"
    # No consent from the other applicant's number: nothing is sent there.
    assert db_session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"surat:{stranger_letter.id}:whatsapp")) is None
    assert stranger_case.id != case.id
