"""Searching the audit trail and the access logs: case events (the hash chains), views of people's
records (`person_view`) and downloads of files (`file_access`), by case, person, action, date range
and service line. Plain queries, no Flask: the auditor's page and its API call these."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .db import AuditEvent, Case, ProcessDefinition
from .documents import FileAccess
from .durations import office_days_utc
from .packages.store import ServicePackage
from .persons import PersonView

EVENTS, PERSON_VIEWS, FILE_ACCESS = "peristiwa", "akses_warga", "unduhan"
KINDS = (EVENTS, PERSON_VIEWS, FILE_ACCESS)
PAGE_SIZE = 50


@dataclass
class AuditQuery:
    """What the auditor asks for. Dates are whole days in the office's time zone, both ends included."""

    kind: str = EVENTS
    reference: str | None = None  # a case's ticket, e.g. ADU-2026-000012
    username: str | None = None
    action: str | None = None  # events: the action; downloads: the object type
    date_from: date | None = None
    date_to: date | None = None
    line: str | None = None  # a service package code
    office_tz: tzinfo = UTC
    page: int = 1
    size: int = PAGE_SIZE


@dataclass
class ResultPage:
    rows: list[Any]
    total: int
    page: int
    size: int = PAGE_SIZE
    cases: dict[int, Case] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def _case_filters(stmt: Select, case_column: Any, query: AuditQuery) -> Select:
    """Filters reached through the case: its ticket and its service line."""
    if not (query.reference or query.line):
        return stmt
    stmt = stmt.join(Case, Case.id == case_column)
    if query.reference:
        stmt = stmt.where(Case.reference == query.reference.strip().upper())
    if query.line:
        stmt = (stmt.join(ProcessDefinition, ProcessDefinition.id == Case.process_definition_id)
                .join(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
                .where(ServicePackage.code == query.line))
    return stmt


def _statement(query: AuditQuery) -> tuple[Select, Any, Any]:
    """(statement, its model, its time column) for the kind of record asked for."""
    start, end = office_days_utc(query.date_from, query.date_to, query.office_tz)
    if query.kind == PERSON_VIEWS:
        model, at, actor, case_column, action = PersonView, PersonView.viewed_at, PersonView.username, \
            PersonView.case_id, None
    elif query.kind == FILE_ACCESS:
        model, at, actor, case_column, action = FileAccess, FileAccess.accessed_at, FileAccess.username, \
            FileAccess.case_id, FileAccess.object_type
    else:
        model, at, actor, case_column, action = AuditEvent, AuditEvent.occurred_at, AuditEvent.actor, \
            AuditEvent.case_id, AuditEvent.action
    stmt = _case_filters(select(model), case_column, query)
    if query.username:
        stmt = stmt.where(actor == query.username.strip())
    if query.action and action is not None:
        stmt = stmt.where(action == query.action)
    if start is not None:
        stmt = stmt.where(at >= start)
    if end is not None:
        stmt = stmt.where(at < end)
    return stmt, model, at


def search(session: Session, query: AuditQuery) -> ResultPage:
    """One page of matching records, newest first, with the cases they belong to."""
    stmt, model, at = _statement(query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, size = max(query.page, 1), max(query.size, 1)
    rows = list(session.scalars(stmt.order_by(at.desc(), model.id.desc()).limit(size).offset((page - 1) * size)))
    case_ids = {row.case_id for row in rows if row.case_id is not None}
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    return ResultPage(rows, total, page, size, cases)


def event_data(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.data_json or "{}")


