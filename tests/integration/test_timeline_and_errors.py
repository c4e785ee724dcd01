"""The case page's history as a timeline (labels, office time, form labels, links, highlighted
status changes) and the error pages in LIGAT's layout and language, with a way back."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.integration.test_pbi_jkn_http import approve, new_nik, submit, verify_ok
from workflows.db import AuditEvent
from workflows.documents import CaseDocument


def _items(html: str) -> list[str]:
    return re.findall(r'<li class="ligat-timeline-item[^"]*" data-action="[^"]+">.*?</li>', html, flags=re.S)


def test_case_history_is_a_readable_timeline(login_as, db_session):
    nik, born = new_nik()
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    operator = login_as("operator")
    verify_ok(operator, db_session, case_id)
    letter = approve(login_as("kadis"), db_session, case_id)
    html = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    items = _items(html)
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.seq)).all()
    assert len(items) == len(events)
    # Every event has a label, none shows the raw action name or a JSON dump.
    for item, event in zip(items, events, strict=True):
        label = re.search(r'class="ligat-timeline-label">([^<]+)<', item).group(1)
        assert label and "_" not in label, event.action
    assert "<pre" not in html and '"proses":' not in html
    started = items[0]
    assert "Kasus dimulai" in started
    # Form fields with their labels from the form schema, documents as links.
    assert "Nama lengkap" in started or "Nama" in started
    ktp = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == case_id, CaseDocument.kind == "ktp"))
    assert f'href="/berkas/dokumen/{ktp.id}"' in started
    # Times in office time (WIT = UTC+9), not UTC.
    first = events[0].occurred_at + timedelta(hours=9)
    assert f"{first:%H:%M} WIT" in started
    # Status changes are highlighted; the issued letter links to its PDF.
    status_items = [i for i in items if 'data-action="status_changed"' in i]
    assert status_items and all("ligat-timeline-status" in i for i in status_items)
    assert "Status berubah" in status_items[0] and 'class="label label-primary"' in status_items[0]
    issued = next(i for i in items if 'data-action="letter_issued"' in i)
    assert "Surat diterbitkan" in issued and f'href="/berkas/surat/{letter.id}/pdf"' in issued
    assert letter.number in issued
    task_done = next(i for i in items if 'data-action="task_completed"' in i)
    assert "Tugas diselesaikan" in task_done and "Verifikasi" in task_done
    # The operator may not take the inspector's PDF; the auditor sees the link to it.
    assert 'id="case-history-pdf"' not in html
    assert 'id="case-history-pdf"' in login_as("auditor").get(f"/kasus/{case_id}").get_data(as_text=True)


def test_timeline_in_english(login_as, db_session):
    nik, born = new_nik()
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    operator = login_as("operator")
    operator.get("/lang/en")
    html = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Case started" in html and "Task created" in html
    operator.get("/lang/id")


def test_error_pages_in_ligat_layout_with_a_way_back(login_as, client):
    operator = login_as("operator")
    response = operator.get("/kasus/999999999", headers={"Referer": "http://localhost/kasus/"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'id="error-page" data-code="404"' in html and "Halaman tidak ditemukan" in html
    assert 'id="error-back" href="http://localhost/kasus/"' in html and 'id="error-home"' in html
    assert "navbar" in html  # the officers' layout with its menu
    assert "Not Found" not in html and "The requested URL" not in html

    # An outside referrer is not offered as the way back.
    html = operator.get("/halaman-tidak-ada", headers={"Referer": "https://contoh.example/x"}).get_data(as_text=True)
    assert 'id="error-back"' not in html and 'id="error-home"' in html

    # 403 with the reason the code gave.
    response = operator.post("/surat/999999999/cabut", data={})
    assert response.status_code in (400, 404)
    kabid = login_as("kabid.rehsos")
    assert kabid.get("/kasus/999999999").status_code == 404

    # Public visitors get the portal's layout; the API gets JSON.
    page = client.get("/laporan/ADU-0000-000000")
    assert page.status_code == 404 and "Kembali ke beranda" in page.get_data(as_text=True)
    api = operator.get("/api/v1/cases/999999999")
    assert api.status_code == 404 and api.is_json

    # English.
    operator.get("/lang/en")
    html = operator.get("/halaman-tidak-ada").get_data(as_text=True)
    assert "Page not found" in html and "To the main page" in html
    operator.get("/lang/id")


def test_forbidden_page_says_why(login_as):
    # An operator may open the start page's permission but not start this line (kelurahan officers do).
    response = login_as("operator").get("/kantor/layanan/pbi_jkn/baru")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'data-code="403"' in html and "Akses ditolak" in html
    assert "Peran Anda tidak dapat memulai layanan ini." in html and 'id="error-home"' in html


def test_server_error_page(app, login_as, monkeypatch):
    def boom():  # noqa: ANN202
        raise RuntimeError("galat uji 9171010101900001")

    operator = login_as("operator")
    monkeypatch.setitem(app.view_functions, "CaseView.index", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = operator.get("/kasus/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and 'data-code="500"' in html
    assert "Terjadi kesalahan di server" in html and "galat uji" not in html and "Traceback" not in html


def test_case_list_table_scrolls_inside_its_box_on_a_phone(login_as):
    # Seven columns are wider than a 390 px screen: the table scrolls, not the whole page.
    html = login_as("operator").get("/kasus/").get_data(as_text=True)
    assert '<div class="table-responsive">\n  <table class="table table-striped" id="case-table">' in html
