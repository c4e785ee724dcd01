"""The auditor's search: each filter against events this test makes, paging, times in office time,
the page's roles and its bad-input messages; and the chain record that notices removed events."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import POSTGRES, csrf_token
from workflows import cases
from workflows.audit import verify_all
from workflows.audit_checks import AuditCheck, last_check, run_check
from workflows.audit_search import AuditQuery, search
from workflows.db import AuditChain, AuditEvent, Case, InboxTask
from workflows.durations import WIT, office_days_utc
from workflows.principal import OPERATOR, Principal

VILLAGE = "91.71.01.1001"


def _start(session, actor: str) -> Case:
    values = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
              "kode_wilayah": VILLAGE}
    return cases.start_case(session, "pengaduan", values, actor, region_code=VILLAGE, category="pengemis")


def _verify_task(session, case: Case, officer: str) -> None:
    session.expire_all()
    row = session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == "verifikasi",
                                                 InboxTask.state == "open"))
    principal = Principal(officer, frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    cases.complete_task(session, row.id, principal, {"keputusan": "tidak_valid", "alasan": "Bukan PMKS"})


@pytest.fixture
def known(db_session):
    """Two cases of this test's own: one started by `warga-…` and verified by `op-…`."""
    tag = uuid.uuid4().hex[:8]
    citizen, officer = f"warga-{tag}", f"op-{tag}"
    first = _start(db_session, citizen)
    _verify_task(db_session, first, officer)
    second = _start(db_session, citizen)
    db_session.expire_all()
    return {"first": db_session.get(Case, first.id), "second": db_session.get(Case, second.id),
            "citizen": citizen, "officer": officer}


def _events(db_session, case_id: int) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)))


def test_each_filter_finds_exactly_the_known_events(db_session, known):
    first, second = known["first"], known["second"]
    by_case = search(db_session, AuditQuery(reference=first.reference.lower()))
    assert by_case.total == len(_events(db_session, first.id))
    assert {e.case_id for e in by_case.rows} == {first.id}

    by_person = search(db_session, AuditQuery(username=known["officer"]))
    assert by_person.total >= 1 and {e.actor for e in by_person.rows} == {known["officer"]}
    assert {e.case_id for e in by_person.rows} == {first.id}

    completed = search(db_session, AuditQuery(username=known["officer"], action="task_completed"))
    assert [(e.case_id, e.task_name) for e in completed.rows] == [(first.id, "verifikasi")]
    assert search(db_session, AuditQuery(username=known["citizen"], action="task_completed")).total == 0

    started = search(db_session, AuditQuery(username=known["citizen"], action="case_started"))
    assert {e.case_id for e in started.rows} == {first.id, second.id}

    today = datetime.now(UTC).astimezone(WIT).date()
    in_range = search(db_session, AuditQuery(username=known["citizen"], date_from=today, date_to=today,
                                             office_tz=WIT))
    assert in_range.total == started.total + search(
        db_session, AuditQuery(username=known["citizen"], action="task_created")).total + search(
        db_session, AuditQuery(username=known["citizen"], action="status_changed")).total
    tomorrow = today + timedelta(days=1)
    assert search(db_session, AuditQuery(username=known["citizen"], date_from=tomorrow, office_tz=WIT)).total == 0
    yesterday = today - timedelta(days=1)
    assert search(db_session, AuditQuery(username=known["citizen"], date_to=yesterday, office_tz=WIT)).total == 0

    line = search(db_session, AuditQuery(reference=first.reference, line="pengaduan"))
    assert line.total == by_case.total
    assert search(db_session, AuditQuery(reference=first.reference, line="pbi_jkn")).total == 0


def test_paging_newest_first(db_session, known):
    query = AuditQuery(reference=known["first"].reference, size=2)
    first_page = search(db_session, query)
    total = first_page.total
    assert total > 2 and first_page.pages == (total + 1) // 2
    seen = []
    for page in range(1, first_page.pages + 1):
        query.page = page
        seen += [e.seq for e in search(db_session, query).rows]
    assert seen == sorted(seen, reverse=True) and len(seen) == total == len(set(seen))


def test_days_are_office_days():
    # 24 November in Jayapura (UTC+9) runs from 23 November 15:00 to 24 November 15:00 UTC.
    assert office_days_utc(date(2026, 11, 24), date(2026, 11, 24), WIT) == (datetime(2026, 11, 23, 15),
                                                                            datetime(2026, 11, 24, 15))


def test_audit_page_rows_are_readable_and_linked(login_as, known):
    first = known["first"]
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/?tiket={first.reference}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/kasus/{first.id}"' in html
    assert "Kasus dimulai" in html and "Tugas diselesaikan" in html and "Verifikasi Pengaduan" in html
    # Form labels, option labels and office time, not raw keys and UTC.
    assert "Kategori" in html or "kategori" not in re.sub(r"<[^>]+>", " ", html).split()
    event = max(_events_of_page(html))
    assert event.endswith("WIT")
    filtered = auditor.get(f"/audit/?tiket={first.reference}&aksi=task_completed").get_data(as_text=True)
    assert filtered.count('data-action="task_completed"') == 1
    assert 'data-action="case_started"' not in filtered


def _events_of_page(html: str) -> list[str]:
    return re.findall(r'<td class="text-nowrap">([^<]+WIT)</td>', html)


def test_audit_page_roles(login_as):
    assert login_as("kadis").get("/audit/").status_code == 200
    assert login_as("admin").get("/audit/").status_code == 200
    for user in ("operator", "kelurahan.gurabesi", "perancang"):
        response = login_as(user).get("/audit/")
        assert response.status_code in (302, 403), user
        assert "audit-results" not in response.get_data(as_text=True)


def test_bad_dates_get_a_message_not_a_trace(login_as):
    auditor = login_as("auditor")
    response = auditor.get("/audit/?dari=24-11-2026")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "tidak dapat dibaca" in html and "Traceback" not in html
    response = auditor.get("/audit/?dari=2026-11-25&sampai=2026-11-24")
    assert response.status_code == 400 and "setelah tanggal akhir" in response.get_data(as_text=True)
    assert auditor.get("/audit/?jenis=apa").status_code == 400


def test_check_now_records_its_run_and_needs_csrf(app, login_as, db_session):
    auditor = login_as("auditor")
    assert auditor.post("/audit/periksa").status_code == 400  # no CSRF token
    token = csrf_token(auditor, "/audit/")
    response = auditor.post("/audit/periksa", data={"csrf_token": token})
    assert response.status_code == 302
    check = last_check(db_session)
    assert check.trigger == "manual" and check.actor == "auditor"
    html = auditor.get("/audit/").get_data(as_text=True)
    assert 'id="audit-check-last"' in html and "WIT" in html


def test_the_page_shows_the_recorded_check_and_checks_nothing_itself(login_as, db_session, monkeypatch):
    """Before any check (a new installation) the page says so and a view records none; a run records the
    packages' history chains with the cases' chains, and the page shows that record, not a check of its own."""
    from sqlalchemy import delete, func

    from workflows.packages import drafts

    db_session.execute(delete(AuditCheck))
    db_session.commit()
    try:
        calls = []
        real = drafts.verify_package_chains
        monkeypatch.setattr(drafts, "verify_package_chains", lambda session: calls.append(1) or real(session))
        auditor = login_as("auditor")
        html = auditor.get("/audit/").get_data(as_text=True)
        assert 'id="audit-check-none"' in html and 'id="package-chain-none"' in html
        assert "belum pernah diperiksa" in html
        assert db_session.scalar(select(func.count()).select_from(AuditCheck)) == 0 and calls == []

        check = run_check(db_session, "cli", "uji")
        assert calls == [1] and check.packages_checked and check.broken_packages == []
        assert check.package_events_checked == real(db_session)[0]
        html = auditor.get("/audit/").get_data(as_text=True)
        assert 'id="package-chain-ok"' in html and 'id="audit-check-last"' in html and calls == [1]

        monkeypatch.setattr(drafts, "verify_package_chains", lambda session: (7, ["pengaduan"]))
        run_check(db_session, "jadwal", "sistem")
        html = auditor.get("/audit/").get_data(as_text=True)
        assert 'id="package-chain-broken"' in html and "pengaduan" in html
    finally:
        monkeypatch.undo()
        run_check(db_session, "cli", "uji")  # the page's last result is not left broken for other tests


def test_scheduled_check_records_its_run(app, db_session):
    from app.scheduler import run_audit_check_job

    before = db_session.scalar(select(AuditCheck.id).order_by(AuditCheck.id.desc()).limit(1)) or 0
    run_audit_check_job(app)
    db_session.expire_all()
    check = last_check(db_session)
    assert check.id > before and check.trigger == "jadwal" and check.events_checked > 0


def test_chain_record_moves_with_every_append(db_session, known):
    first = known["first"]
    events = sorted(_events(db_session, first.id), key=lambda e: e.seq)
    record = db_session.get(AuditChain, first.id)
    assert (record.length, record.head_hash) == (events[-1].seq, events[-1].hash)


def _engine(app):
    from app.extensions import db

    with app.app_context():
        return db.engine


def test_removed_events_are_reported_by_verification_and_cli(app, db_session, known):
    """A tamperer with the database owner's rights deletes one case's whole chain (around the
    append-only triggers); the chain record still says how long it was. The rows are put back after."""
    case = known["second"]
    engine = _engine(app)
    columns = "id, case_id, seq, occurred_at, actor, action, task_name, task_title, data_json, prev_hash, hash"
    with engine.begin() as conn:
        rows = conn.execute(text(f"SELECT {columns} FROM audit_event WHERE case_id = :c"), {"c": case.id}).all()
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
            conn.execute(text("DELETE FROM audit_event WHERE case_id = :c"), {"c": case.id})
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
        else:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'audit_event_no_delete'")).scalar_one()
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
            conn.execute(text("DELETE FROM audit_event WHERE case_id = :c"), {"c": case.id})
            conn.execute(text(sql))
    try:
        db_session.expire_all()
        _, broken = verify_all(db_session)
        mine = [b for b in broken if b.case_id == case.id]
        assert len(mine) == 1 and "semua peristiwa hilang" in mine[0].reason
        result = app.test_cli_runner().invoke(args=["ligat", "verify-audit"])
        assert result.exit_code == 1 and f"RUSAK: kasus {case.id}, peristiwa #1" in result.output
    finally:
        names = [c.strip() for c in columns.split(",")]
        with engine.begin() as conn:
            for row in rows:
                conn.execute(text(f"INSERT INTO audit_event ({columns}) VALUES ({', '.join(':' + n for n in names)})"),
                             dict(zip(names, row, strict=True)))
    db_session.expire_all()
    assert [b for b in verify_all(db_session)[1] if b.case_id == case.id] == []
    assert run_check(db_session, "cli", "uji").intact  # the page's last result is not left broken


def test_audit_table_emptied_wholesale_is_reported(app, db_session, known):
    """PostgreSQL: a real TRUNCATE (row triggers do not fire on it). SQLite: the append-only trigger
    dropped and every event deleted. Both inside a transaction that is rolled back after."""
    from sqlalchemy.orm import Session

    chains = db_session.scalar(text("SELECT count(*) FROM audit_chain"))
    with _engine(app).connect() as conn:
        if POSTGRES:
            conn.execute(text("TRUNCATE audit_event"))
        else:
            # pysqlite commits DDL on its own unless the transaction is begun by hand.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            conn.exec_driver_sql("DELETE FROM audit_event")
        try:
            checked, broken = verify_all(Session(bind=conn))
            assert checked == 0
            assert len(broken) == chains
            assert {known["first"].id, known["second"].id} <= {b.case_id for b in broken}
            assert all("semua peristiwa hilang" in b.reason for b in broken)
        finally:
            if POSTGRES:
                conn.rollback()
            else:
                conn.exec_driver_sql("ROLLBACK")
    db_session.expire_all()
    assert db_session.scalar(text("SELECT count(*) FROM audit_event")) > 0
    assert verify_all(db_session)[1] == []
    with pytest.raises(Exception, match="append-only"):
        db_session.execute(text("DELETE FROM audit_event WHERE case_id = :c"), {"c": known["first"].id})
    db_session.rollback()


def test_chain_record_refuses_to_shrink_or_go(db_session, known):
    case = known["first"]
    with pytest.raises(Exception, match="grow-only"):
        db_session.execute(text("UPDATE audit_chain SET length = 1 WHERE case_id = :c"), {"c": case.id})
    db_session.rollback()
    with pytest.raises(Exception, match="grow-only"):
        db_session.execute(text("DELETE FROM audit_chain WHERE case_id = :c"), {"c": case.id})
    db_session.rollback()


def test_audit_api_same_filters_masked(login_as, known):
    auditor = login_as("auditor")
    first = known["first"]
    body = auditor.get(f"/api/v1/audit/?tiket={first.reference}&aksi=task_completed").get_json()
    assert body["total"] == 1 and body["result"][0]["case"] == first.reference
    assert body["result"][0]["label"] == "Tugas diselesaikan" and body["result"][0]["at"].endswith("Z")
    assert auditor.get("/api/v1/audit/?dari=kemarin").status_code == 400
    assert "tidak dapat dibaca" in auditor.get("/api/v1/audit/?dari=kemarin").get_json()["message"]
    assert login_as("operator").get("/api/v1/audit/").status_code in (401, 403)


def test_paging_links_keep_the_filters_only(login_as, known):
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/?pengguna={known['citizen']}&endpoint=x&_external=1")
    assert response.status_code == 200
    # An unknown argument named like url_for's own (`endpoint`, `_external`) is not passed on to links.
    assert 'href="http' not in response.get_data(as_text=True).split('id="audit-results"')[1]


def test_an_unreadable_day_gets_the_same_bilingual_message_on_the_audit_page_and_the_dashboard(login_as):
    auditor, head = login_as("auditor"), login_as("kadis")
    audit_page = auditor.get("/audit/?dari=24-11-2026")
    dashboard = head.get("/dasbor/?dari=24-11-2026")
    expected = ("Tanggal '24-11-2026' tidak dapat dibaca; tulis seperti 2026-11-24. "
                "(The date '24-11-2026' cannot be read; write it like 2026-11-24.)")
    assert audit_page.status_code == 400 and dashboard.status_code == 400
    for answer in (audit_page, dashboard):
        assert expected.replace("'", "&#39;") in answer.get_data(as_text=True)
    api = head.get("/dasbor/api/ringkasan?dari=24-11-2026")
    assert api.status_code == 400 and expected in str(api.get_json())
