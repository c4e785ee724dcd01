"""Rows a step inserts with Core and reads back nowhere in the step (flows taken, new inbox rows without
candidates): held per transaction and written with one executemany per table before the session's next
flush, query or commit (and a savepoint's release), as audit events are. A batch of steps (the
scheduler's wakes) then costs one round trip per table instead of one per step.

Held rows are dropped with the transaction or savepoint that rolls back. A savepoint may not begin while
rows are held: they would be written inside it and lost with its rollback.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

HELD = "ligat_held_rows"  # session.info key: table → rows held for it, in the order they were held


def hold(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` into `table` with the transaction's other held rows."""
    if rows:
        session.info.setdefault(HELD, {}).setdefault(table, []).extend(rows)


def write_held(session: Session) -> None:
    """Write the held rows: one executemany per table, tables in the order they were first held."""
    held: dict[Table, list[dict[str, Any]]] | None = session.info.pop(HELD, None)
    if not held:
        return
    conn = session.connection()
    for table, rows in held.items():
        conn.execute(table.insert(), rows)


def drop_held(session: Session) -> None:
    """Forget the held rows (their transaction or savepoint rolled back)."""
    session.info.pop(HELD, None)


@sa_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    write_held(session)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_held(session)  # also a savepoint's release: its rows are written inside it


@sa_event.listens_for(Session, "do_orm_execute")
def _before_query(state: Any) -> None:
    # Written where autoflush would have written ORM rows, so a query in the same transaction sees them.
    session = state.session
    if session.info.get(HELD) and session.autoflush:
        write_held(session)


@sa_event.listens_for(Session, "after_transaction_create")
def _savepoint_guard(session: Session, transaction: Any) -> None:
    if transaction.nested and session.info.get(HELD):
        raise RuntimeError("rows held when a savepoint began: call held.write_held first")


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        drop_held(session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    drop_held(session)
