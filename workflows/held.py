"""Rows a step inserts with Core and reads back nowhere in the step (flows taken, new inbox rows without
candidates): held per transaction and written with one executemany per table before the session's next
flush, query or commit (and a savepoint's release), as audit events are. A batch of steps (the
scheduler's wakes) then costs one round trip per table instead of one per step.

Held rows are dropped with the transaction or savepoint that rolls back. A savepoint may not begin while
rows are held: they would be written inside it and lost with its rollback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from . import compiled_writes

HELD = "ligat_held_rows"  # session.info key: table → rows held for it, in the order they were held


@functools.cache
def insert_of(table: Table) -> Insert:
    """The table's plain INSERT, built once: a statement built anew at each execution has its cache key
    computed again (about a fifth of SQLAlchemy's Python calls for a one-row INSERT); the same object is
    looked up by the key it keeps."""
    return table.insert()


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
        compiled_writes.execute(conn, insert_of(table), rows)


def drop_held(session: Session) -> None:
    """Forget the held rows (their transaction or savepoint rolled back)."""
    session.info.pop(HELD, None)


# Per-transaction buffers (these held rows, audit's pending events): each is written before the session's
# next flush, query or commit and forgotten with its transaction's rollback, by the same hooks.
_BUFFERS: list[tuple[str, Callable[[Session], None], Callable[[Session], None]]] = []


def buffer(key: str, write: Callable[[Session], None], forget: Callable[[Session], None],
           first: bool = False) -> None:
    """Have `write(session)` run before every flush, commit (a savepoint's release included) and ORM query
    of an autoflushing session while `session.info[key]` holds anything, and `forget(session)` when the
    transaction ends or rolls back; a savepoint may not begin while `key` holds anything. `first`: written
    before the other buffers (rows they reference, such as a new case's)."""
    if first:
        _BUFFERS.insert(0, (key, write, forget))
    else:
        _BUFFERS.append((key, write, forget))


def write_now(session: Session) -> None:
    """Write every buffer now (a statement about to run on the connection needs their rows in the database)."""
    for _key, write, _forget in _BUFFERS:
        write(session)


buffer(HELD, write_held, drop_held)


@sa_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    write_now(session)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_now(session)  # also a savepoint's release: what it buffered is written inside it


@sa_event.listens_for(Session, "do_orm_execute")
def _before_query(state: Any) -> None:
    # Written where autoflush would have written ORM rows, so a query in the same transaction sees them.
    session = state.session
    if session.autoflush and any(session.info.get(key) for key, _w, _f in _BUFFERS):
        write_now(session)


@sa_event.listens_for(Session, "after_transaction_create")
def _savepoint_guard(session: Session, transaction: Any) -> None:
    # Rows buffered outside a savepoint would be written inside it and lost with its rollback.
    if transaction.nested:
        for key, _write, _forget in _BUFFERS:
            if session.info.get(key):
                raise RuntimeError(f"{key} buffered when a savepoint began: write it first")


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: Any) -> None:
    # A savepoint's end is not the end: what it wrote is what the buffers say.
    if transaction.parent is None:
        _forget_all(session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    _forget_all(session)


def _forget_all(session: Session) -> None:
    for _key, _write, forget in _BUFFERS:
        forget(session)
