"""The complaint line end to end through HTTP, as citizens and officers use it."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.service_helpers import whole_inbox
from workflows import cases
from workflows.db import Case, InboxTask, OutboxMessage
from workflows.timers import wake_due_timers

VILLAGE = "91.71.01.1001"  # Gurabesi, Jayapura Utara


def submit_complaint(client, **overrides) -> tuple[str, str]:
    token = csrf_token(client, "/lapor")
    form = {
        "csrf_token": token,
        "kategori": "lanjut_usia_terlantar",
        "deskripsi": "Seorang nenek tinggal sendiri tanpa makanan sejak tiga hari.",
        "lokasi": "Jl. Percetakan No. 5, dekat gereja",
        "kode_wilayah": VILLAGE,
        "nama": "Yakob",
        "telepon": "0812 3456 7890",
    }
    form.update(overrides)
    response = client.post("/lapor", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    ticket = re.search(r"tiket=([A-Z0-9-]+)", location).group(1)
    code = re.search(r"kode=([A-Z0-9]+)", location).group(1)
    return ticket, code


def case_by_ticket(db_session, ticket: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.reference == ticket))


def open_task(db_session, case: Case, task_name: str) -> InboxTask:
    db_session.expire_all()
    return db_session.scalar(
        select(InboxTask).where(
            InboxTask.case_id == case.id, InboxTask.task_name == task_name, InboxTask.state == "open"
        )
    )


def post_task(client, task_id: int, data: dict):
    token = csrf_token(client, "/lapor")
    return client.post(f"/inbox/{task_id}", data={"csrf_token": token, **data})


def public_status(client, ticket: str, code: str) -> str:
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    return re.search(r'id="status">([^<]+)<', html).group(1)


def test_complaint_submit_verify_dispatch_follow_up_done(client, login_as, db_session):
    ticket, code = submit_complaint(client)
    assert ticket.startswith("ADU-")
    assert public_status(client, ticket, code) == "Verifikasi"
    case = case_by_ticket(db_session, ticket)

    operator = login_as("operator")
    inbox = whole_inbox(operator)
    assert ticket in inbox and "Tepat waktu" in inbox
    task = open_task(db_session, case, "verifikasi")
    token = csrf_token(operator, "/lapor")
    assert operator.post(f"/inbox/{task.id}/ambil", data={"csrf_token": token}).status_code == 302
    response = post_task(operator, task.id, {"keputusan": "valid", "catatan": "Sesuai, segera tindak."})
    assert response.status_code == 302

    # Dispatched by the decision table: elderly → Rehabilitasi Sosial.
    case = case_by_ticket(db_session, ticket)
    assert case.bidang == "rehsos"
    assert public_status(client, ticket, code) == "Tindak Lanjut Lapangan"
    field_task = open_task(db_session, case, "tindak_lanjut_lapangan")
    assert field_task.role == "Petugas Lapangan" and field_task.bidang == "rehsos"

    # Only the right bidang sees it.
    assert ticket not in whole_inbox(login_as("lapangan.linjamsos"))
    field = login_as("lapangan.rehsos")
    assert ticket in whole_inbox(field)
    response = post_task(
        field, field_task.id,
        {"temuan": "Nenek sakit dan sendirian.", "tindakan": "Dibawa ke panti werdha.",
         "catatan_publik": "Warga telah dibantu dan dirujuk ke panti."},
    )
    assert response.status_code == 302

    case = case_by_ticket(db_session, ticket)
    assert case.status == "Selesai" and case.completed
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert "Warga telah dibantu" in html
    assert "Yakob" not in html and "0812" not in html  # no personal data on the public page

    # The reporter was told of each change; the outbox holds the messages.
    messages = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert any("Selesai" in m.message for m in messages)
    assert all(m.recipient == "+6281234567890" for m in messages)

    # The case page shows the history as a timeline.
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    for action in ("case_started", "task_claimed", "task_completed", "status_changed", "case_completed"):
        assert f'data-action="{action}"' in page


def test_invalid_complaint_is_rejected_with_reason(client, login_as, db_session):
    ticket, code = submit_complaint(client, anonim="true")
    case = case_by_ticket(db_session, ticket)
    assert case.anonymous and case.reporter_phone is None and case.reporter_name is None
    operator = login_as("operator")
    task = open_task(db_session, case, "verifikasi")

    # The reason is required when rejecting: field-level message, nothing changes.
    response = post_task(operator, task.id, {"keputusan": "tidak_valid"})
    assert response.status_code == 422
    assert "Wajib diisi" in response.get_data(as_text=True)
    assert open_task(db_session, case, "verifikasi") is not None

    response = post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": "Laporan ganda dari tiket lain."})
    assert response.status_code == 302
    assert public_status(client, ticket, code) == "Ditolak"
    assert "Laporan ganda" in client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    # Anonymous reporters get no messages.
    assert db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all() == []


def test_needs_more_information_returns_to_verification(client, login_as, db_session):
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    operator = login_as("operator")
    task = open_task(db_session, case, "verifikasi")
    post_task(operator, task.id, {"keputusan": "perlu_informasi", "pertanyaan": "Di RT berapa lokasinya?"})
    info = open_task(db_session, case, "lengkapi_informasi")
    assert info is not None
    post_task(operator, info.id, {"informasi_tambahan": "RT 03 / RW 02, rumah cat biru."})
    again = open_task(db_session, case, "verifikasi")
    assert again is not None and again.id != task.id


def test_bad_public_input_gets_field_messages(client, db_session):
    token = csrf_token(client, "/lapor")
    before = db_session.query(Case).count()
    response = client.post(
        "/lapor",
        data={"csrf_token": token, "kategori": "bukan_kategori", "deskripsi": "pendek", "lokasi": "",
              "kode_wilayah": "32.01.01.1001", "telepon": "12"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Pilih salah satu pilihan" in html
    assert "Minimal 10 karakter" in html
    assert "Wajib diisi" in html
    assert "Nomor HP tidak valid" in html
    assert db_session.query(Case).count() == before


def test_public_form_requires_csrf_token(client):
    response = client.post("/lapor", data={"kategori": "pengemis"})
    assert response.status_code == 400


def test_tracking_needs_the_tracking_code(client):
    ticket, code = submit_complaint(client)
    assert client.get(f"/lacak?tiket={ticket}&kode=WRONG123").status_code == 404
    assert client.get(f"/lacak?tiket={ticket}&kode={code}").status_code == 200


def test_timer_escalates_overdue_field_task(app, client, login_as, db_session):
    # Start through the engine with a two-second SLA; the rest goes through HTTP.
    case = cases.start_case(
        db_session, "pengaduan",
        {"kategori": "korban_bencana_alam", "deskripsi": "Banjir", "lokasi": "Entrop",
         "kode_wilayah": VILLAGE, "sla_lapangan": "PT2S"},
        "warga", region_code=VILLAGE, category="korban_bencana_alam",
    )
    task = open_task(db_session, case, "verifikasi")
    post_task(login_as("operator"), task.id, {"keputusan": "valid"})
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert case.bidang == "linjamsos" and case.next_timer_at is not None
    assert wake_due_timers(db_session) == 0 or open_task(db_session, case, "tinjau_eskalasi") is None
    time.sleep(2.2)
    assert wake_due_timers(db_session) >= 1
    escalation = open_task(db_session, case, "tinjau_eskalasi")
    assert escalation is not None and escalation.role == "Kepala Bidang" and escalation.bidang == "linjamsos"
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert case.escalated
    # Woken once: a second run finds nothing more to fire.
    assert wake_due_timers(db_session) == 0
    kabid = login_as("kabid.linjamsos")
    assert case.reference in whole_inbox(kabid)
    assert "Eskalasi" in kabid.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert case.reference not in whole_inbox(login_as("kabid.rehsos"))


def test_kelurahan_officers_have_no_lane_in_complaints(login_as, db_session, client):
    """Who sees a case is decided by the lanes of its package: the complaint line gives kelurahan
    officers none, so they see no complaint, in another region or in their own."""
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    other = login_as("kelurahan.abepura")  # region 91.71.03, the case is in 91.71.01
    assert other.get(f"/kasus/{case.id}").status_code == 404
    assert other.get(f"/inbox/{task.id}").status_code == 403
    token = csrf_token(other, "/lapor")
    assert other.post(f"/inbox/{task.id}", data={"csrf_token": token, "keputusan": "valid"}).status_code == 403
    assert open_task(db_session, case, "verifikasi") is not None
    own = login_as("kelurahan.gurabesi")  # region 91.71.01.1001, the case's own village
    assert own.get(f"/kasus/{case.id}").status_code == 404
    assert ticket not in own.get("/kasus/").get_data(as_text=True)
    assert login_as("operator").get(f"/kasus/{case.id}").status_code == 200


def test_auditor_reads_everything_changes_nothing(login_as, db_session, client):
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    auditor = login_as("auditor")
    assert auditor.get(f"/kasus/{case.id}").status_code == 200
    token = csrf_token(auditor, "/audit/")
    checked = auditor.post("/audit/periksa", data={"csrf_token": token}, follow_redirects=True)
    assert "Semua rantai audit utuh" in checked.get_data(as_text=True)
    response = auditor.get(f"/inbox/{task.id}")
    assert response.status_code in (302, 403)
    assert auditor.post(f"/inbox/{task.id}", data={"keputusan": "valid"}).status_code in (302, 400, 403)
    assert open_task(db_session, case, "verifikasi") is not None


def test_completing_a_task_twice_or_someone_elses_claim_is_refused(login_as, db_session, client):
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    first = login_as("operator")
    token = csrf_token(first, "/lapor")
    first.post(f"/inbox/{task.id}/ambil", data={"csrf_token": token})
    # Another operator cannot complete a task claimed by someone else.
    from app.security import DEMO_PASSWORD, DemoUser, ensure_user
    from workflows.principal import OPERATOR

    with first.application.app_context():
        ensure_user(DemoUser("operator2", OPERATOR, "Dua", "Operator"), DEMO_PASSWORD)
    second = login_as("operator2")
    response = post_task(second, task.id, {"keputusan": "valid"})
    assert response.status_code == 302
    assert "sedang dikerjakan oleh operator" in second.get("/inbox/").get_data(as_text=True)
    post_task(first, task.id, {"keputusan": "valid"})
    response = post_task(first, task.id, {"keputusan": "valid"})
    assert "sudah diselesaikan" in first.get("/inbox/").get_data(as_text=True)


def test_officer_ui_is_available_in_english(login_as):
    operator = login_as("operator")
    assert "Kotak Tugas" in operator.get("/inbox/").get_data(as_text=True)
    operator.get("/lang/en")
    html = operator.get("/inbox/").get_data(as_text=True)
    assert "All tasks of my roles" in html and "Claimed by me" in html
    operator.get("/lang/id")
    assert "Semua tugas peran saya" in operator.get("/inbox/").get_data(as_text=True)


def _walk_inbox(browser, url: str) -> list[int]:
    """Every task id the inbox lists, page after page, following its own "next" link (which must keep the
    filters); each page but the last is full."""
    from app.views.inbox import PAGE_SIZE

    ids: list[int] = []
    while url:
        html = browser.get(url).get_data(as_text=True)
        page = [int(i) for i in re.findall(r'data-task-id="(\d+)"', html)]
        pages = re.search(r'<p id="inbox-pages">(.*?)</p>', html, re.S)
        following = re.search(r'<a href="([^"]+)" id="inbox-next">', pages.group(1)) if pages else None
        url = following.group(1).replace("&amp;", "&") if following else None
        assert len(page) == PAGE_SIZE or url is None, "only the last page may be short"
        ids += page
    return ids


def test_inbox_pages_by_fifty_and_reaches_every_task(client, login_as, db_session):
    from app.views.inbox import PAGE_SIZE
    from workflows.inbox import InboxFilter, inbox, inbox_query, inbox_rows
    from workflows.principal import FIELD_OFFICER, OPERATOR, Principal

    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    category = "lanjut_usia_terlantar"  # submit_complaint's

    # Page after page reaches every task the person may work on, each once, in the inbox's order.
    def visible(person: Principal, narrow: InboxFilter | None = None) -> list[int]:
        query = inbox_query(person).with_only_columns(InboxTask.id)
        return list(db_session.scalars(query.where(*narrow.conditions()) if narrow else query))

    mine = []
    # More than a page of the category itself (earlier tests may have left tasks of other categories only).
    while len(visible(operator, InboxFilter(category=category))) <= PAGE_SIZE:
        ticket, _ = submit_complaint(client, anonim="true")  # anonymous: no outbox messages
        mine.append(ticket)
    # One more, in another category: the filtered walk below must leave it out.
    other, _ = submit_complaint(client, anonim="true", kategori="pengemis")
    mine.append(other)
    other_task = open_task(db_session, case_by_ticket(db_session, other), "verifikasi").id
    browser = login_as("operator")
    first = browser.get("/inbox/").get_data(as_text=True)
    assert first.count("data-task-id=") == PAGE_SIZE and "setelah=" in first and "hal=" not in first
    assert 'id="inbox-previous"' not in first and 'id="inbox-first"' not in first
    # A page number (the links of earlier versions) still opens its page, whose links are keys.
    second = browser.get("/inbox/?hal=2").get_data(as_text=True)
    assert second.count("data-task-id=") >= 1 and "sebelum=" in second and 'id="inbox-first"' in second

    assert _walk_inbox(browser, "/inbox/") == visible(operator)
    # With a filter: its pages, and only its tasks.
    walked = _walk_inbox(browser, f"/inbox/?kategori={category}")
    assert walked == visible(operator, InboxFilter(category=category)) and other_task not in walked
    assert len(walked) > PAGE_SIZE
    # The page's plain rows are the rows of the inbox (visibility unchanged), for office- and bidang-wide roles.
    field = Principal("lapangan.rehsos", frozenset({FIELD_OFFICER}), bidang="rehsos",
                      scopes=((FIELD_OFFICER, "bidang"),))
    for person in (operator, field):
        for offset in (0, PAGE_SIZE):
            rows = inbox_rows(db_session, person, limit=PAGE_SIZE, offset=offset)
            assert [r.id for r in rows] == [r.id for r in inbox(db_session, person, limit=PAGE_SIZE, offset=offset)]
            assert [r.id for r in rows] == visible(person)[offset:offset + PAGE_SIZE]
    # Leave the shared inbox as it was for the tests that follow.
    for ticket in mine:
        task = open_task(db_session, case_by_ticket(db_session, ticket), "verifikasi")
        cases.complete_task(db_session, task.id, operator, {"keputusan": "tidak_valid", "alasan": "Uji halaman"})
