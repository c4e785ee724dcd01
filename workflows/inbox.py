"""Inbox and case-list queries on the projection tables (no workflow is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from .db import Case, InboxTask, utcnow
from .principal import Principal
from .visibility import task_scope

__all__ = ["inbox", "inbox_query", "sla_badge"]

DUE_SOON = timedelta(hours=4)


def inbox_query(principal: Principal, only_mine: bool = False) -> Select:
    """Open tasks this person may work on (their roles, each within its scope), most urgent first."""
    query = select(InboxTask).where(InboxTask.state == "open", task_scope(principal))
    query = query.where(or_(InboxTask.assignee.is_(None), InboxTask.assignee == principal.username))
    if only_mine:
        query = query.where(InboxTask.claimed_by == principal.username)
    # Tasks without a due time last: the order of index ix_inbox_queue.
    return query.order_by(InboxTask.priority.desc(), InboxTask.due_at.asc().nulls_last(), InboxTask.id)


def inbox(
    session: Session, principal: Principal, only_mine: bool = False, limit: int = 200, offset: int = 0
) -> list[InboxTask]:
    # Lists show each row's case reference: one more query for the page's cases by id (not one
    # per row, and not a join, which made PostgreSQL scan every case), only that column.
    eager = selectinload(InboxTask.case).load_only(Case.reference)
    return list(session.scalars(inbox_query(principal, only_mine).options(eager).limit(limit).offset(offset)))


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
