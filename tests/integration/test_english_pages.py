"""An English run of the main pages, officer and portal: every text a person reads is English,
except proper nouns, the case's own data and the service-package texts still pending
(tests/english.py). Each offending text is reported with its page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.security import DEMO_USERS
from tests.english import untranslated
from tests.integration.portal_helpers import VILLAGE
from tests.integration.test_complaint_http import case_by_ticket, open_task, post_task, submit_complaint
from tests.integration.test_pbi_jkn_http import approve, case_row, new_nik, submit, verify_ok
from workflows.db import InboxTask

# What the test's citizens and officers typed: their own words stay as typed.
DESCRIPTION = "Seorang ibu dan dua anak tidur di emperan pasar sejak minggu lalu."
PLACE = "Emperan Pasar Hamadi, dekat pintu timur"
REJECTION = "Laporan ganda, sudah ditangani."
# Typed by the kelurahan officer in tests/integration/test_pbi_jkn_http.request_form.
REQUEST_REASON = "Sakit dan tidak mampu membayar iuran BPJS Kesehatan."
OFFICER_PAGES = ("/inbox/", "/kasus/", "/dasbor/", "/dasbor/peta-proses/pengaduan", "/akun/", "/perancang/")
# The demo people's names and titles are data, not interface text.
PEOPLE = tuple({f"{d.first_name} {d.last_name}" for d in DEMO_USERS} | {d.last_name for d in DEMO_USERS}
               | {d.jabatan for d in DEMO_USERS if d.jabatan} | {d.username for d in DEMO_USERS})


@pytest.fixture(scope="module")
def english_cases(app):
    """A complaint still open, a complaint closed (for its survey) and a PBI-JKN request with a letter."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from tests.conftest import login

    with app.app_context():
        session = Session(db.engine)
    citizen = app.test_client()
    ticket, code = submit_complaint(citizen, kategori="gelandangan", deskripsi=DESCRIPTION, lokasi=PLACE,
                                    kode_wilayah=VILLAGE)
    closed_ticket, closed_code = submit_complaint(citizen, deskripsi=DESCRIPTION, lokasi=PLACE)
    operator, kelurahan, kadis = (app.test_client() for _ in range(3))
    for client, username in ((operator, "operator"), (kelurahan, "kelurahan.gurabesi"), (kadis, "kadis")):
        login(client, username)
    closed = case_by_ticket(session, closed_ticket)
    task = open_task(session, closed, "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": REJECTION}).status_code == 302
    nik, born = new_nik()
    request_id = submit(kelurahan, nik=nik, born=born)
    verify_ok(operator, session, request_id)
    letter = approve(kadis, session, request_id)
    tracking = citizen.get(f"/lacak?tiket={closed_ticket}&kode={closed_code}").get_data(as_text=True)
    survey = re.search(r'id="survey-link" href="([^"]+)"', tracking).group(1)
    complaint = case_by_ticket(session, ticket)
    tasks = session.scalars(select(InboxTask.id).where(InboxTask.case_id.in_([complaint.id, request_id]),
                                                       InboxTask.completed_at.is_(None))).all()
    yield {"ticket": ticket, "code": code, "complaint": complaint.id, "request": request_id, "letter": letter,
           "survey": survey, "closed": (closed_ticket, closed_code), "tasks": [f"/inbox/{t}" for t in tasks],
           "references": (ticket, case_row(session, request_id).reference)}
    # Leave no open task in the operator's inbox: later tests look for theirs on its first page.
    task = open_task(session, case_by_ticket(session, ticket), "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": REJECTION}).status_code == 302
    session.close()


def _english(client) -> None:
    client.get("/bahasa/en")


def _offences(client, url: str, allowed: tuple[str, ...] = ()) -> list[str]:
    response = client.get(url)
    assert response.status_code < 500, url
    return [f"{url}: {text}" for text in untranslated(response.get_data(as_text=True), (*PEOPLE, *allowed))]


def case_titles(app) -> tuple[str, ...]:
    """Every case's title: made from what its applicant or reporter typed (the whole run's cases are listed)."""
    from sqlalchemy import select

    from app.extensions import db
    from workflows.db import Case

    with app.app_context():
        return tuple(t for t in db.session.scalars(select(Case.title)) if t)


def made_package_texts(app) -> tuple[str, ...]:
    """Task names and statuses of package versions other tests of the run deployed (test-only lines, changed
    copies of shipped ones): those carry no English on purpose; the shipped packages must have all of it."""
    from sqlalchemy import select

    from app.extensions import db
    from tests.conftest import ROOT
    from workflows.db import Case, InboxTask, ProcessDefinition
    from workflows.packages import ServicePackage, bundled_codes, from_directories

    shipped = {from_directories(ROOT, code).content_hash() for code in bundled_codes(ROOT)}
    with app.app_context():
        made = [definition for definition, content in db.session.execute(
            select(ProcessDefinition.id, ServicePackage.content_hash)
            .join(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)) if content not in shipped]
        titles = db.session.scalars(select(InboxTask.title).join(Case, Case.id == InboxTask.case_id)
                                    .where(Case.process_definition_id.in_(made)))
        statuses = db.session.scalars(select(Case.status).where(Case.process_definition_id.in_(made)))
        return tuple({text for text in (*titles, *statuses) if text})


def test_the_officer_pages_read_in_english_for_every_demo_role(app, english_cases):
    from tests.conftest import login

    # The PBI-JKN script's status note carries the letter's number (package text, still pending).
    note = f"Nomor {english_cases['letter'].number}; surat diserahkan melalui kelurahan."
    # The issued letter's type is stored with it as printed on the letter.
    allowed = (DESCRIPTION, PLACE, REJECTION, REQUEST_REASON, note, english_cases["letter"].type_label,
               *case_titles(app), *made_package_texts(app))
    # The audit trail searched for this test's cases (the whole run's events hold other tests' words).
    audit = tuple(f"/audit/?tiket={reference}" for reference in english_cases["references"])
    found: list[str] = []
    for demo in DEMO_USERS:
        client = app.test_client()
        login(client, demo.username)
        _english(client)
        cases = (f"/kasus/{english_cases['complaint']}", f"/kasus/{english_cases['request']}")
        for url in (*OFFICER_PAGES, *audit, *cases, *english_cases["tasks"]):
            found += [f"[{demo.username}] {text}" for text in _offences(client, url, allowed)]
    assert not found, "Indonesian text on English officer pages:\n" + "\n".join(found)


def test_the_portal_pages_read_in_english(client, english_cases):
    _english(client)
    ticket, code = english_cases["closed"]
    pages = ["/", "/layanan", "/layanan/pengaduan", "/layanan/pbi_jkn", "/lapor",
             f"/lacak?tiket={english_cases['ticket']}&kode={english_cases['code']}",
             f"/lacak?tiket={ticket}&kode={code}",
             english_cases["survey"], f"/laporan/{english_cases['ticket']}",
             f"/verifikasi/{english_cases['letter'].token}", "/verifikasi/tidak-ada", "/halaman-tidak-ada",
             "/laporan/ADU-0000-000000", "/offline"]
    data = (DESCRIPTION, PLACE, REJECTION, english_cases["letter"].type_label)  # the letter's type as printed on it
    found = [text for url in pages for text in _offences(client, url, data)]
    assert not found, "Indonesian text on English portal pages:\n" + "\n".join(found)


def test_the_detector_catches_indonesian_and_passes_english():
    page = ("<html><head><title>Kotak tugas</title><script>var x = 'yang dan untuk';</script></head><body>"
            "<h1>Inbox</h1><p>Case ADU-2026-000001 in Kota Jayapura, Dinas Sosial</p>"
            "<button title='Simpan perubahan'>Save</button><p>Belum ada tugas.</p></body></html>")
    found = untranslated(page)
    assert len(found) == 3, found
    assert any("Kotak tugas" in f for f in found) and any("Belum ada tugas." in f for f in found)
    assert any("Simpan perubahan" in f for f in found)
    assert not untranslated("<p>The report was sent to Dinas Sosial Kota Jayapura.</p>")
    assert not untranslated("<p>hash 5ada95d3ff · package layanan_disabilitas</p>")


def test_the_language_switch_is_remembered_for_portal_and_officer_pages(app):
    from tests.conftest import login

    client = app.test_client()
    assert '<html lang="id">' in client.get("/lapor").get_data(as_text=True)
    switched = client.get("/bahasa/en?next=/lapor")
    assert switched.status_code == 302 and switched.headers["Location"] == "/lapor"
    page = client.get("/lapor")
    assert '<html lang="en">' in page.get_data(as_text=True) and page.headers["Content-Language"] == "en"
    assert "Cookie" in page.headers["Vary"]
    # Only our own pages are a way back; an unknown language is no page at all.
    for outside in ("//contoh.example/x", "https://contoh.example/x", "/\\contoh.example"):
        assert client.get("/bahasa/en", query_string={"next": outside}).headers["Location"] == "/"
    assert client.get("/bahasa/xx").status_code == 404
    # The same choice holds on the officers' pages after signing in (one session key, FAB's own).
    login(client, "operator")
    assert "All tasks of my roles" in client.get("/inbox/").get_data(as_text=True)
    client.get("/lang/id")  # and FAB's switch on the officers' pages is the portal's choice too
    assert '<html lang="id">' in client.get("/").get_data(as_text=True)
