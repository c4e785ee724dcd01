"""What officers read on task and case pages (issue #15): the fields the package's forms define,
with their labels, never the raw process variables or an earlier round's answers."""

from __future__ import annotations

import io
import re
import time

from tests.files import PDF
from tests.integration.test_pbi_jkn_http import open_task, post_task, submit


def _data_panel(page: str) -> str:
    return re.search(r'<dl class="case-data">(.*?)</dl>', page, re.S).group(1)


def test_returned_pbi_jkn_fix_page_shows_labelled_fields_only(login_as, db_session):
    kelurahan = login_as("kelurahan.gurabesi")
    operator = login_as("operator")
    case_id = submit(kelurahan)

    # Round 1: returned for the KTP, fixed; round 2: returned for the SKTM.
    for round_no, (flag, reason) in enumerate([("ktp_bermasalah", "Foto KTP buram, tidak terbaca."),
                                               ("sktm_bermasalah", "SKTM sudah kedaluwarsa.")], start=1):
        task = open_task(db_session, case_id, "verifikasi")
        assert post_task(operator, task.id, {"keputusan": "tidak_lengkap", flag: "true",
                                             "alasan_pengembalian": reason}).status_code == 302
        fix = open_task(db_session, case_id, "perbaiki_berkas")
        if round_no == 1:
            response = post_task(kelurahan, fix.id, {"nama": "Yohana Wenda", "catatan_perbaikan": "Putaran satu beres"},
                                 {"ktp": (io.BytesIO(PDF), "ktp-baru.pdf")})
            assert response.status_code == 302

    page = kelurahan.get(f"/inbox/{fix.id}").get_data(as_text=True)
    panel = _data_panel(page)
    # Labels from the form schemas, option labels, Ya/Tidak.
    assert "<dt>Hasil verifikasi</dt><dd>Belum lengkap: kembalikan ke kelurahan</dd>" in panel
    assert "<dt>SKTM kurang / salah</dt><dd>Ya</dd>" in panel
    assert "<dt>Alasan pengembalian (dibaca petugas kelurahan)</dt><dd>SKTM sudah kedaluwarsa.</dd>" in panel
    # No internal variables, raw keys, document ids or the earlier round's answers.
    assert "sla" not in panel.lower() and "tidak_lengkap" not in panel
    assert "Putaran satu beres" not in panel and "KTP baru (bila diminta)" not in panel
    assert "Foto KTP buram" not in panel
    for dd in re.findall(r"<dd>(.*?)</dd>", panel, re.S):
        # A document id is never shown as a value (a 16-digit NIK or KK is a field of the form).
        assert not (dd.strip().isdigit() and len(dd.strip()) < 16), dd
    # The internal note field is office-only, and documents are links in their own list.
    assert "Catatan internal" not in panel
    assert 'id="case-documents"' in page and "/berkas/" in page

    # The case page shows the applicant's birth date in the office's format, not ISO.
    case_page = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    case_panel = _data_panel(case_page)
    assert re.search(r"<dt>Tanggal lahir</dt><dd>\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|"
                     r"September|Oktober|November|Desember) \d{4}</dd>", case_panel), case_panel


def test_english_case_heading_and_one_status_for_a_finished_case(login_as, db_session):
    from tests.integration.test_pbi_jkn_http import approve, verify_ok

    kelurahan = login_as("kelurahan.gurabesi")
    operator = login_as("operator")
    case_id = submit(kelurahan)
    verify_ok(operator, db_session, case_id)
    approve(login_as("kadis"), db_session, case_id)
    hand_over = open_task(db_session, case_id, "serahkan_surat")
    assert post_task(kelurahan, hand_over.id, {"diserahkan": "true", "penerima": "Yohana Wenda"}).status_code == 302

    page = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    reference = re.search(r"<h2>Kasus ([A-Z0-9-]+)</h2>", page).group(1)
    status = re.search(r'<p>Status:(.*?)</p>', page, re.S).group(1)
    assert 'id="case-status">Selesai</span>' in status and "Selesai diproses" not in status

    operator.get("/lang/en")
    try:
        page = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
        assert f"<h2>Case {reference}</h2>" in page and "Cases " not in page.split("<h2>", 1)[1][:40]
        status = re.search(r'<p>Status:(.*?)</p>', page, re.S).group(1)
        assert "Closed" not in status and status.count('id="case-status"') == 1
    finally:
        operator.get("/lang/id")


def test_an_ordinary_login_logs_no_invalid_redirect(app, caplog):
    from tests.conftest import csrf_token

    client = app.test_client()
    form = {"csrf_token": csrf_token(client, "/login/"), "username": "operator", "password": "Ligat-Demo-2026!"}
    with caplog.at_level("WARNING"):
        response = client.post("/login/", data=form)
    with app.test_request_context():
        index = app.appbuilder.get_url_for_index
    assert response.status_code == 302 and response.headers["Location"].endswith(index)
    assert "Invalid redirect" not in caplog.text
    # A wrong password goes back to the login page, still without the warning; ?next= is still honoured
    # and an outside target is still refused.
    client = app.test_client()
    with caplog.at_level("WARNING"):
        wrong = client.post("/login/", data={**form, "csrf_token": csrf_token(client, "/login/"), "password": "salah"})
    assert wrong.status_code == 302 and "/login/" in wrong.headers["Location"]
    assert "Invalid redirect" not in caplog.text
    client = app.test_client()
    to_inbox = client.post("/login/?next=/inbox/", data={**form, "csrf_token": csrf_token(client, "/login/")})
    assert to_inbox.headers["Location"].endswith("/inbox/")
    client = app.test_client()
    outside = client.post("/login/?next=https://evil.example/x",
                          data={**form, "csrf_token": csrf_token(client, "/login/")})
    assert "evil.example" not in outside.headers["Location"]


def test_a_field_visit_date_in_the_future_is_refused(client, login_as, db_session):
    from datetime import UTC, datetime, timedelta

    from tests.integration import test_complaint_http as complaint
    from workflows import durations

    ticket, _code = complaint.submit_complaint(client)
    case = complaint.case_by_ticket(db_session, ticket)
    operator = login_as("operator")
    task = complaint.open_task(db_session, case, "verifikasi")
    assert complaint.post_task(operator, task.id, {"keputusan": "valid", "catatan": "Sesuai."}).status_code == 302
    field = login_as("lapangan.rehsos")
    task = complaint.open_task(db_session, complaint.case_by_ticket(db_session, ticket), "tindak_lanjut_lapangan")
    answers = {"temuan": "Nenek sakit dan sendirian.", "tindakan": "Dibawa ke panti werdha.",
               "catatan_publik": "Warga telah dibantu."}
    today = datetime.now(UTC).astimezone(durations.SETTINGS.office_tz).date()
    page = field.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert f'max="{today.isoformat()}"' in page  # the date picker offers no later day either
    for future in ("2030-01-01", (today + timedelta(days=1)).isoformat()):
        refused = complaint.post_task(field, task.id, {**answers, "tanggal_kunjungan": future})
        assert refused.status_code == 422
        assert "Tanggal tidak boleh setelah hari ini" in refused.get_data(as_text=True)
        assert complaint.open_task(db_session, case, "tindak_lanjut_lapangan") is not None
    accepted = complaint.post_task(field, task.id, {**answers, "tanggal_kunjungan": today.isoformat()})
    assert accepted.status_code == 302
    assert complaint.case_by_ticket(db_session, ticket).completed


def test_shipped_visit_and_assessment_dates_carry_the_marker():
    import json
    from pathlib import Path

    import forms

    marked = {p.name for p in Path(forms.FORMS_DIR).glob("*/*.schema.json")
              if any(isinstance(v, dict) and v.get("x-not-future")
                     for v in json.loads(p.read_text())["properties"].values())}
    assert {"pengaduan_tindak_lanjut.schema.json", "dis_asesmen.schema.json", "lks_kunjungan.schema.json",
            "cota_kunjungan_rumah.schema.json", "atensi_asesmen.schema.json"} <= marked
    schema = json.loads((forms.FORMS_DIR / "pengaduan/pengaduan_tindak_lanjut.schema.json").read_text())
    _, errors = forms.validate(schema, {"temuan": "x" * 10, "tindakan": "y" * 10, "tanggal_kunjungan": "2030-01-01"})
    assert errors["tanggal_kunjungan"] == forms.NOT_FUTURE


def test_complaint_task_pages_show_the_report_map_media_and_contact(client, login_as, db_session):
    from sqlalchemy import select

    from tests.conftest import csrf_token
    from tests.integration.portal_helpers import jpeg_with_gps, report_form, spot
    from workflows.db import Case, InboxTask

    def report(**fields) -> Case:
        lat, lon = spot()
        data = report_form(csrf_token(client, "/lapor"), lintang=str(lat), bujur=str(lon), **fields)
        data["foto"] = (io.BytesIO(jpeg_with_gps()), "a.jpg")
        response = client.post("/lapor", data=data, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:1500]
        ticket = re.search(r"tiket=([A-Z0-9-]+)", response.headers["Location"]).group(1)
        db_session.expire_all()
        return db_session.scalar(select(Case).where(Case.reference == ticket)), (lat, lon)

    def task_of(case: Case, name: str) -> InboxTask:
        db_session.expire_all()
        return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == name,
                                                         InboxTask.state == "open"))

    operator = login_as("operator")
    case, (lat, lon) = report(nama="Yakob Ohee", telepon="081234567890")
    verification = task_of(case, "verifikasi")
    page = operator.get(f"/inbox/{verification.id}").get_data(as_text=True)
    block = page.split('id="task-report"', 1)[1]
    assert f'data-lat="{lat}"' in block and f'data-lon="{lon}"' in block
    assert re.search(r'<img class="ligat-task-photo" src="/lampiran-laporan/\d+"', block)
    assert "Yakob Ohee" in block and 'href="tel:' in block and 'id="task-reporter-phone"' in block
    assert "vendor/leaflet/leaflet.js" in page and "ligat/task_map.js" in page
    assert "<script>" not in page.split('id="task-report"', 1)[1].split("</div>", 1)[0]  # no inline script (CSP)

    # The field officer's follow-up page shows it too.
    response = post_task(operator, verification.id, {"keputusan": "valid", "catatan": "Sesuai."})
    assert response.status_code == 302
    follow_up = task_of(case, "tindak_lanjut_lapangan")
    field_page = login_as(f"lapangan.{case_bidang(db_session, case)}").get(f"/inbox/{follow_up.id}")
    assert field_page.status_code == 200 and 'id="task-map"' in field_page.get_data(as_text=True)

    # An anonymous reporter's contact is never shown.
    anonymous, _ = report(anonim="true", nama="Rahasia Sekali", telepon="081299998888")
    page = operator.get(f"/inbox/{task_of(anonymous, 'verifikasi').id}").get_data(as_text=True)
    block = page.split('id="task-report"', 1)[1]
    assert "Anonim" in block and "Rahasia Sekali" not in page and "081299998888" not in page and "tel:" not in block


def case_bidang(db_session, case) -> str:
    db_session.expire_all()
    return db_session.get(type(case), case.id).bidang


def test_inbox_filters_and_badges(client, login_as, db_session):
    from datetime import timedelta

    from sqlalchemy import select

    from tests.integration import test_complaint_http as complaint
    from workflows.db import InboxTask, utcnow

    # Three complaints in the operator's verification inbox: an ordinary one, a sensitive category
    # (children), and one whose task is made overdue.
    plain, _ = complaint.submit_complaint(client, kategori="pengemis")
    child, _ = complaint.submit_complaint(client, kategori="anak_balita_terlantar")
    late, _ = complaint.submit_complaint(client, kategori="pengemis")
    tasks = {}
    for ticket in (plain, child, late):
        case = complaint.case_by_ticket(db_session, ticket)
        tasks[ticket] = complaint.open_task(db_session, case, "verifikasi")
    tasks[late].due_at = utcnow() - timedelta(hours=2)
    tasks[plain].due_at = utcnow() + timedelta(days=30)
    db_session.commit()
    operator = login_as("operator")

    def listed(**args) -> str:
        response = operator.get("/inbox/", query_string=args)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    page = listed(kategori="anak_balita_terlantar")
    assert child in page and plain not in page and late not in page
    row = re.search(rf'<tr data-task-id="{tasks[child].id}">.*?</tr>', page, re.S).group(0)
    assert "badge-confidential" in row
    page = listed(tenggat="terlambat")
    assert late in page and plain not in page and child not in page
    page = listed(tenggat="minggu_ini")
    assert late not in page and plain not in page
    page = listed(wilayah=complaint.VILLAGE, kategori="pengemis")
    assert plain in page and late in page and child not in page
    # By service line: the complaints are in "pengaduan", not in "pbi_jkn".
    by_line = listed(layanan="pengaduan", kategori="anak_balita_terlantar")
    assert child in by_line and 'value="pengaduan" selected' in by_line
    assert child not in listed(layanan="pbi_jkn", kategori="anak_balita_terlantar")
    assert listed(wilayah="99.99", tenggat="kemarin", layanan="tidak_ada").count("data-task-id") >= 3  # ignored
    # Paging keeps the filter.
    assert 'name="tenggat"' in page and 'value="pengemis" selected' in page
    db_session.expire_all()
    assert db_session.scalar(select(InboxTask).where(InboxTask.id == tasks[late].id)).state == "open"


def test_saved_inbox_filters_belong_to_their_owner(login_as, db_session):
    from sqlalchemy import select

    from app.models import SavedInboxFilter
    from tests.conftest import csrf_token

    operator = login_as("operator")
    name = f"Terlambat {time.time_ns()}"
    token = csrf_token(operator, "/inbox/")
    response = operator.post("/inbox/saringan", data={"csrf_token": token, "nama": name, "tenggat": "terlambat",
                                                      "kategori": "pengemis", "layanan": "pengaduan"})
    assert response.status_code == 302 and "tenggat=terlambat" in response.headers["Location"]
    page = operator.get("/inbox/").get_data(as_text=True)
    link = re.search(rf'<a href="(/inbox/\?[^"]+)">{re.escape(name)}</a>', page)
    assert link and "tenggat=terlambat" in link.group(1) and "kategori=pengemis" in link.group(1)
    assert "layanan=pengaduan" in link.group(1)
    # Without a name, or without any filter, nothing is saved.
    refused = operator.post("/inbox/saringan", data={"csrf_token": token, "nama": "", "tenggat": "terlambat"})
    assert refused.status_code == 302
    assert "Beri nama dan pilih" in operator.get("/inbox/").get_data(as_text=True)
    # Without the CSRF token the save is refused.
    assert operator.post("/inbox/saringan", data={"nama": "x", "tenggat": "terlambat"}).status_code == 400

    db_session.expire_all()
    saved = db_session.scalar(select(SavedInboxFilter).where(SavedInboxFilter.name == name))
    assert saved.username == "operator" and saved.due == "terlambat" and saved.category == "pengemis"
    assert saved.line == "pengaduan"
    saved_id = saved.id
    # Another person neither sees nor deletes it.
    other = login_as("kabid.rehsos")
    assert name not in other.get("/inbox/").get_data(as_text=True)
    other_token = csrf_token(other, "/inbox/")
    assert other.post(f"/inbox/saringan/{saved_id}/hapus", data={"csrf_token": other_token}).status_code == 404
    assert operator.post(f"/inbox/saringan/{saved_id}/hapus", data={"csrf_token": token}).status_code == 302
    db_session.expunge_all()
    assert db_session.get(SavedInboxFilter, saved_id) is None
