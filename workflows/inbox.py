"""Inbox and case-list queries on the projection tables (no workflow is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_, select, union
from sqlalchemy.orm import Session, selectinload

from .db import Case, InboxTask, utcnow
from .principal import Principal
from .visibility import candidate_task_scope, role_task_scope, task_scope

__all__ = ["inbox", "inbox_query", "sla_badge"]

DUE_SOON = timedelta(hours=4)


def _open_for(principal: Principal, scope: ColumnElement, only_mine: bool) -> Select:
    query = select(InboxTask).where(InboxTask.state == "open", scope)
    query = query.where(or_(InboxTask.assignee.is_(None), InboxTask.assignee == principal.username))
    if only_mine:
        query = query.where(InboxTask.claimed_by == principal.username)
    return query


# Tasks without a due time last: the order of index ix_inbox_queue.
def _urgent_first(query: Select) -> Select:
    return query.order_by(InboxTask.priority.desc(), InboxTask.due_at.asc().nulls_last(), InboxTask.id)


def inbox_query(principal: Principal, only_mine: bool = False) -> Select:
    """Open tasks this person may work on (their roles, each within its scope; tasks naming them), most urgent
    first."""
    return _urgent_first(_open_for(principal, task_scope(principal), only_mine))


def inbox(
    session: Session, principal: Principal, only_mine: bool = False, limit: int = 200, offset: int = 0
) -> list[InboxTask]:
    """One page of `inbox_query`, read as two parts each in index order (rows by their own role, rows through
    `inbox_candidate`), merged: an OR of the two in one WHERE would make PostgreSQL sort every open task
    of the role instead of reading the first page from ix_inbox_queue."""
    # Lists show each row's case reference: one more query for the page's cases by id (not one
    # per row, and not a join, which made PostgreSQL scan every case), only that column.
    eager = selectinload(InboxTask.case).load_only(Case.reference)
    wanted = offset + limit
    parts = [
        select(_urgent_first(_open_for(principal, scope, only_mine)).with_only_columns(InboxTask.id)
               .limit(wanted).subquery())
        for scope in (role_task_scope(principal), candidate_task_scope(principal))
    ]
    ids = union(*parts).subquery()
    query = _urgent_first(select(InboxTask).where(InboxTask.id.in_(select(ids.c.id))))
    return list(session.scalars(query.options(eager).limit(limit).offset(offset)))


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
