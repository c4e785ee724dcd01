"""The scheduler's batches of wakes: one failing case rolls back alone, the others of its batch commit."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflows import cases, timers
from workflows.dashboard.flows import CaseFlow
from workflows.db import AuditEvent, Case, InboxTask, utcnow
from workflows.principal import OPERATOR, Principal

VILLAGE = "91.71.01.1001"
OP = Principal("op-timers", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))


@pytest.fixture(autouse=True)
def _fresh_memory():
    timers._ALONE.clear()
    yield
    timers._ALONE.clear()


def due_cases(session: Session, count: int) -> list[int]:
    """Complaints waiting on the field task's one-second timer, all due once this returns."""
    ids = []
    for _ in range(count):
        data = {"kategori": "gelandangan", "deskripsi": "Tidur di emperan", "lokasi": "Pasar",
                "kode_wilayah": VILLAGE, "sla_lapangan": "PT1S"}
        case = cases.start_case(session, "pengaduan", data, "warga", region_code=VILLAGE, category="gelandangan")
        row = session.scalar(select(InboxTask.id).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
        cases.complete_task(session, row, OP, {"keputusan": "valid"})
        ids.append(case.id)
    time.sleep(1.2)
    return ids


def fired(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.case_id == case_id, AuditEvent.action == "timer_fired"))


def assert_woken_once(session: Session, case_id: int) -> None:
    case = session.get(Case, case_id)
    assert case.escalated and fired(session, case_id) == 1, case_id
    escalations = session.scalar(select(func.count()).select_from(InboxTask)
                                 .where(InboxTask.case_id == case_id, InboxTask.task_name == "tinjau_eskalasi"))
    assert escalations == 1, case_id


def assert_left_due(session: Session, case_id: int) -> None:
    case = session.get(Case, case_id)
    assert case.next_timer_at is not None and case.next_timer_at <= utcnow()
    assert not case.escalated and fired(session, case_id) == 0


def test_a_case_whose_wake_raises_rolls_back_alone_and_the_others_commit(db_session, monkeypatch, caplog):
    ids = due_cases(db_session, 5)
    bad = ids[2]
    real = timers.wake_case

    def wake(session: Session, case: Case, *args: object) -> list[str]:
        fired_names = real(session, case, *args)  # the step has run and written to the session when it fails
        if case.id == bad:
            raise RuntimeError("skrip rusak")
        return fired_names

    monkeypatch.setattr(timers, "wake_case", wake)
    with caplog.at_level(logging.INFO, logger="workflows.timers"):
        timers.wake_due_timers(db_session, batch=50)
    db_session.expire_all()
    for case_id in ids:
        if case_id != bad:
            assert_woken_once(db_session, case_id)
    assert_left_due(db_session, bad)
    # Its error is logged with the case, as every failed wake is; the shared try was given up once.
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [f"gagal membangunkan timer kasus id={bad}"]
    assert failures[0].exc_info[0] is RuntimeError
    assert bad in timers._ALONE

    # The next run wakes it alone straight away (no shared try to lose), still failing, still due.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="workflows.timers"):
        timers.wake_due_timers(db_session, batch=50)
    assert not any("diulang" in r.getMessage() for r in caplog.records)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"gagal membangunkan timer kasus id={bad}"]
    db_session.expire_all()
    assert_left_due(db_session, bad)

    # Mended, it wakes once and is no longer singled out.
    monkeypatch.setattr(timers, "wake_case", real)
    assert timers.wake_due_timers(db_session, batch=50) >= 1
    db_session.expire_all()
    assert_woken_once(db_session, bad)
    assert bad not in timers._ALONE
    for case_id in ids:
        assert fired(db_session, case_id) == 1


def test_a_case_that_fails_when_written_rolls_back_alone(db_session, monkeypatch):
    ids = due_cases(db_session, 4)
    bad = ids[0]
    real = timers.wake_case

    def wake(session: Session, case: Case, *args: object) -> list[str]:
        fired_names = real(session, case, *args)
        if case.id == bad:
            case.status = None  # refused by the database (NOT NULL) only when the batch is written
        return fired_names

    monkeypatch.setattr(timers, "wake_case", wake)
    timers.wake_due_timers(db_session, batch=50)
    db_session.expire_all()
    for case_id in ids[1:]:
        assert_woken_once(db_session, case_id)
    assert_left_due(db_session, bad)
    assert bad in timers._ALONE  # woken alone from now on: its refusal no longer undoes its batch's try

    monkeypatch.setattr(timers, "wake_case", real)
    timers.wake_due_timers(db_session, batch=50)
    db_session.expire_all()
    assert_woken_once(db_session, bad)
    assert bad not in timers._ALONE


def test_a_batch_without_failures_shares_one_flush(db_session):
    """No savepoint per case when nothing fails: the batch's rows are written together at its commit."""
    from sqlalchemy import event

    ids = due_cases(db_session, 4)
    statements: list[str] = []
    engine = db_session.get_bind()

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.lstrip().split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        timers.wake_due_timers(db_session, batch=50)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    db_session.expire_all()
    for case_id in ids:
        assert_woken_once(db_session, case_id)
    assert "SAVEPOINT" not in statements


def flow_count(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(CaseFlow).where(CaseFlow.case_id == case_id))


def test_a_batch_writes_each_table_once_and_every_case_of_it(db_session):
    """The flows, new inbox rows and case rows of a whole batch go out in one statement per table, and its
    open inbox rows come in with one query: every case's rows are written all the same."""
    from sqlalchemy import event

    ids = due_cases(db_session, 4)
    flows_before = {case_id: flow_count(db_session, case_id) for case_id in ids}
    versions = {case_id: db_session.get(Case, case_id).lock_version for case_id in ids}
    db_session.rollback()
    statements: list[str] = []
    engine = db_session.get_bind()

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        words = statement.split()
        if isinstance(parameters, (tuple, dict)) and -1 in (parameters.values() if isinstance(parameters, dict)
                                                            else parameters):
            return  # SQLite's scheduler takes the write lock with an UPDATE of no row (id -1)
        table = next((w for w in words[1:4] if w.upper() not in ("INTO", "FROM", "DISTINCT")), "")
        statements.append(f"{words[0].upper()} {table.strip(chr(34)).split('.')[0]}")

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert timers.wake_due_timers(db_session, batch=50) == 4
    finally:
        event.remove(engine, "before_cursor_execute", record)
    for statement in ("INSERT case_flow", "INSERT inbox_task", "UPDATE case", "SELECT inbox_task",
                      "INSERT audit_event"):
        assert statements.count(statement) == 1, (statement, statements)
    db_session.expire_all()
    for case_id in ids:
        assert_woken_once(db_session, case_id)
        assert flow_count(db_session, case_id) > flows_before[case_id]
        # The version moved once, as the ORM's own write moves it: a second wake finds nothing due.
        assert db_session.get(Case, case_id).lock_version == versions[case_id] + 1
    assert timers.wake_due_timers(db_session, batch=50) == 0


def test_a_failing_case_writes_no_flows_and_no_task_while_the_others_do(db_session, monkeypatch):
    ids = due_cases(db_session, 4)
    bad = ids[1]
    flows_before = {case_id: flow_count(db_session, case_id) for case_id in ids}
    real = timers.wake_case

    def wake(session: Session, case: Case, *args: object) -> list[str]:
        fired_names = real(session, case, *args)  # its flows and task are held when it fails
        if case.id == bad:
            raise RuntimeError("skrip rusak")
        return fired_names

    monkeypatch.setattr(timers, "wake_case", wake)
    timers.wake_due_timers(db_session, batch=50)
    db_session.expire_all()
    for case_id in ids:
        if case_id != bad:
            assert_woken_once(db_session, case_id)
            assert flow_count(db_session, case_id) > flows_before[case_id]
    assert_left_due(db_session, bad)
    assert flow_count(db_session, bad) == flows_before[bad]
    assert db_session.scalar(select(func.count()).select_from(InboxTask).where(
        InboxTask.case_id == bad, InboxTask.task_name == "tinjau_eskalasi")) == 0


def test_a_case_row_moved_by_another_writer_fails_its_batch_and_is_not_woken_twice(db_session, monkeypatch):
    """The batch's case rows are written only at the version read: one moved meanwhile (here by a write on
    the same transaction, standing in for another process) undoes the batch's shared try; the others then
    commit one by one and the moved case stays due."""
    ids = due_cases(db_session, 3)
    moved = ids[2]
    real = timers.wake_case

    def wake(session: Session, case: Case, *args: object) -> list[str]:
        fired_names = real(session, case, *args)
        if case.id == moved:
            session.connection().execute(update(Case.__table__).where(Case.__table__.c.id == moved)
                                         .values(lock_version=Case.__table__.c.lock_version + 1))
        return fired_names

    monkeypatch.setattr(timers, "wake_case", wake)
    timers.wake_due_timers(db_session, batch=50)
    db_session.expire_all()
    for case_id in ids[:2]:
        assert_woken_once(db_session, case_id)
    assert_left_due(db_session, moved)
    assert moved in timers._ALONE
