"""Inbox and case-list queries on the projection tables (no workflow is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session, selectinload

from .db import Case, InboxTask, utcnow
from .principal import Principal

DUE_SOON = timedelta(hours=4)


def _region_filter(column, region_code: str):  # noqa: ANN001, ANN202
    return or_(column == region_code, column.like(region_code + ".%"))


def inbox_query(principal: Principal, only_mine: bool = False) -> Select:
    """Open tasks this person may work on, most urgent first."""
    roles = sorted(principal.roles)
    query = select(InboxTask).where(InboxTask.state == "open")
    query = query.where(InboxTask.role.in_(roles)) if roles else query.where(false())
    if principal.region_code:
        query = query.where(_region_filter(InboxTask.region_code, principal.region_code))
    if principal.bidang:
        query = query.where(or_(InboxTask.bidang.is_(None), InboxTask.bidang == principal.bidang))
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


def can_view_case(principal: Principal, case: Case) -> bool:
    if principal.reads_everything:
        return True
    if not principal.can_work or not principal.in_region(case.region_code):
        return False
    return principal.bidang is None or case.bidang == principal.bidang


def case_list_query(principal: Principal) -> Select:
    query = select(Case)
    if principal.reads_everything:
        return query.order_by(Case.id.desc())
    if not principal.can_work:
        return query.where(false())
    if principal.region_code:
        query = query.where(_region_filter(Case.region_code, principal.region_code))
    if principal.bidang:
        query = query.where(Case.bidang == principal.bidang)
    return query.order_by(Case.priority.desc(), Case.id.desc())
