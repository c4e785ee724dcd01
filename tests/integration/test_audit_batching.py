"""Audit events are written together (one statement per flush point) and their chain record moves with a
version check: what the engine step's batching must not change is that the chain stays whole, a lost
race is refused, and a savepoint's rollback takes exactly its own events with it."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflows import audit, cases
from workflows.db import AuditChain, AuditEvent, Case, InboxTask
from workflows.principal import OPERATOR, Principal

VILLAGE = "91.71.01.1001"
OP = Principal("op-batch", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}


def _events(session: Session, case_id: int) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


def _chain_ok(session: Session, case_id: int) -> None:
    events = _events(session, case_id)
    record = session.get(AuditChain, case_id)
    assert audit.verify_case(events) is None
    assert audit.against_record(case_id, events, (record.length, record.head_hash)) is None


def test_a_step_writes_its_events_in_one_statement_and_the_chain_verifies(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    row = db_session.scalar(select(InboxTask.id).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    inserts: list[int] = []

    def count(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            inserts.append(len(parameters) if executemany else 1)

    bind = db_session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        cases.complete_task(db_session, row, OP, {"keputusan": "valid", "catatan": "Sesuai."})
    finally:
        event.remove(bind, "before_cursor_execute", count)
    # task_completed, status changes, the field task's creation, …: several events, one statement.
    assert len(inserts) == 1 and inserts[0] >= 3, inserts
    _chain_ok(db_session, case.id)


def test_events_appended_are_seen_by_a_query_in_the_same_transaction(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    before = len(_events(db_session, case.id))
    audit.append(db_session, case.id, "tester", "catatan_uji", {"isi": "satu"})
    seen = db_session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id))
    assert seen == before + 1
    db_session.rollback()
    assert len(_events(db_session, case.id)) == before  # and gone with the rollback


def test_a_chain_moved_by_someone_else_is_refused_not_forked(app, db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    audit.append(db_session, case.id, "pertama", "catatan_uji", {"isi": "dibaca sebelum yang lain"})
    with Session(db_session.get_bind()) as other:  # appends from the same head and commits first
        audit.append(other, case.id, "kedua", "catatan_uji", {"isi": "menang"})
        other.commit()
    with pytest.raises(StaleDataError):
        db_session.commit()
    db_session.rollback()
    events = _events(db_session, case.id)
    assert [e.actor for e in events if e.action == "catatan_uji"] == ["kedua"]
    _chain_ok(db_session, case.id)


def test_a_savepoint_rollback_takes_only_its_own_events(db_session):
    first = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    second = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    counts = {c.id: len(_events(db_session, c.id)) for c in (first, second)}
    db_session.scalar(select(Case.id).where(Case.id == first.id))  # a transaction is open, as the scheduler's
    with db_session.begin_nested():
        audit.append(db_session, first.id, "sistem", "catatan_uji", {"isi": "tetap"})
    with pytest.raises(RuntimeError), db_session.begin_nested():
        audit.append(db_session, second.id, "sistem", "catatan_uji", {"isi": "dibatalkan"})
        raise RuntimeError("langkah gagal")
    # A savepoint's end keeps the first case's head: the next event of it follows on without reading again.
    audit.append(db_session, first.id, "sistem", "catatan_uji", {"isi": "sesudahnya"})
    db_session.commit()
    assert len(_events(db_session, first.id)) == counts[first.id] + 2
    assert len(_events(db_session, second.id)) == counts[second.id]
    _chain_ok(db_session, first.id)
    _chain_ok(db_session, second.id)


def test_events_left_unwritten_before_a_savepoint_are_refused(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    db_session.scalar(select(Case.id).where(Case.id == case.id))
    with db_session.no_autoflush:
        audit.append(db_session, case.id, "sistem", "catatan_uji", {})
    with pytest.raises(RuntimeError, match="savepoint"):
        db_session.begin_nested()
    db_session.rollback()
