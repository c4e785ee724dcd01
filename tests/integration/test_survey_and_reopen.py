"""After a case closes: the satisfaction survey (SKM, nine elements, IKM) and reopening a complaint."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from tests.conftest import csrf_token
from tests.integration.test_complaint_http import case_by_ticket, open_task, post_task, public_status, submit_complaint
from workflows import satisfaction
from workflows.db import AuditEvent, OutboxMessage
from workflows.satisfaction import SurveyResponse


def _closed_complaint(client, login_as, db_session, **overrides):
    ticket, code = submit_complaint(client, **overrides)
    case = case_by_ticket(db_session, ticket)
    operator = login_as("operator")
    task = open_task(db_session, case, "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": "Laporan ganda."}).status_code == 302
    assert public_status(client, ticket, code) == "Ditolak"
    return ticket, code, case_by_ticket(db_session, ticket)


def _survey_url(client, ticket: str, code: str) -> str:
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    return re.search(r'id="survey-link" href="([^"]+)"', html).group(1)


def _answers(values: list[int]) -> dict[str, str]:
    return {f"u{n}": str(v) for n, v in enumerate(values, start=1)}


def test_the_citizen_answers_the_survey_once_from_the_tracking_page(client, login_as, db_session):
    ticket, code, case = _closed_complaint(client, login_as, db_session)
    url = _survey_url(client, ticket, code)
    assert ticket not in url and code not in url  # the link carries a random token only
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="card survey-q"') == 9 and "Persyaratan" in page and "Sarana dan prasarana" in page

    token = csrf_token(client, url)
    partial = client.post(url, data={"csrf_token": token, **_answers([4, 4, 3])})
    assert partial.status_code == 422
    text = partial.get_data(as_text=True)
    assert "U4, U5, U6, U7, U8, U9" in text and "every element" in text
    wrong = client.post(url, data={"csrf_token": token, **_answers([4, 4, 3, 4, 4, 4, 4, 4, 7])})
    assert wrong.status_code == 422 and "U9" in wrong.get_data(as_text=True)
    assert client.post(url, data=_answers([4] * 9)).status_code == 400  # CSRF

    values = _answers([4, 3, 3, 4, 3, 4, 4, 2, 3])
    done = client.post(url, data={"csrf_token": token, "saran": "  Petugas   ramah. ", **values})
    assert done.status_code == 200 and 'id="survey-thanks"' in done.get_data(as_text=True)
    db_session.expire_all()
    stored = db_session.scalar(select(SurveyResponse).where(SurveyResponse.case_id == case.id))
    assert (stored.line, stored.u1, stored.u8, stored.suggestion) == ("pengaduan", 4, 2, "Petugas ramah.")
    again = client.post(url, data={"csrf_token": token, **_answers([1] * 9)})
    assert again.status_code == 422 and "sudah diisi" in again.get_data(as_text=True)
    assert 'id="survey-done"' in client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert client.get("/survei/tidak-ada-token").status_code == 404


def test_the_invitation_is_made_when_the_case_closes_and_tracking_writes_nothing(client, login_as, db_session):
    ticket, code = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    client.get(f"/lacak?tiket={ticket}&kode={code}")
    assert satisfaction.invitation_of(db_session, case.id) is None  # an open case has none, viewed or not
    operator = login_as("operator")
    task = open_task(db_session, case, "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": "Laporan ganda."}).status_code == 302
    db_session.expire_all()
    invitation = satisfaction.invitation_of(db_session, case.id)
    assert invitation is not None  # made by the engine step that closed the case, before anyone looked
    assert invitation.created_at <= db_session.get(type(case), case.id).closed_at + timedelta(seconds=1)

    # Tracking the closed case shows that invitation and writes nothing (no commit on a GET).
    from sqlalchemy import event

    from app.extensions import db

    commits = []
    with client.application.app_context():
        engine = db.engine
    listener = lambda conn: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    finally:
        event.remove(engine, "commit", listener)
    assert f'href="/survei/{invitation.token}"' in html and commits == []


def test_open_cases_have_no_survey_yet(client, db_session):
    ticket, code = submit_complaint(client)
    assert 'id="survey-link"' not in client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    case = case_by_ticket(db_session, ticket)
    invitation = satisfaction.invitation_for(db_session, case)
    db_session.commit()
    with pytest.raises(satisfaction.SurveyRefused, match="setelah layanan selesai"):
        satisfaction.record_response(db_session, invitation.token, _answers([4] * 9), None)


def test_closed_cases_with_a_number_are_invited_once(app, client, login_as, db_session):
    ticket, _code, case = _closed_complaint(client, login_as, db_session)
    anonymous, _, anonymous_case = _closed_complaint(client, login_as, db_session, anonim="true")
    assert satisfaction.invite_closed_cases(db_session, "https://ligat.example", "log") >= 1
    assert satisfaction.invite_closed_cases(db_session, "https://ligat.example", "log") == 0
    messages = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                              OutboxMessage.message.contains("/survei/"))).all()
    assert len(messages) == 1 and "https://ligat.example/survei/" in messages[0].message
    assert ticket in messages[0].message
    assert not db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == anonymous_case.id)).all()


def test_index_follows_the_regulation(db_session, client, login_as, monkeypatch):
    """IKM = mean over the nine elements of each element's mean, × 25; graded A–D."""
    db_session.execute(delete(SurveyResponse))
    db_session.commit()
    rows = [[4, 4, 4, 4, 4, 4, 4, 4, 4], [3, 3, 3, 3, 3, 3, 3, 3, 3], [4, 3, 2, 4, 3, 4, 4, 1, 3]]
    for values in rows:
        _t, _c, case = _closed_complaint(client, login_as, db_session)
        invitation = satisfaction.invitation_for(db_session, case)
        db_session.commit()
        satisfaction.record_response(db_session, invitation.token, _answers(values), None)
    result = satisfaction.index(db_session, "pengaduan")
    means = [sum(r[i] for r in rows) / 3 for i in range(9)]
    assert result.responses == 3
    assert result.element_means["u8"] == pytest.approx(8 / 3, abs=1e-3)
    assert result.value == pytest.approx(round(sum(means) / 9 * 25, 2))
    assert result.value == 84.26 and result.grade == "B" and result.grade_label["id"] == "Baik"
    assert satisfaction.index(db_session, "pbi_jkn").value is None
    # Per line, in one grouped query: the same figures; a line answered only outside the period stays, empty.
    assert satisfaction.index_by_line(db_session) == {"pengaduan": result}
    later = satisfaction.index_by_line(db_session, since=datetime(9000, 1, 1))
    assert later == {"pengaduan": satisfaction.Index(0, {}, None, None)}
    assert [satisfaction.grade_of(v) for v in (88.31, 88.30, 76.61, 76.60, 65.0, 64.99)] == list("ABBCCD")
    # Two answers sent at once both pass the check; the second meets the unique row: refused, not a 500.
    monkeypatch.setattr(satisfaction, "answered", lambda *_: False)
    with pytest.raises(satisfaction.SurveyRefused, match="sudah diisi"):
        satisfaction.record_response(db_session, invitation.token, _answers(rows[0]), None)


def test_a_closed_complaint_is_reopened_with_a_reason_and_returns_to_the_operator(client, login_as, db_session):
    ticket, code, case = _closed_complaint(client, login_as, db_session)
    page = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert 'id="reopen-form"' in page
    token = csrf_token(client, f"/lacak?tiket={ticket}&kode={code}")
    short = client.post("/lacak/buka-kembali", data={"csrf_token": token, "tiket": ticket, "kode": code,
                                                     "alasan": "belum"})
    assert short.status_code == 422 and "minimal 10 karakter" in short.get_data(as_text=True)
    assert client.post("/lacak/buka-kembali", data={"csrf_token": token, "tiket": ticket, "kode": "SALAH123",
                                                    "alasan": "Nenek masih sendirian."}).status_code == 404
    sent_before = {m.id for m in db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))}
    response = client.post("/lacak/buka-kembali", data={"csrf_token": token, "tiket": ticket, "kode": code,
                                                        "alasan": "Nenek itu masih tinggal sendiri tanpa makanan."})
    assert response.status_code == 302
    assert public_status(client, ticket, code) == "Dibuka kembali"
    case = case_by_ticket(db_session, ticket)
    # One message for the step: the case is reopened, with the reason.
    told = [m.message for m in db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))
            if m.id not in sent_before]
    assert told == [f"LIGAT: {ticket} kini berstatus Dibuka kembali. Nenek itu masih tinggal sendiri tanpa makanan."]
    assert not case.completed and case.closed_at is None
    task = open_task(db_session, case, "verifikasi")
    assert task is not None and task.role == "Operator Dinsos"
    events = [e.action for e in db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))]
    assert "case_reopened" in events
    # The operator sees the reason, and the case runs on to its end again.
    operator = login_as("operator")
    assert "tanpa makanan" in operator.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": "Sudah ditangani."}).status_code == 302
    assert case_by_ticket(db_session, ticket).completed


def test_reopening_after_the_period_or_an_open_case_is_refused(client, login_as, db_session):
    ticket, code, case = _closed_complaint(client, login_as, db_session)
    case.closed_at = case.closed_at - timedelta(days=15)
    db_session.commit()
    page = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert 'id="reopen-form"' not in page
    token = csrf_token(client, "/lapor")
    late = client.post("/lacak/buka-kembali", data={"csrf_token": token, "tiket": ticket, "kode": code,
                                                    "alasan": "Masih belum selesai sama sekali."})
    assert late.status_code == 422
    text = late.get_data(as_text=True)
    assert "sudah lewat" in text and "has passed" in text
    open_ticket, open_code = submit_complaint(client)
    refused = client.post("/lacak/buka-kembali", data={"csrf_token": token, "tiket": open_ticket, "kode": open_code,
                                                       "alasan": "Masih belum selesai sama sekali."})
    assert refused.status_code == 422 and "belum selesai" in refused.get_data(as_text=True)


def test_deploy_checks_the_reopen_declaration():
    import json
    from pathlib import Path

    from workflows.packages.checks import check_package
    from workflows.packages.files import from_directories

    package = from_directories(Path(__file__).resolve().parents[2], "pengaduan")
    descriptor = json.loads(package.descriptor_bytes)
    descriptor["reopen"] = {"task": "tidak_ada", "within": "kapan-kapan"}
    package.files["bpmn/pengaduan/service.json"] = json.dumps(descriptor).encode()
    problems = {(p.element_id, p.message_en) for p in check_package(package).problems}
    assert ("reopen/task", "reopen task 'tidak_ada' is not a human task of this package's processes") in problems
    assert ("reopen/within", "unknown period 'kapan-kapan' (e.g. P14D, 10 working days)") in problems


def test_the_dashboard_shows_the_index_and_the_complaint_completion_ratio(client, login_as, db_session):
    """Answers on a day of their own (10 Feb 2024), so the figure is exactly theirs."""
    from datetime import datetime

    day = datetime(2024, 2, 10, 3, 0)  # 12:00 WIT
    for values in ([4, 4, 4, 4, 4, 4, 4, 4, 4], [3, 3, 3, 3, 3, 3, 3, 2, 3]):
        _t, _c, case = _closed_complaint(client, login_as, db_session)
        invitation = satisfaction.invitation_for(db_session, case)
        db_session.commit()
        response = satisfaction.record_response(db_session, invitation.token, _answers(values), None)
        response.answered_at = day
        case.created_at = day
        db_session.commit()
    open_ticket, _ = submit_complaint(client)
    open_case = case_by_ticket(db_session, open_ticket)
    open_case.created_at = day
    db_session.commit()
    page = login_as("kadis").get("/dasbor/?dari=2024-02-10&sampai=2024-02-10").get_data(as_text=True)
    # (4*9 + 3*8 + 2) / 2 answers → element means 3.5 ×8 and 3.0; IKM = mean × 25 = 86.11 (B, Baik).
    assert re.search(r'id="ikm-nilai"[^>]*>86\.11', page) and "B · Baik" in page
    assert "dari 2 jawaban" in page
    assert 'data-unsur="u8"' in page and ">3.00<" in page
    assert re.search(r'id="rasio-pengaduan"[^>]*>66\.7%', page)  # 2 of the 3 complaints of that day closed
    empty = login_as("kadis").get("/dasbor/?dari=2024-03-01&sampai=2024-03-01").get_data(as_text=True)
    assert 'id="ikm-kosong"' in empty
