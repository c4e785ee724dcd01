"""Daily summaries the dashboard reads for past days, so a period of a province's million cases is a
sum over a few thousand rows instead of a scan of the cases: cases opened and closed (`CaseDay`), user
tasks done and whether by their due time (`TaskDay`), sequence flows taken (`FlowDay`), closed cases'
durations as log-spaced histograms (`DurationDay`, histogram.py), each per office day, line version,
category, region and bidang (the case's, for the visibility rule). A refresh covers every moment before it
(today up to then too), so only what happened since the last refresh is read live (`coverage`); a step
committed just after a refresh but stamped just before it is counted at the next one.

Refreshed by the scheduler (the last `days_back` days again, since a case's bidang is set when it is
dispatched and a closing lands on its own day) and on demand (`flask ligat dashboard-refresh [--all]`,
or the dashboard's button for the head of office and admins). A refresh rewrites whole days in one
transaction; on PostgreSQL an advisory lock lets one process refresh at a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base, Case, InboxTask, utcnow
from .filters import between_days, office_date, office_day, seconds_between, utc_bounds
from .flows import CaseFlow
from .histogram import bucket_of

LOCK_KEY = 20261114  # pg_advisory_xact_lock key of the dashboard refresh
STATE_ID = 1


class CaseKeys:
    """The columns every dashboard summary and snapshot row shares: the case's line version, category,
    region and bidang (the last three for the visibility rule)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_definition_id: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(20))
    bidang: Mapped[str | None] = mapped_column(String(40))


class _DayGroup(CaseKeys):
    """A summary row: the keys of its cases on one office day."""

    day: Mapped[date] = mapped_column(Date)


class CaseDay(_DayGroup, Base):
    """One group of cases opened (or closed) on one office day. Opened and closed counts are separate rows."""

    __tablename__ = "dash_case_day"
    __table_args__ = (Index("ix_dash_case_day_day", "day"),)

    opened: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_with_sla: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)


class TaskDay(_DayGroup, Base):
    """User tasks of one stage completed on one office day, with a due time, and done by it."""

    __tablename__ = "dash_task_day"
    __table_args__ = (Index("ix_dash_task_day_day", "day"),)

    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    completed: Mapped[int] = mapped_column(Integer, default=0)
    with_due: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)


class FlowDay(_DayGroup, Base):
    """How many times one sequence flow was taken on one office day."""

    __tablename__ = "dash_flow_day"
    __table_args__ = (Index("ix_dash_flow_day_day", "day"),)

    flow_id: Mapped[str] = mapped_column(String(100))
    taken: Mapped[int] = mapped_column(Integer, default=0)


class DurationDay(_DayGroup, Base):
    """Cases closed on one office day whose time from opening to closing fell in one histogram bucket."""

    __tablename__ = "dash_duration_day"
    __table_args__ = (Index("ix_dash_duration_day_day", "day"),)

    bucket: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    seconds_sum: Mapped[float] = mapped_column(Float, default=0.0)
    seconds_max: Mapped[float] = mapped_column(Float, default=0.0)


class SummaryState(Base):
    """Up to which office day the summary holds every case (one row)."""

    __tablename__ = "dash_summary_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_day: Mapped[date] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime)


def refreshed_through(session: Session) -> date | None:
    return session.scalar(select(SummaryState.through_day).where(SummaryState.id == STATE_ID))


def coverage(session: Session) -> tuple[date, datetime] | None:
    """(the last office day the summary holds, the moment before which it holds everything), or None. The
    moment is the last refresh, or the end of that day when the refresh was later (written by an earlier
    version that stopped at yesterday)."""
    row = session.execute(select(SummaryState.through_day, SummaryState.refreshed_at)
                          .where(SummaryState.id == STATE_ID)).first()
    if row is None:
        return None
    through, refreshed_at = row
    return through, min(refreshed_at, utc_bounds(through, through)[1])


def _span(column: Any, first: date, through: date, cutoff: datetime) -> ColumnElement:
    return and_(between_days(column, first, through), column < cutoff)


def _keys() -> list:
    return [Case.process_definition_id, Case.process_id, Case.category, Case.region_code, Case.bidang]


def refresh(session: Session, days_back: int | None = 45) -> tuple[date, date]:
    """Rewrite the summary for the days from `days_back` days ago (every day when None or never built)
    up to today (its moments until now); returns the days rewritten. The caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    cutoff = utcnow()
    through = office_date(cutoff)
    built = refreshed_through(session)
    if days_back is None or built is None:
        first_moment = session.scalar(select(func.min(Case.created_at)))
        first = min(office_date(first_moment), through) if first_moment else through
    else:
        first = through - timedelta(days=days_back - 1)
    session.execute(delete(CaseDay).where(CaseDay.day >= first, CaseDay.day <= through))
    columns = ["day", "process_definition_id", "process_id", "category", "region_code", "bidang",
               "opened", "closed", "closed_with_sla", "closed_on_time"]
    opened_day = office_day(session, Case.created_at)
    session.execute(insert(CaseDay).from_select(columns, select(
        opened_day, *_keys(), func.count(), literal(0), literal(0), literal(0)
    ).where(_span(Case.created_at, first, through, cutoff)).group_by(opened_day, *_keys())))
    closed_day = office_day(session, Case.closed_at)
    session.execute(insert(CaseDay).from_select(columns, select(
        closed_day, *_keys(), literal(0), func.count(), func.count(Case.sla_due_at),
        func.sum(case((Case.closed_at <= Case.sla_due_at, 1), else_=0)),
    ).where(Case.completed.is_(True), _span(Case.closed_at, first, through, cutoff)).group_by(closed_day, *_keys())))
    _refresh_durations(session, first, through, cutoff)
    _refresh_tasks_and_flows(session, first, through, cutoff)
    state = session.get(SummaryState, STATE_ID)
    if state is None:
        session.add(SummaryState(id=STATE_ID, through_day=through, refreshed_at=cutoff))
    else:
        state.through_day, state.refreshed_at = through, cutoff
    session.flush()
    return first, through


def _refresh_durations(session: Session, first: date, through: date, cutoff: datetime) -> None:
    session.execute(delete(DurationDay).where(DurationDay.day >= first, DurationDay.day <= through))
    closed_day = office_day(session, Case.closed_at)
    seconds = seconds_between(session, Case.closed_at, Case.created_at)
    bucket = bucket_of(session, seconds)
    session.execute(insert(DurationDay).from_select(
        ["day", "process_definition_id", "process_id", "category", "region_code", "bidang", "bucket", "closed",
         "seconds_sum", "seconds_max"],
        select(closed_day, *_keys(), bucket, func.count(), func.sum(seconds), func.max(seconds))
        .where(Case.completed.is_(True), _span(Case.closed_at, first, through, cutoff))
        .group_by(closed_day, *_keys(), bucket)))


def _refresh_tasks_and_flows(session: Session, first: date, through: date, cutoff: datetime) -> None:
    session.execute(delete(TaskDay).where(TaskDay.day >= first, TaskDay.day <= through))
    session.execute(delete(FlowDay).where(FlowDay.day >= first, FlowDay.day <= through))
    done_day = office_day(session, InboxTask.completed_at)
    task_keys = [Case.process_definition_id, Case.process_id, InboxTask.task_name, Case.category,
                 Case.region_code, Case.bidang]
    session.execute(insert(TaskDay).from_select(
        ["day", "process_definition_id", "process_id", "task_name", "category", "region_code", "bidang", "title",
         "completed", "with_due", "on_time"],
        select(done_day, *task_keys, func.min(InboxTask.title), func.count(), func.count(InboxTask.due_at),
               func.sum(case((InboxTask.completed_at <= InboxTask.due_at, 1), else_=0)))
        .join(Case, Case.id == InboxTask.case_id)
        .where(InboxTask.state == "completed", _span(InboxTask.completed_at, first, through, cutoff))
        .group_by(done_day, *task_keys)))
    taken_day = office_day(session, CaseFlow.taken_at)
    flow_keys = [CaseFlow.process_definition_id, Case.process_id, CaseFlow.flow_id, Case.category,
                 Case.region_code, Case.bidang]
    session.execute(insert(FlowDay).from_select(
        ["day", "process_definition_id", "process_id", "flow_id", "category", "region_code", "bidang", "taken"],
        select(taken_day, *flow_keys, func.count()).join(Case, Case.id == CaseFlow.case_id)
        .where(_span(CaseFlow.taken_at, first, through, cutoff)).group_by(taken_day, *flow_keys)))
