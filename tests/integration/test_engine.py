"""The engine layer against the real database: versions, races, timers, audit."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.packages import bundled, changed, data_package
from workflows import cases
from workflows.audit import verify_all
from workflows.db import AuditEvent, Case, InboxTask
from workflows.deployment import latest_definition
from workflows.errors import ConcurrentUpdate, LigatError, TaskUnavailable
from workflows.packages import deploy_package
from workflows.principal import OPERATOR, Principal
from workflows.timers import wake_due_timers

VILLAGE = "91.71.01.1001"
OP = Principal("op-engine", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
COMPLAINTS = bundled("pengaduan")
BPMN_PATH = "bpmn/pengaduan/pengaduan.bpmn"


def start(session: Session, **data) -> Case:
    values = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
              "kode_wilayah": VILLAGE, **data}
    return cases.start_case(session, "pengaduan", values, "warga", region_code=VILLAGE, category=values["kategori"])


def open_row(session: Session, case_id: int, name: str) -> InboxTask | None:
    session.expire_all()
    return session.scalar(
        select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name, InboxTask.state == "open")
    )


def test_same_content_same_version_and_running_cases_keep_theirs(db_session):
    before = latest_definition(db_session, "pengaduan")
    again = deploy_package(db_session, COMPLAINTS)
    assert not again.created and again.definitions[0].id == before.id

    running = start(db_session)
    v2 = changed(COMPLAINTS, BPMN_PATH, b'name="Verifikasi Pengaduan"', b'name="Verifikasi Pengaduan (v2)"')
    new = deploy_package(db_session, v2).definitions[0]
    try:
        assert new.version == before.version + 1
        fresh = start(db_session)
        assert fresh.process_definition_id == new.id
        assert open_row(db_session, fresh.id, "verifikasi").title == "Verifikasi Pengaduan (v2)"
        # The case started earlier stays on its version and completes on it.
        assert running.process_definition_id == before.id
        row = open_row(db_session, running.id, "verifikasi")
        assert row.title == "Verifikasi Pengaduan"
        cases.complete_task(db_session, row.id, OP, {"keputusan": "tidak_valid", "alasan": "Bukan PMKS"})
        db_session.expire_all()
        assert db_session.get(Case, running.id).status == "Ditolak"
    finally:
        # Later tests expect the shipped model to be the newest version.
        deploy_package(db_session, changed(COMPLAINTS, BPMN_PATH, b"</bpmn:definitions>", b"</bpmn:definitions>\n"))


def test_camunda_flavoured_bpmn_is_accepted(db_session):
    package = data_package("uji_camunda", "camunda_sederhana.bpmn", {OPERATOR: "office"},
                           forms=("pengaduan_lengkapi.schema.json",))
    definition = deploy_package(db_session, package).definitions[0]
    case = cases.start_case(db_session, definition.process_id, {}, "tester", region_code=VILLAGE)
    row = open_row(db_session, case.id, "periksa")
    assert row.role == OPERATOR and row.form == "pengaduan_lengkapi.schema.json"
    cases.complete_task(db_session, row.id, OP, {"informasi_tambahan": "sudah diperiksa"})
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed


def _race(engine, task_id: int, principal: Principal, data: dict) -> list:
    """Two sessions complete the same task; both read before either writes."""
    barrier = threading.Barrier(2, timeout=10)
    results: list = []

    def worker() -> None:
        session = Session(engine)
        waited = {"done": False}

        # The step's first write (a flush, or the Core writes of flows and audit events) waits for the other.
        @event.listens_for(session, "after_begin")
        def on_begin(_session, _transaction, connection) -> None:
            @event.listens_for(connection, "before_cursor_execute")
            def wait_for_other(_conn, _cursor, statement, *_args) -> None:
                if not waited["done"] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                    waited["done"] = True
                    barrier.wait()

        try:
            cases.complete_task(session, task_id, principal, data)
            results.append("ok")
        except LigatError as exc:
            results.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_people_completing_the_same_task_exactly_one_wins(app, db_session):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    for _ in range(3):
        case = start(db_session)
        row = open_row(db_session, case.id, "verifikasi")
        results = _race(engine, row.id, OP, {"keputusan": "valid"})
        assert results.count("ok") == 1, results
        loser = next(r for r in results if r != "ok")
        assert isinstance(loser, (ConcurrentUpdate, TaskUnavailable))
        assert "orang lain" in str(loser) or "sudah diselesaikan" in str(loser)
        db_session.expire_all()
        completed = db_session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "task_completed")
        ).all()
        assert len(completed) == 1
        field = db_session.scalars(
            select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == "tindak_lanjut_lapangan")
        ).all()
        assert len(field) == 1


def test_each_timer_fires_once_with_two_schedulers(app, db_session):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    started = []
    for _ in range(12):
        case = start(db_session, kategori="gelandangan", sla_lapangan="PT1S")
        cases.complete_task(db_session, open_row(db_session, case.id, "verifikasi").id, OP, {"keputusan": "valid"})
        started.append(case.id)
    time.sleep(1.2)
    counts: list[int] = []

    def scheduler() -> None:
        session = Session(engine)
        try:
            counts.append(wake_due_timers(session, batch=3))
        finally:
            session.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db_session.expire_all()
    for case_id in started:
        fired = db_session.scalar(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.action == "timer_fired")
        )
        escalations = db_session.scalar(
            select(func.count()).select_from(InboxTask)
            .where(InboxTask.case_id == case_id, InboxTask.task_name == "tinjau_eskalasi")
        )
        assert (fired, escalations) == (1, 1), case_id
    assert sum(counts) >= len(started)
    assert wake_due_timers(db_session) == 0


def _engine(app):
    from app.extensions import db

    with app.app_context():
        return db.engine


def _rewrite_actor_around_triggers(engine, event_id: int, actor: str) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
            conn.execute(text("UPDATE audit_event SET actor = :a WHERE id = :id"), {"a": actor, "id": event_id})
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
        else:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'audit_event_no_update'")).scalar_one()
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("UPDATE audit_event SET actor = :a WHERE id = :id"), {"a": actor, "id": event_id})
            conn.execute(text(sql))


def test_audit_chain_detects_tampering(app, db_session):
    case = start(db_session)
    checked, broken = verify_all(db_session)
    assert checked > 0 and broken == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ligat", "verify-audit"])
    assert result.exit_code == 0 and "semua rantai utuh" in result.output

    target = db_session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case_started")
    )
    # Rows are append-only: the application's connection cannot change them...
    with pytest.raises(Exception, match="append-only"):
        db_session.execute(text("UPDATE audit_event SET actor = 'penyusup' WHERE id = :id"), {"id": target.id})
        db_session.flush()
    db_session.rollback()
    # ...so a tamperer goes around the triggers, as a database owner could.
    _rewrite_actor_around_triggers(_engine(app), target.id, "penyusup")
    try:
        _, broken = verify_all(db_session)
        assert [(b.case_id, b.seq) for b in broken] == [(case.id, target.seq)]
        assert "diubah" in broken[0].reason
        result = runner.invoke(args=["ligat", "verify-audit"])
        assert result.exit_code == 1
        assert f"kasus {case.id}, peristiwa #{target.seq}" in result.output
    finally:
        _rewrite_actor_around_triggers(_engine(app), target.id, "warga")
    assert verify_all(db_session)[1] == []


def test_form_cannot_overwrite_undeclared_process_variables(db_session):
    case = start(db_session, sla_lapangan="PT72H")
    row = open_row(db_session, case.id, "verifikasi")
    cases.complete_task(db_session, row.id, OP, {"keputusan": "valid", "sla_lapangan": "PT0S", "bidang": "x"})
    db_session.expire_all()
    data = cases.case_data(db_session.get(Case, case.id))
    assert data["sla_lapangan"] == "PT72H" and data["bidang"] == "rehsos"


def test_serialized_case_does_not_repeat_the_spec(db_session):
    case = start(db_session)
    spec_size = len(case.definition.spec_json)
    assert '"spec"' not in case.serialized
    assert len(case.serialized) < spec_size



def test_a_failing_script_gives_a_clear_message_and_saves_nothing(db_session):
    from workflows.errors import ProcessError

    package = data_package("uji_skrip_gagal", "skrip_gagal.bpmn", {OPERATOR: "office"},
                           forms=("pengaduan_lengkapi.schema.json",))
    definition = deploy_package(db_session, package).definitions[0]
    case = cases.start_case(db_session, definition.process_id, {}, "tester", region_code=VILLAGE)
    row = open_row(db_session, case.id, "periksa")
    version = db_session.get(Case, case.id).lock_version
    with pytest.raises(ProcessError, match="Hitung jatah.*ZeroDivisionError"):
        cases.complete_task(db_session, row.id, OP, {"informasi_tambahan": "lengkap sekali"})
    db_session.expire_all()
    assert open_row(db_session, case.id, "periksa") is not None
    assert db_session.get(Case, case.id).lock_version == version
