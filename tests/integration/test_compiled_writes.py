"""The step's writes sent as compiled SQL (workflows/compiled_writes.py) write what `Connection.execute` writes:
the same statement, the same rows with the table's defaults and the types' conversions, SQLAlchemy's
errors and cursor events."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from workflows import cases, compiled_writes, held, row_writes
from workflows.db import AuditChain, Case, OutboxMessage

from .test_held_rows import REPORT, VILLAGE

COLUMNS = [c for c in OutboxMessage.__table__.c if c.key != "id"]


def _outbox(session, recipient: str) -> tuple:
    row = session.execute(select(*COLUMNS).where(OutboxMessage.recipient == recipient)).one()
    return tuple(row)


class _Statements:
    def __init__(self, bind):
        self.bind, self.seen = bind, []
        event.listen(bind, "before_cursor_execute", self._add)

    def _add(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement, executemany))

    def close(self):
        event.remove(self.bind, "before_cursor_execute", self._add)


def test_rows_are_written_as_connection_execute_writes_them(db_session):
    """Defaults filled in (scalars and a callable), datetimes converted as the dialect converts them, NULLs
    for columns not named; one row and an executemany; the same SQL as the Core statement's."""
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    conn = db_session.connection()
    sent = datetime(2026, 11, 24, 10, 0, 0)  # no microseconds: SQLite's conversion still writes them
    table = OutboxMessage.__table__

    def rows(prefix: str, n: int) -> list[dict]:
        return [{"case_id": case.id, "recipient": f"{prefix}-{i}", "channel": "log", "message": "m",
                 "sent_at": sent, "created_at": sent, "next_attempt_at": sent} for i in range(n)]

    statements = _Statements(conn.engine)
    try:
        conn.execute(held.insert_of(table), rows("core1", 1)[0])
        compiled_writes.execute(conn, held.insert_of(table), rows("fast1", 1)[0])
        conn.execute(held.insert_of(table), rows("core3", 3))
        compiled_writes.execute(conn, held.insert_of(table), rows("fast3", 3))
    finally:
        statements.close()
    assert statements.seen[0] == statements.seen[1] and statements.seen[2] == statements.seen[3]
    assert statements.seen[2][1] is True
    for core, fast in [("core1-0", "fast1-0"), ("core3-0", "fast3-0"), ("core3-2", "fast3-2")]:
        a, b = _outbox(db_session, core), _outbox(db_session, fast)
        assert a[:1] + a[2:] == b[:1] + b[2:]  # all but the recipient
    status, attempts, kind = db_session.execute(
        select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.kind)
        .where(OutboxMessage.recipient == "fast3-1")).one()
    assert (status, attempts, kind) == ("pending", 0, "text")


def test_a_default_made_by_a_callable_is_made_for_each_row(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    conn = db_session.connection()
    before = datetime.now().replace(microsecond=0)
    compiled_writes.execute(conn, held.insert_of(OutboxMessage.__table__),
                            [{"case_id": case.id, "recipient": f"dflt-{i}", "channel": "log", "message": "m"}
                             for i in range(2)])
    made = db_session.scalars(select(OutboxMessage.created_at).where(OutboxMessage.recipient.like("dflt-%"))).all()
    assert len(made) == 2 and all(m is not None and abs((m - before).total_seconds()) < 24 * 3600 for m in made)


def test_a_refused_row_is_sqlalchemys_integrity_error_and_a_savepoint_keeps_the_rest(db_session):
    """The caller's conflict handling (`cases._is_conflict`) sees SQLAlchemy's IntegrityError, without the
    row's values in its message (hide_parameters); the savepoint around it rolls back as before."""
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    db_session.commit()
    conn = db_session.connection()
    chain = {"case_id": case.id, "length": 99, "head_hash": "f" * 64, "updated_at": datetime(2026, 1, 1)}
    with pytest.raises(IntegrityError) as refused, db_session.begin_nested():
        compiled_writes.execute(conn, held.insert_of(AuditChain.__table__), chain)  # its record exists
    assert cases._is_conflict(refused.value)
    assert "f" * 64 not in str(refused.value)
    assert db_session.get(Case, case.id).id == case.id  # the transaction goes on


def test_rows_naming_different_columns_go_through_connection_execute(db_session, monkeypatch):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    conn = db_session.connection()
    called = []
    real = type(conn).execute

    def execute(self, statement, *args, **kwargs):
        called.append(statement)
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(type(conn), "execute", execute)
    rows = [{"case_id": case.id, "recipient": "mix-1", "channel": "log", "message": "m"},
            {"case_id": case.id, "recipient": "mix-2", "channel": "log", "message": "m", "status": "pending"}]
    compiled_writes.execute(conn, held.insert_of(OutboxMessage.__table__), rows)
    assert called == [held.insert_of(OutboxMessage.__table__)]
    assert db_session.scalar(select(func.count()).where(OutboxMessage.recipient.like("mix-%"))) == 2


def test_a_stale_version_is_still_found_by_the_update(db_session):
    """row_writes' version-checked UPDATE through the compiled path: a row moved on matches nothing."""
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    db_session.commit()
    db_session.connection().execute(Case.__table__.update().where(Case.id == case.id)
                                    .values(lock_version=Case.lock_version + 1))
    case.title = "diubah"
    with pytest.raises(row_writes.StaleDataError):
        row_writes.write_changes(db_session, case)
    db_session.rollback()


def _case_values(session, case_id: int) -> dict:
    skip = {"id", "reference", "tracking_code", "created_at", "updated_at", "serialized"}
    row = session.execute(select(Case.__table__).where(Case.__table__.c.id == case_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in skip}


def test_a_one_row_insert_gives_back_the_defaults_core_applied(db_session):
    """insert_row writes the row `Connection.execute` writes (same SQL, same values, defaults filled in) and
    hands back the row as sent, its defaults included, as `last_inserted_params()` gives them; without its key
    it is covered where the DBAPI gives the key as `lastrowid` (SQLite), else left to Core (RETURNING)."""
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    conn = db_session.connection()
    table = Case.__table__
    base = {c: v for c, v in _case_values(db_session, case.id).items() if c not in ("created_at", "updated_at")}
    base |= {"serialized": "{}"}
    for name in ("title", "priority", "escalated", "completed"):  # left to the columns' defaults
        base.pop(name)
    postgresql = conn.dialect.name == "postgresql"
    first_id = conn.execute(select(func.max(table.c.id))).scalar() + 1000
    statements = _Statements(conn.engine)
    try:
        core = conn.execute(held.insert_of(table), base | {"id": first_id, "reference": "core-1", "tracking_code": "C"})
        done = compiled_writes.insert_row(conn, held.insert_of(table),
                                          base | {"id": first_id + 1, "reference": "fast-1", "tracking_code": "F"})
        without_key = compiled_writes.insert_row(conn, held.insert_of(table),
                                                 base | {"reference": "fast-2", "tracking_code": "G"})
    finally:
        statements.close()
    assert done is not None
    result, sent = done
    assert statements.seen[0] == statements.seen[1]
    expected = core.last_inserted_params()
    assert sent.keys() == expected.keys()
    assert {k: v for k, v in sent.items() if k not in ("id", "reference", "tracking_code", "created_at",
                                                        "updated_at")} == \
        {k: v for k, v in expected.items() if k not in ("id", "reference", "tracking_code", "created_at",
                                                        "updated_at")}
    assert sent["title"] == "" and sent["priority"] == 0 and sent["completed"] is False
    assert isinstance(sent["created_at"], datetime) and result.rowcount == 1
    assert _case_values(db_session, first_id) == _case_values(db_session, first_id + 1)
    if postgresql:
        assert without_key is None  # Core's RETURNING gives the key there
    else:
        assert without_key is not None
        new_id = without_key[0].lastrowid
        assert db_session.get(Case, new_id).reference == "fast-2"
    db_session.rollback()


def test_a_case_made_without_its_constructor_is_written_as_one_made_with_it(db_session):
    """row_writes.new_object: the same values set without the constructor's events, written by hold_new, give
    the same row and the same clean, persistent object; a name that is no attribute is refused as the
    constructor refuses it, and a class with a collection is not covered."""
    from sqlalchemy import inspect

    from workflows.db import InboxTask, ProcessDefinition

    definition = db_session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == "pengaduan")
                                    .order_by(ProcessDefinition.version.desc())).first()
    values = {"reference": "", "tracking_code": "ABCDEFGH", "definition": definition,
              "process_definition_id": definition.id, "process_id": "pengaduan", "title": "judul",
              "category": "pengemis", "region_code": VILLAGE, "priority": 0, "status": "Diterima",
              "reporter_name": None, "anonymous": True, "confidential": False, "started_by": "warga",
              "serialized": "{}"}
    made = []
    for build in (lambda v: Case(**v), lambda v: row_writes.new_object(Case, v)):
        case = build(dict(values, reference=f"ref-{len(made)}"))
        row_writes.hold_new(db_session, case)
        row_writes.write_new(db_session)
        case.status = "Diproses"  # a change after the INSERT is tracked and written as usual
        row_writes.write_changes(db_session, case)
        state = inspect(case)
        assert state.persistent and not state.modified and case.definition is definition
        made.append(case)
    db_session.expire_all()
    assert _case_values(db_session, made[0].id) == _case_values(db_session, made[1].id)
    assert made[1].status == "Diproses" and made[1].lock_version == 2
    with pytest.raises(TypeError):
        row_writes.new_object(Case, {"no_such_column": 1})
    with pytest.raises(ValueError):
        row_writes.new_object(InboxTask, {})
    db_session.rollback()
