"""Wake cases whose earliest timer is due.

Due cases are found through the indexed `case.next_timer_at` column. On
PostgreSQL each batch is locked with FOR UPDATE SKIP LOCKED, so several
scheduler processes share the work and never take the same case; on every
database the case's optimistic lock still guarantees a timer fires once.

A batch is one transaction and each case in it one atomic step. The steps
are first run side by side and written together: the batch's open inbox rows
are read in one query, its case rows written in one version-checked executemany
(row_writes.py), and its flows, new inbox rows and audit events in one
executemany per table at the commit (held.py, audit.py), instead of a
savepoint, a flush and a release per case. If any of them
fails, nothing of the batch is kept: the batch is claimed again and each
case woken inside its own savepoint, so the failing one rolls back alone and
the others commit. A case that failed is remembered by this process and
woken inside a savepoint from then on, until a wake of it succeeds, so a
broken case costs its batch no second try on every run.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .cases import wake_case
from .db import Case, InboxTask, utcnow
from .row_writes import write_all

log = logging.getLogger(__name__)

# Cases whose wake failed in this process: woken alone (in a savepoint) until one succeeds. Bounded:
# forgetting them only costs a batch its first, shared try.
_ALONE: set[int] = set()
_ALONE_MAX = 10_000


def wake_due_timers(session: Session, batch: int = 100, max_batches: int = 50) -> int:
    """Fire due timers; returns how many cases were woken."""
    woken = 0
    for _ in range(max_batches):
        cases = _claim(session, batch)
        if not cases:
            session.rollback()
            break
        try:
            progressed = _wake(session, cases, alone=_ALONE)
            session.commit()
        except Exception as exc:  # noqa: BLE001 (any failure: the whole batch again, one savepoint per case)
            log.info("batch timer gagal (%s); diulang satu kasus per savepoint", type(exc).__name__)
            session.rollback()
            cases = _claim(session, batch)
            if not cases:
                session.rollback()
                break
            progressed = _wake(session, cases, alone={case.id for case in cases})
            try:
                session.commit()
            except (StaleDataError, IntegrityError):
                session.rollback()
                progressed = 0
        audit.forget_heads(session)
        woken += progressed
        if len(cases) < batch or progressed == 0:
            break
    return woken


def _claim(session: Session, batch: int) -> list[Case]:
    """The next due cases, locked for this transaction (PostgreSQL: rows another scheduler holds are skipped)."""
    query = (
        select(Case)
        .where(Case.next_timer_at.is_not(None), Case.next_timer_at <= utcnow(), Case.completed.is_(False))
        .order_by(Case.next_timer_at)
        .limit(batch)
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    elif dialect == "sqlite":
        # SQLite has one writer: take the write lock before choosing the batch, so a second
        # scheduler waits for this batch to commit instead of waking the same cases and losing.
        session.execute(update(Case).where(Case.id == -1).values(lock_version=Case.lock_version))
    cases = list(session.scalars(query).all())
    if cases:
        audit.read_heads(session, [case.id for case in cases])  # one query for the batch, not one per case
    return cases


def _wake(session: Session, cases: list[Case], alone: Collection[int]) -> int:
    """Wake the batch's cases: those in `alone` each in a savepoint (a failure is logged and rolls back that
    case only), then the others without one (a failure propagates: the caller rolls the batch back).
    Returns how many woke with a timer firing."""
    # Savepoints first: beginning one flushes the session, which would split the others' shared flush.
    ordered = sorted(cases, key=lambda case: case.id not in alone)
    open_rows = _open_rows(session, cases)
    shared: list[Case] = []
    progressed = 0
    for case in ordered:
        if case.id not in alone:
            progressed += bool(wake_case(session, case, open_rows[case.id]))
            shared.append(case)
            continue
        try:
            with session.begin_nested():
                fired = wake_case(session, case, open_rows[case.id])
            progressed += bool(fired)
            _ALONE.discard(case.id)
        except (StaleDataError, IntegrityError):
            # Another process woke it first: that is the once-only guarantee at work. (Or the database
            # refused a row of it: kept alone too, so it does not fail its batch's shared try every run.)
            audit.forget_heads(session)
            _keep_alone(case.id)
        except Exception:
            # A broken case must not stop the others; it is retried on the next run.
            log.exception("gagal membangunkan timer kasus id=%s", case.id)
            audit.forget_heads(session)
            _keep_alone(case.id)
    write_all(session, shared)
    return progressed


def _open_rows(session: Session, cases: list[Case]) -> dict[int, list[InboxTask]]:
    """The batch's open inbox rows by case, in one query (each wake's step would read its own)."""
    rows: dict[int, list[InboxTask]] = {case.id: [] for case in cases}
    for row in session.scalars(_open_rows_query(), {"case_ids": list(rows)}):
        rows[row.case_id].append(row)
    return rows


@functools.cache
def _open_rows_query() -> Select:
    # Built once: composing an ORM select costs more CPU than running it.
    return select(InboxTask).where(InboxTask.case_id.in_(bindparam("case_ids", expanding=True)),
                                   InboxTask.state == "open")


def _keep_alone(case_id: int) -> None:
    if len(_ALONE) >= _ALONE_MAX:
        _ALONE.clear()
    _ALONE.add(case_id)
