"""Inbox and case-list queries on the projection tables (no workflow is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, Subquery, or_, select, union
from sqlalchemy.orm import Session, selectinload

from .db import Case, InboxTask, ProcessDefinition, utcnow
from .packages.store import ServicePackage
from .principal import Principal
from .visibility import candidate_task_scopes, role_task_scope, task_scope

__all__ = ["DUE_CHOICES", "InboxFilter", "InboxRow", "inbox", "inbox_query", "inbox_rows", "sla_badge"]

DUE_SOON = timedelta(hours=4)


DUE_CHOICES = ("terlambat", "hari_ini", "minggu_ini")  # overdue, due today, due this week (office time)


@dataclass(frozen=True)
class InboxFilter:
    """What an officer narrows the inbox to; every part is a condition of the one inbox query."""

    line: str | None = None  # a service line's package code
    region: str | None = None  # a region code: the tasks of that region and the regions below it
    category: str | None = None
    due: str | None = None  # one of DUE_CHOICES

    def conditions(self, now: datetime | None = None) -> list[ColumnElement]:
        out: list[ColumnElement] = []
        if self.line:
            out.append(InboxTask.case_id.in_(
                select(Case.id).join(ProcessDefinition, Case.process_definition_id == ProcessDefinition.id)
                .join(ServicePackage, ProcessDefinition.package_id == ServicePackage.id)
                .where(ServicePackage.code == self.line)))
        if self.region:
            out.append(or_(InboxTask.region_code == self.region, InboxTask.region_code.startswith(self.region + ".")))
        if self.category:
            out.append(InboxTask.category == self.category)
        if self.due in DUE_CHOICES:
            now = now or utcnow()
            if self.due == "terlambat":
                out.append(InboxTask.due_at < now)
            else:
                out.append(InboxTask.due_at >= now)
                out.append(InboxTask.due_at < _office_day_end(now, 1 if self.due == "hari_ini" else None))
        return out


def _office_day_end(now: datetime, days: int | None) -> datetime:
    """The end of today (days=1) or of this week (Sunday, days=None) in office time, as naive UTC."""
    from .durations import SETTINGS  # the office's time zone (settings of the work calendar)

    local = now.replace(tzinfo=UTC).astimezone(SETTINGS.office_tz)
    ahead = days if days is not None else 7 - local.weekday()
    end = datetime.combine(local.date() + timedelta(days=ahead), time(), SETTINGS.office_tz)
    return end.astimezone(UTC).replace(tzinfo=None)


def _open_for(principal: Principal, scope: ColumnElement, only_mine: bool,
              narrow: InboxFilter | None = None) -> Select:
    query = select(InboxTask).where(InboxTask.state == "open", scope)
    query = query.where(or_(InboxTask.assignee.is_(None), InboxTask.assignee == principal.username))
    if only_mine:
        query = query.where(InboxTask.claimed_by == principal.username)
    if narrow is not None:
        query = query.where(*narrow.conditions())
    return query


# Tasks without a due time last: the order of index ix_inbox_queue.
def _urgent_first(query: Select) -> Select:
    return query.order_by(InboxTask.priority.desc(), InboxTask.due_at.asc().nulls_last(), InboxTask.id)


def inbox_query(principal: Principal, only_mine: bool = False) -> Select:
    """Open tasks this person may work on (their roles, each within its scope; tasks naming them), most urgent
    first."""
    return _urgent_first(_open_for(principal, task_scope(principal), only_mine))


def _page_ids(principal: Principal, only_mine: bool, wanted: int, narrow: InboxFilter | None) -> Subquery:
    """The ids of the first `wanted` rows of `inbox_query`, read in parts each in index order (rows by their
    own role; rows through `inbox_candidate`, one part per candidate role and one for the name) and merged:
    an OR of them in one WHERE would make PostgreSQL sort (or test) every open task instead of reading the
    first page from ix_inbox_queue."""
    scopes = [role_task_scope(principal), *candidate_task_scopes(principal)]
    parts = [
        select(_urgent_first(_open_for(principal, scope, only_mine, narrow)).with_only_columns(InboxTask.id)
               .limit(wanted).subquery())
        for scope in scopes
    ]
    return union(*parts).subquery()


def inbox(
    session: Session, principal: Principal, only_mine: bool = False, limit: int = 200, offset: int = 0,
    narrow: InboxFilter | None = None,
) -> list[InboxTask]:
    """One page of `inbox_query` as ORM rows (each with its case's reference and confidentiality)."""
    # One more query for the page's cases by id (not one per row, and not a join, which made PostgreSQL
    # scan every case), only the columns lists show.
    eager = selectinload(InboxTask.case).load_only(Case.reference, Case.confidential)
    ids = _page_ids(principal, only_mine, offset + limit, narrow)
    query = _urgent_first(select(InboxTask).where(InboxTask.id.in_(select(ids.c.id))))
    return list(session.scalars(query.options(eager).limit(limit).offset(offset)))


class InboxRow(NamedTuple):
    """What the inbox page shows of one open task: plain values, no ORM object."""

    id: int
    case_id: int
    title: str
    category: str | None
    region_code: str | None
    priority: int
    due_at: datetime | None
    claimed_by: str | None
    assignee: str | None
    reference: str
    confidential: bool


def inbox_rows(
    session: Session, principal: Principal, only_mine: bool = False, limit: int = 50, offset: int = 0,
    narrow: InboxFilter | None = None,
) -> list[InboxRow]:
    """The same page as `inbox`, as plain tuples of the columns the page shows: building ORM objects was
    most of the Python time of the query."""
    ids = _page_ids(principal, only_mine, offset + limit, narrow)
    # The join runs on the page's ids only (primary-key lookups), after the parts chose them.
    query = (select(InboxTask.id, InboxTask.case_id, InboxTask.title, InboxTask.category, InboxTask.region_code,
                    InboxTask.priority, InboxTask.due_at, InboxTask.claimed_by, InboxTask.assignee,
                    Case.reference, Case.confidential)
             .join(Case, Case.id == InboxTask.case_id)
             .where(InboxTask.id.in_(select(ids.c.id))))
    return [InboxRow(*row) for row in session.execute(_urgent_first(query).limit(limit).offset(offset))]


@dataclass(frozen=True)
class SlaBadge:
    code: str  # on_time, due_soon, overdue, none
    label: str


def sla_badge(due_at: datetime | None, now: datetime | None = None) -> SlaBadge:
    if due_at is None:
        return SlaBadge("none", "Tanpa tenggat")
    now = now or utcnow()
    if now > due_at:
        return SlaBadge("overdue", "Terlambat")
    if due_at - now <= DUE_SOON:
        return SlaBadge("due_soon", "Segera jatuh tempo")
    return SlaBadge("on_time", "Tepat waktu")
