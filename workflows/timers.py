"""Wake cases whose earliest timer is due.

Due cases are found through the indexed `case.next_timer_at` column. On
PostgreSQL each batch is locked with FOR UPDATE SKIP LOCKED, so several
scheduler processes share the work and never take the same case; on every
database the case's optimistic lock still guarantees a timer fires once.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .cases import wake_case
from .db import Case, utcnow

log = logging.getLogger(__name__)


def wake_due_timers(session: Session, batch: int = 100, max_batches: int = 50) -> int:
    """Fire due timers; returns how many cases were woken."""
    woken = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(max_batches):
        query = (
            select(Case)
            .where(Case.next_timer_at.is_not(None), Case.next_timer_at <= utcnow(), Case.completed.is_(False))
            .order_by(Case.next_timer_at)
            .limit(batch)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True, of=Case)
        elif session.get_bind().dialect.name == "sqlite":
            # SQLite has one writer: take the write lock before choosing the batch, so a second
            # scheduler waits for this batch to commit instead of waking the same cases and losing.
            session.execute(update(Case).where(Case.id == -1).values(lock_version=Case.lock_version))
        cases = session.scalars(query).all()
        if not cases:
            session.rollback()
            break
        audit.read_heads(session, [case.id for case in cases])  # one query for the batch, not one per case
        progressed = 0
        for case in cases:
            try:
                with session.begin_nested():
                    fired = wake_case(session, case)
                progressed += bool(fired)
            except (StaleDataError, IntegrityError):
                # Another process woke it first: that is the once-only guarantee at work.
                audit.forget_heads(session)
            except Exception:
                # A broken case must not stop the others; it is retried on the next run.
                log.exception("gagal membangunkan timer kasus id=%s", case.id)
                audit.forget_heads(session)
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
