"""The approver's letter preview (issue 15): the letter the approval would issue, rendered from the
case's current data, marked as a preview, with no number taken, nothing stored or signed, served only
to those who may work on the task and logged as a file access."""

from __future__ import annotations

import io
import re
import zipfile

import pypdf
import pytest
from sqlalchemy import func, select

import letters
from tests.integration.test_pbi_jkn_http import approve, docx_text, new_nik, open_task, submit, verify_ok
from tests.integration.test_work_api import token_for
from workflows import letter_preview, signing
from workflows.db import Case, Counter
from workflows.documents import FileAccess
from workflows.issued_letters import Letter, office_today
from workflows.serialization import read_workflow

KK = "9171010101230001"  # the family card number request_form sends


@pytest.fixture
def waiting_for_approval(login_as, db_session):
    """A PBI-JKN case verified and waiting for the head of office's approval: (case, approval task, NIK)."""
    nik, born = new_nik(female=True)
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    verify_ok(login_as("operator"), db_session, case_id)
    task = open_task(db_session, case_id, "persetujuan")
    return db_session.get(Case, case_id), task, nik


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _counter(db_session) -> int:
    db_session.expire_all()
    row = db_session.get(Counter, ("letter:pbi_jkn", office_today().year))
    return row.value if row else 0


def _previews_logged(db_session, task_id: int, username: str = "kadis") -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(FileAccess).where(
        FileAccess.object_type == "letter_preview", FileAccess.object_id == task_id, FileAccess.username == username))


def test_which_tasks_lead_to_a_letter_is_read_from_the_diagram(waiting_for_approval, db_session):
    case, task, _nik = waiting_for_approval
    workflow = read_workflow(case)
    by_name = {t.task_spec.bpmn_id: t for t in workflow.get_tasks()}
    steps = letter_preview.letters_after(by_name["persetujuan"])
    assert [(s.letter_type, s.element_id) for s in steps] == [("pbi_jkn", "terbitkan_surat")]
    assert [getattr(s, "bpmn_id", None) for s in steps[0].path if getattr(s, "bpmn_id", None)] == [
        "persetujuan", "gw_persetujuan", "terbitkan_surat"]
    # The verifier's decision leads to the approval (a person waits there), not to the letter.
    assert letter_preview.letters_after(by_name["verifikasi"]) == []
    assert letter_preview.letter_types_after(task) == ["pbi_jkn"]


def test_approver_sees_the_letter_as_it_will_be_issued_without_taking_a_number(
        waiting_for_approval, login_as, db_session):
    case, task, nik = waiting_for_approval
    kadis = login_as("kadis")
    page = kadis.get(f"/inbox/{task.id}").get_data(as_text=True)
    pdf_url = f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/pdf"
    assert 'id="pratinjau-pbi_jkn"' in page and f'<iframe class="ligat-letter-preview-frame" src="{pdf_url}"' in page
    assert f'href="{pdf_url}?unduh=1"' in page and f'href="/inbox/{task.id}/pratinjau-surat/pbi_jkn/docx"' in page

    before = _counter(db_session)
    response = kadis.get(pdf_url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"  # the task page may embed it, no other site
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    text = _pdf_text(response.data)
    assert nik in text and KK in text  # the letter is the holder's document: full NIK and KK
    assert "PRATINJAU — belum sah" in text and "PREVIEW — not valid" in text
    year = office_today().year
    assert "400.9/XXXX/DINSOS/" in text and f"/{year}" in text
    assert not re.search(r"400\.9/\d{4}/DINSOS", text)  # no real number
    assert signing.signature_state(response.data).state != signing.VALID  # not signed
    assert _previews_logged(db_session, task.id) == 1

    download = kadis.get(f"{pdf_url}?unduh=1")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Frame-Options"] == "DENY"
    assert _previews_logged(db_session, task.id) == 2

    # Nothing was numbered, stored or published; the letter issued on approval takes the next number.
    assert _counter(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Letter).where(Letter.case_id == case.id)) == 0
    letter = approve(kadis, db_session, case.id)
    assert letter.number.startswith(f"400.9/{before + 1:04d}/DINSOS/")
    # The issued letter carries the same data the preview showed.
    from workflows import storage
    issued = docx_text(storage.read(letter.docx_key))
    assert nik in issued and KK in issued and "PRATINJAU" not in issued
    # The approval closed the task: there is nothing left to preview.
    assert kadis.get(pdf_url).status_code in (403, 404)


def test_the_docx_preview_carries_the_mark_and_a_qr_that_verifies_nothing(waiting_for_approval, login_as, db_session):
    case, task, nik = waiting_for_approval
    response = login_as("kadis").get(f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    text = docx_text(response.data)
    assert text.index("PRATINJAU — belum sah / PREVIEW — not valid") < text.index("Surat Rekomendasi PBI-JKN")
    assert nik in text and "Nomor: 400.9/XXXX/DINSOS/" in text
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:  # no verification address anywhere in it
        assert not any(b"/verifikasi/" in package.read(name) for name in package.namelist())
    assert "alamat verifikasi diberikan saat surat terbit" in text
    assert _previews_logged(db_session, task.id) == 1


def test_only_who_may_work_on_the_task_sees_the_preview(waiting_for_approval, login_as, client, db_session):
    case, task, _nik = waiting_for_approval
    url = f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/docx"
    for username in ("operator", "kelurahan.gurabesi", "kelurahan.abepura", "auditor"):
        assert login_as(username).get(url).status_code in (403, 404), username
    assert client.get(url).status_code == 302  # not logged in: to the login page
    assert "/login" in client.get(url).headers["Location"]
    # A letter type that does not follow the task, and a task no letter follows.
    kadis = login_as("kadis")
    assert kadis.get(f"/inbox/{task.id}/pratinjau-surat/izin_lks/docx").status_code == 404
    assert kadis.get(f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/exe").status_code == 404
    nik, born = new_nik()
    other = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    verify = open_task(db_session, other, "verifikasi")
    operator = login_as("operator")
    assert 'id="pratinjau-' not in operator.get(f"/inbox/{verify.id}").get_data(as_text=True)
    assert operator.get(f"/inbox/{verify.id}/pratinjau-surat/pbi_jkn/docx").status_code == 404
    assert _previews_logged(db_session, task.id, "operator") == 0


def test_without_libreoffice_the_page_says_so_and_offers_the_docx(waiting_for_approval, login_as, monkeypatch,
                                                                  db_session):
    case, task, _nik = waiting_for_approval
    monkeypatch.setattr(letters.pdf.shutil, "which", lambda name: None)
    kadis = login_as("kadis")
    page = kadis.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert "<iframe" not in page and "LibreOffice tidak terpasang" in page
    assert f'href="/inbox/{task.id}/pratinjau-surat/pbi_jkn/docx"' in page
    response = kadis.get(f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "LibreOffice is not installed" in body
    assert f'href="/inbox/{task.id}/pratinjau-surat/pbi_jkn/docx"' in body
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"  # shown inside the task page's frame
    assert _previews_logged(db_session, task.id) == 0  # nothing was served


def test_a_conversion_that_hangs_is_cut_off(waiting_for_approval, login_as, app, monkeypatch, db_session):
    case, task, _nik = waiting_for_approval
    monkeypatch.setitem(app.config, "LIGAT_LETTER_PREVIEW_TIMEOUT", 0.01)
    response = login_as("kadis").get(f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/pdf")
    assert response.status_code == 503
    assert "melebihi batas waktu" in response.get_data(as_text=True)


def test_the_api_serves_the_preview_to_the_approver_only(waiting_for_approval, client, db_session):
    case, task, nik = waiting_for_approval
    url = f"/api/v1/inbox/{task.id}/letter-preview"
    response = client.get(url, headers=token_for(client, "kadis"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert nik in text and "PRATINJAU — belum sah" in text and "400.9/XXXX/DINSOS/" in text
    assert _previews_logged(db_session, task.id) == 1
    docx_answer = client.get(f"{url}?format=docx&type=pbi_jkn", headers=token_for(client, "kadis"))
    assert docx_answer.status_code == 200 and nik in docx_text(docx_answer.data)
    assert client.get(url, headers=token_for(client, "operator")).status_code == 403
    assert client.get(url, headers=token_for(client, "kelurahan.abepura")).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(f"{url}?type=izin_lks", headers=token_for(client, "kadis")).status_code == 404
    assert _previews_logged(db_session, task.id, "operator") == 0
