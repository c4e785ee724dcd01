"""What is open now, kept as a snapshot the scheduler takes every minute or so, so the backlog by stage, the
heatmap's waiting times and the count of open cases are sums over a few thousand rows instead of a
percentile over every open task joined to its case (a backlog a minute old is good enough; the page says
as of when).

`OpenTaskNow`: open user tasks per line version, stage, category, region and bidang (the case's, for the
visibility rule) and age bucket (histogram.py): how many, how many past their due time, and the sum and
largest of their ages when the snapshot was taken. `OpenCaseNow`: open cases per the same keys. Taking a
snapshot replaces both in one transaction; on PostgreSQL an advisory lock lets one process take it at a
time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, case, delete, func, insert, literal, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base, Case, InboxTask, utcnow
from .filters import seconds_between
from .histogram import bucket_of
from .summary import CaseKeys

LOCK_KEY = 20261124  # pg_advisory_xact_lock key of taking the snapshot
STATE_ID = 1


class OpenTaskNow(CaseKeys, Base):
    __tablename__ = "dash_open_task"

    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    bucket: Mapped[int] = mapped_column(Integer)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    age_sum: Mapped[float] = mapped_column(Float, default=0.0)
    age_max: Mapped[float] = mapped_column(Float, default=0.0)


class OpenCaseNow(CaseKeys, Base):
    __tablename__ = "dash_open_case"

    open_cases: Mapped[int] = mapped_column(Integer, default=0)


class SnapshotState(Base):
    """When the snapshot was taken (one row; none before the first)."""

    __tablename__ = "dash_snapshot_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


def taken_at(session: Session) -> datetime | None:
    return session.scalar(select(SnapshotState.taken_at).where(SnapshotState.id == STATE_ID))


def _keys() -> list:
    return [Case.process_definition_id, Case.process_id, Case.category, Case.region_code, Case.bidang]


def take(session: Session, fresh_for: float = 0) -> datetime:
    """Replace the snapshot with what is open now; returns its time. The caller commits. With `fresh_for`
    (seconds), a snapshot younger than that is kept: every web process runs the scheduler, one of them
    taking it each round is enough."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    now = utcnow()
    if fresh_for:
        taken = taken_at(session)
        if taken is not None and (now - taken).total_seconds() < fresh_for:
            return taken
    session.execute(delete(OpenTaskNow))
    session.execute(delete(OpenCaseNow))
    age = seconds_between(session, literal(now), InboxTask.created_at)
    bucket = bucket_of(session, age)
    session.execute(insert(OpenTaskNow).from_select(
        ["process_definition_id", "process_id", "category", "region_code", "bidang", "task_name", "bucket", "title",
         "waiting", "overdue", "age_sum", "age_max"],
        select(*_keys(), InboxTask.task_name, bucket, func.min(InboxTask.title), func.count(),
               func.sum(case((InboxTask.due_at < now, 1), else_=0)), func.sum(age), func.max(age))
        .join(Case, Case.id == InboxTask.case_id).where(InboxTask.state == "open")
        .group_by(*_keys(), InboxTask.task_name, bucket)))
    session.execute(insert(OpenCaseNow).from_select(
        ["process_definition_id", "process_id", "category", "region_code", "bidang", "open_cases"],
        select(*_keys(), func.count()).where(Case.completed.is_(False)).group_by(*_keys())))
    state = session.get(SnapshotState, STATE_ID)
    if state is None:
        session.add(SnapshotState(id=STATE_ID, taken_at=now))
    else:
        state.taken_at = now
    session.flush()
    return now
