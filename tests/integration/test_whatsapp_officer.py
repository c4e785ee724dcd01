"""Two-way conversation on a case: the officer writes from the case page, the citizen answers
on WhatsApp, the answer lands on the case. An anonymous reporter's number is never shown; who
may see and write is the case page's own rule."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token
from workflows.db import AuditEvent, Case, OutboxMessage
from workflows.whatsapp.models import WaThreadMessage

from .test_whatsapp_conversation import report_by_whatsapp
from .whatsapp_helpers import Phone


def _case(db_session, ticket: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.reference == ticket))


def _write(officer, case: Case, text: str):
    token = csrf_token(officer, f"/kasus/{case.id}")
    return officer.post(f"/whatsapp/kasus/{case.id}/tulis", data={"csrf_token": token, "isi": text})


def test_two_way_exchange_on_an_anonymous_report(app, db_session, login_as):
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone, anonymous=True)
    case = _case(db_session, ticket)
    phone.new()
    operator = login_as("operator")
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'id="whatsapp"' in page and "nomornya tidak ditampilkan" in page
    response = _write(operator, case, "Di RT berapa tepatnya nenek itu berada?")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kasus/{case.id}#whatsapp")
    phone.settle()
    [question] = phone.new()
    assert "Di RT berapa" in question["text"]["body"] and ticket in question["text"]["body"]
    phone.text("RT 03 RW 02, di depan toko Sinar.")
    assert "diteruskan ke petugas" in phone.last_text()
    db_session.expire_all()
    thread = db_session.scalars(select(WaThreadMessage).where(WaThreadMessage.case_id == case.id)
                                .order_by(WaThreadMessage.id)).all()
    assert [(m.direction, m.author) for m in thread] == [("out", "operator"), ("in", "warga")]
    assert thread[1].body == "RT 03 RW 02, di depan toko Sinar."
    actions = set(db_session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)))
    assert {"whatsapp_sent", "whatsapp_received"} <= actions
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert "RT 03 RW 02" in page and "Di RT berapa" in page
    assert phone.number not in page and phone.number[2:] not in page  # the number is never shown


def test_only_those_who_see_the_case_may_write(app, db_session, login_as):
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone)
    case = _case(db_session, ticket)
    outsider = login_as("kelurahan.gurabesi")  # no lane in complaints: cannot see the case
    token = csrf_token(outsider, "/lapor")
    response = outsider.post(f"/whatsapp/kasus/{case.id}/tulis", data={"csrf_token": token, "isi": "Halo"})
    assert response.status_code == 404
    auditor = login_as("auditor")  # reads everything, works on nothing
    page = auditor.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'id="whatsapp"' in page and 'id="whatsapp-form"' not in page  # no form it could not use
    assert 'id="whatsapp-form"' in login_as("operator").get(f"/kasus/{case.id}").get_data(as_text=True)
    _write(auditor, case, "Halo dari auditor")
    db_session.expire_all()
    assert db_session.scalar(select(WaThreadMessage).where(WaThreadMessage.case_id == case.id)) is None
    # Without the CSRF token nothing is sent.
    operator = login_as("operator")
    assert operator.post(f"/whatsapp/kasus/{case.id}/tulis", data={"isi": "Halo"}).status_code == 400


def test_an_opted_out_citizen_gets_no_officer_message(app, db_session, login_as):
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone)
    case = _case(db_session, ticket)
    phone.text("STOP")
    phone.new()
    operator = login_as("operator")
    _write(operator, case, "Apakah masih perlu bantuan?")
    phone.settle()
    assert phone.new() == []
    db_session.expire_all()
    msg = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                             .order_by(OutboxMessage.id.desc())).first()
    assert msg.status == "skipped"
    assert "tidak dikirim" in operator.get(f"/kasus/{case.id}").get_data(as_text=True)


def test_needs_more_information_is_asked_and_answered_on_whatsapp(app, db_session, login_as):
    """The operator's "needs more information" reaches an anonymous reporter through LIGAT's relay;
    the answer lands on the case for the operator's next task."""
    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone, anonymous=True)
    case = _case(db_session, ticket)
    phone.new()
    operator = login_as("operator")
    from workflows.db import InboxTask

    task = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    token = csrf_token(operator, "/lapor")
    operator.post(f"/inbox/{task.id}", data={"csrf_token": token, "keputusan": "perlu_informasi",
                                               "pertanyaan": "Apakah nenek itu masih di sana malam ini?"})
    phone.settle()
    [question] = phone.new()
    assert "masih di sana malam ini" in question["text"]["body"]
    phone.text("Masih, tidur di depan toko roti.")
    db_session.expire_all()
    thread = db_session.scalars(select(WaThreadMessage).where(WaThreadMessage.case_id == case.id)
                                .order_by(WaThreadMessage.id)).all()
    assert [(m.direction, m.author) for m in thread] == [("out", "proses"), ("in", "warga")]
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert "tidur di depan toko roti" in page and phone.number not in page


def test_talk_to_an_officer_from_the_menu_with_ticket_and_code(app, db_session, login_as):
    from workflows.whatsapp.models import WaConversation

    reporter = Phone(app)
    ticket, code = report_by_whatsapp(reporter)
    # Another phone (the reporter's relative) knows the ticket and its tracking code.
    relative = Phone(app)
    relative.text("Halo")
    relative.pick("menu:petugas", "4. Bicara dgn petugas")
    assert "nomor tiket dan kode lacak" in relative.last_text()
    relative.text(f"{ticket} AAAAAAAA")
    assert "tidak cocok" in relative.last_text()
    relative.text(f"tiket saya {ticket.lower()} kode {code.lower()}")
    assert f"tentang {ticket}" in relative.last_text()
    relative.text("Saya anaknya, kapan petugas datang?")
    db_session.expire_all()
    assert db_session.get(WaConversation, relative.number).state == "percakapan"
    case = _case(db_session, ticket)
    [question] = db_session.scalars(select(WaThreadMessage).where(WaThreadMessage.case_id == case.id)).all()
    assert question.direction == "in" and "kapan petugas datang" in question.body
    relative.text("MENU")
    db_session.expire_all()
    assert db_session.get(WaConversation, relative.number).state == "menu"


def test_an_answer_hours_after_the_officer_wrote_still_lands_on_the_case(app, db_session, login_as):
    from datetime import timedelta

    from workflows.db import utcnow
    from workflows.whatsapp.inbound import expire_quiet
    from workflows.whatsapp.models import WaConversation

    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone)
    case = _case(db_session, ticket)
    db_session.get(WaConversation, phone.number).last_inbound_at = utcnow() - timedelta(hours=3)
    db_session.commit()
    _write(login_as("operator"), case, "Bisa kirim foto tambahan besok?")
    expire_quiet(db_session)  # a talk on a case is not a flow left half-way
    phone.settle()
    phone.text("Bisa, besok pagi.")
    db_session.expire_all()
    bodies = [m.body for m in db_session.scalars(select(WaThreadMessage).where(WaThreadMessage.case_id == case.id))]
    assert bodies == ["Bisa kirim foto tambahan besok?", "Bisa, besok pagi."]
