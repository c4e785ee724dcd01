"""Access logs: every route that shows a person's record or serves a case's file writes its row
(`person_view`, `file_access`), the auditor finds them on /audit/, and a new such route that is
not known to log fails here."""

from __future__ import annotations

import io

import pypdf
import pytest
from sqlalchemy import func, select

from app.audit.access import LOGGED, NOT_PERSONAL, SENSITIVE_ARGUMENTS
from app.portal.models import PortalMedia
from letters import mask_nik
from tests.conftest import csrf_token
from tests.integration.portal_helpers import jpeg_with_gps
from tests.integration.test_pbi_jkn_http import approve, new_nik, open_task, submit, verify_ok
from tests.integration.test_portal_http import case_of, post_report, ticket_of
from workflows import signing
from workflows.db import AuditEvent, Case
from workflows.documents import CaseDocument, FileAccess
from workflows.persons import PersonView


def test_every_route_that_serves_a_case_a_person_or_a_file_is_known_to_log(app):
    """Walks the URL map: a route taking a case, task, document, letter, media, entry or ticket (or
    listed as logging) must be in app/audit/access.py, with its log or the reason it needs none."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = sorted(
        f"{rule.rule} ({rule.endpoint})" for rule in app.url_map.iter_rules()
        if set(rule.arguments) & SENSITIVE_ARGUMENTS and rule.endpoint not in LOGGED
        and rule.endpoint not in NOT_PERSONAL
    )
    assert unknown == [], "routes that show a case, a person or a file without an access log: " + ", ".join(unknown)
    assert set(LOGGED) <= endpoints and set(NOT_PERSONAL) <= endpoints, "stale entries in app/audit/access.py"


def _views(db_session, nik: str, context: str) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(PersonView).where(
        PersonView.nik == nik, PersonView.username == "operator", PersonView.context.startswith(context)))


def _downloads(db_session, object_type: str, object_id: int, username: str = "operator") -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(FileAccess).where(
        FileAccess.object_type == object_type, FileAccess.object_id == object_id, FileAccess.username == username))


@pytest.fixture
def pbi_case(login_as, db_session):
    nik, born = new_nik(female=True)
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    db_session.expire_all()
    return db_session.get(Case, case_id), nik


def test_each_route_showing_a_nik_writes_one_person_view(login_as, db_session, pbi_case):
    case, nik = pbi_case
    operator = login_as("operator")
    task = open_task(db_session, case.id, "verifikasi")
    visits = [
        (f"/kasus/{case.id}", "kasus:"),
        (f"/api/v1/cases/{case.id}", "api_kasus:"),
        (f"/inbox/{task.id}", "tugas:verifikasi:"),
        (f"/berkas/warga/kasus/{case.id}", "halaman_warga:"),
    ]
    for url, context in visits:
        before = _views(db_session, nik, context)
        response = operator.get(url)
        assert response.status_code == 200, url
        assert nik in response.get_data(as_text=True), url  # the page does show the full NIK...
        assert _views(db_session, nik, context) == before + 1, url  # ...and says so in the log
        row = db_session.scalars(select(PersonView).where(PersonView.nik == nik, PersonView.context.startswith(
            context)).order_by(PersonView.id.desc())).first()
        assert row.context.endswith(case.reference)
        if context != "halaman_warga:":
            assert row.case_id == case.id
    before = _views(db_session, nik, "pencarian_warga")
    token = csrf_token(operator, "/berkas/warga/")
    assert operator.post("/berkas/warga/", data={"nik": nik, "csrf_token": token}).status_code == 200
    assert _views(db_session, nik, "pencarian_warga") == before + 1

    # The auditor finds these views, by case and by person; the list itself shows the NIK masked.
    auditor = login_as("auditor")
    html = auditor.get(f"/audit/?jenis=akses_warga&tiket={case.reference}&pengguna=operator").get_data(as_text=True)
    assert html.count("<tr><td") >= 4 and mask_nik(nik) in html and nik not in html
    assert f'href="/kasus/{case.id}"' in html


def test_each_file_route_writes_one_file_access(login_as, db_session, pbi_case):
    case, nik = pbi_case
    operator = login_as("operator")
    ktp = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.kind == "ktp"))
    before = _downloads(db_session, "document", ktp.id)
    assert operator.get(f"/berkas/dokumen/{ktp.id}").status_code == 200
    assert _downloads(db_session, "document", ktp.id) == before + 1

    verify_ok(operator, db_session, case.id)
    letter = approve(login_as("kadis"), db_session, case.id)
    assert operator.get(f"/berkas/surat/{letter.id}/docx").status_code == 200
    assert _downloads(db_session, "letter", letter.id) == 1

    auditor = login_as("auditor")
    html = auditor.get(f"/audit/?jenis=unduhan&tiket={case.reference}&aksi=letter").get_data(as_text=True)
    assert html.count('data-object="letter"') == 1 and 'data-object="document"' not in html


def test_report_photo_download_is_logged(client, login_as, db_session):
    response = post_report(client, files={"foto": (io.BytesIO(jpeg_with_gps()), "foto.jpg")})
    ticket, _ = ticket_of(response)
    case = case_of(db_session, ticket)
    media = db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
    operator = login_as("operator")
    assert operator.get(f"/lampiran-laporan/{media.id}").status_code == 200
    assert _downloads(db_session, "media", media.id) == 1
    row = db_session.scalar(select(FileAccess).where(FileAccess.object_type == "media",
                                                     FileAccess.object_id == media.id))
    assert row.case_id == case.id


def test_case_history_pdf_for_the_inspector(login_as, db_session, pbi_case):
    case, nik = pbi_case
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/kasus/{case.id}/riwayat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.seq)).all()
    assert case.reference in flat and "Kasus dimulai" in flat and "Tugas dibuat" in flat
    assert "Rantai audit kasus ini utuh" in flat and f"({len(events)} peristiwa)" in flat
    compact = text.replace("\n", "").replace(" ", "")
    for event in events:
        assert event.hash in compact and event.prev_hash in compact
    assert "WIT" in flat and nik not in compact and mask_nik(nik) in compact
    assert _downloads(db_session, "history", case.id, "auditor") == 1
    assert signing.signature_state(response.data).state == signing.VALID
    assert login_as("operator").get(f"/audit/kasus/{case.id}/riwayat.pdf").status_code in (302, 403)
    assert auditor.get("/audit/kasus/999999999/riwayat.pdf").status_code == 404
