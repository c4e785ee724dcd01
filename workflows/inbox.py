"""Inbox and case-list queries on the projection tables (no workflow is loaded)."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, Subquery, and_, bindparam, or_, select, tuple_, union
from sqlalchemy.orm import Session, selectinload

from .db import Case, InboxTask, ProcessDefinition, utcnow
from .errors import LigatError
from .packages.store import ServicePackage
from .principal import Principal
from .visibility import candidate_task_scopes, role_task_scope, task_scope

__all__ = ["DUE_CHOICES", "InboxFilter", "InboxPage", "InboxRow", "InvalidPageKey", "PageKey", "decode_key",
           "encode_key", "inbox", "inbox_page", "inbox_query", "inbox_rows", "sla_badge"]

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
        return self._conditions(*self.due_bounds(now))

    def due_bounds(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """The due filter's bounds (from, until; naive UTC) at `now`: (None, None) without one."""
        if self.due not in DUE_CHOICES:
            return None, None
        now = now or utcnow()
        if self.due == "terlambat":
            return None, now
        return now, _office_day_end(now, 1 if self.due == "hari_ini" else None)

    def _conditions(self, due_from: object, due_until: object) -> list[ColumnElement]:
        """The conditions, the due bounds given as values or as bound parameters (a statement kept for reuse)."""
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
            if self.due != "terlambat":
                out.append(InboxTask.due_at >= due_from)
            out.append(InboxTask.due_at < due_until)
        return out


def _office_day_end(now: datetime, days: int | None) -> datetime:
    """The end of today (days=1) or of this week (Sunday, days=None) in office time, as naive UTC."""
    from .durations import SETTINGS, office_midnight  # the office's time zone (settings of the work calendar)

    local = now.replace(tzinfo=UTC).astimezone(SETTINGS.office_tz)
    ahead = days if days is not None else 7 - local.weekday()
    return office_midnight(local.date() + timedelta(days=ahead))


def _open_for(principal: Principal, scope: ColumnElement, only_mine: bool,
              narrow: list[ColumnElement] | None = None) -> Select:
    query = select(InboxTask).where(InboxTask.state == "open", scope)
    query = query.where(or_(InboxTask.assignee.is_(None), InboxTask.assignee == principal.username))
    if only_mine:
        query = query.where(InboxTask.claimed_by == principal.username)
    if narrow:
        query = query.where(*narrow)
    return query


# Tasks without a due time last: the order of index ix_inbox_queue. `backward`: the same order reversed (the
# index read from its end), for the rows before a page.
def _urgent_first(query: Select, backward: bool = False) -> Select:
    if backward:
        return query.order_by(InboxTask.priority.asc(), InboxTask.due_at.desc().nulls_first(), InboxTask.id.desc())
    return query.order_by(InboxTask.priority.desc(), InboxTask.due_at.asc().nulls_last(), InboxTask.id)


class PageKey(NamedTuple):
    """A row's place in the inbox order (the id breaks ties): a page starts after, or ends before, one."""

    priority: int
    due_at: datetime | None
    id: int


class InvalidPageKey(LigatError):
    """A page key that was not made by `encode_key` (altered, cut short)."""


class _Keyed(Protocol):
    priority: int
    due_at: datetime | None
    id: int


_KEY_FORM = re.compile(r"u(-?\d{1,9})~(-?\d{1,18})?~(\d{1,18})")  # "u": the one order the inbox offers
_EPOCH = datetime(1970, 1, 1)
_INT32 = 2**31


def encode_key(row: _Keyed) -> str:
    """The opaque text of a row's place for a page link: its priority, due time and task id, nothing personal."""
    due = "" if row.due_at is None else str((row.due_at - _EPOCH) // timedelta(microseconds=1))
    return base64.urlsafe_b64encode(f"u{row.priority}~{due}~{row.id}".encode()).decode().rstrip("=")


def decode_key(text: str) -> PageKey:
    """The place `encode_key` wrote; `InvalidPageKey` for anything else."""
    try:
        plain = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        found = _KEY_FORM.fullmatch(plain)
        if found is None:
            raise ValueError(plain)
        due = None if found.group(2) is None else _EPOCH + timedelta(microseconds=int(found.group(2)))
        priority, task_id = int(found.group(1)), int(found.group(3))
        # The columns are 32-bit integers: a larger number would be a database error, not an empty page.
        if not (-_INT32 <= priority < _INT32 and task_id < _INT32):
            raise ValueError(plain)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidPageKey("Kunci halaman kotak tugas tidak valid; mulailah dari halaman pertama. "
                             "(The inbox page key is not valid; start from the first page.)") from exc
    return PageKey(priority, due, task_id)


# A page statement is kept for reuse (`_rows_statement`) with the page key's place as bound parameters: they
# change with every page, the rest of the statement does not.
_KEY_PRIORITY = bindparam("key_priority", type_=InboxTask.priority.type)
_KEY_DUE = bindparam("key_due", type_=InboxTask.due_at.type)
_KEY_ID = bindparam("key_id", type_=InboxTask.id.type)
_DUE_FROM = bindparam("due_from", type_=InboxTask.due_at.type)
_DUE_UNTIL = bindparam("due_until", type_=InboxTask.due_at.type)


def _ranges(due_is_none: bool, backward: bool) -> list[ColumnElement]:
    """The rows after the key (before it: `backward`) in the inbox order as disjoint ranges of ix_inbox_queue,
    each one index range: one OR of them would make PostgreSQL read (and filter) every row before the key,
    which is what offset paging did. Tasks without a due time come last, so their ranges stand apart. The key's
    values are the parameters `_key_params` gives; `due_is_none`: the key's row has no due time."""
    same = InboxTask.priority == _KEY_PRIORITY
    if not backward:
        if due_is_none:
            return [and_(same, InboxTask.due_at.is_(None), InboxTask.id > _KEY_ID), InboxTask.priority < _KEY_PRIORITY]
        return [and_(same, tuple_(InboxTask.due_at, InboxTask.id) > tuple_(_KEY_DUE, _KEY_ID)),
                and_(same, InboxTask.due_at.is_(None)), InboxTask.priority < _KEY_PRIORITY]
    if due_is_none:
        return [and_(same, InboxTask.due_at.is_(None), InboxTask.id < _KEY_ID),
                and_(same, InboxTask.due_at.is_not(None)), InboxTask.priority > _KEY_PRIORITY]
    return [and_(same, tuple_(InboxTask.due_at, InboxTask.id) < tuple_(_KEY_DUE, _KEY_ID)),
            InboxTask.priority > _KEY_PRIORITY]


def _key_params(key: PageKey | None, narrow: InboxFilter | None) -> dict[str, object]:
    """The values of a page statement's parameters: the key's place, the due filter's bounds (now)."""
    params: dict[str, object] = {}
    if key is not None:
        params.update(key_priority=key.priority, key_id=key.id)
        if key.due_at is not None:
            params["key_due"] = key.due_at
    if narrow is not None and narrow.due in DUE_CHOICES:
        due_from, due_until = narrow.due_bounds()
        params["due_until"] = due_until
        if due_from is not None:
            params["due_from"] = due_from
    return params


def inbox_query(principal: Principal, only_mine: bool = False) -> Select:
    """Open tasks this person may work on (their roles, each within its scope; tasks naming them), most urgent
    first."""
    return _urgent_first(_open_for(principal, task_scope(principal), only_mine))


def _page_ids(principal: Principal, only_mine: bool, wanted: int, narrow: InboxFilter | None,
              key_due_is_none: bool | None = None, backward: bool = False) -> Subquery:
    """The ids of the first `wanted` rows of `inbox_query` (after the key; or the last `wanted` before it:
    `backward`; `key_due_is_none` None: no key, the first rows), read in parts each in index order (rows by their
    own role; rows through `inbox_candidate`, one part per candidate role and one for the name; each of those
    once per range of `_ranges`) and merged: an OR of them in one WHERE would make PostgreSQL sort (or test)
    every open task instead of reading the page from ix_inbox_queue. The key's place and the due filter's
    bounds are parameters (`_key_params`)."""
    scopes = [role_task_scope(principal), *candidate_task_scopes(principal)]
    ranges: list[ColumnElement | None] = [None] if key_due_is_none is None else _ranges(key_due_is_none, backward)
    conditions = narrow._conditions(_DUE_FROM, _DUE_UNTIL) if narrow is not None else None
    parts = []
    for scope in scopes:
        base = _open_for(principal, scope, only_mine, conditions).with_only_columns(InboxTask.id)
        for part in ranges:
            query = base if part is None else base.where(part)
            parts.append(select(_urgent_first(query, backward).limit(wanted).subquery()))
    return union(*parts).subquery()


def _page_statement(query: Select, limit: int, offset: int, backward: bool) -> Select:
    """The page of `query` (rows chosen by `_page_ids`): read backwards for the rows before a key."""
    if not backward:
        return _urgent_first(query).limit(limit).offset(offset)
    return _urgent_first(query, backward=True).limit(limit)


def _read_page(session: Session, statement: Select, params: dict[str, object], backward: bool) -> list:
    """The rows of a `_page_statement`, always in the inbox order."""
    rows = session.execute(statement, params).all()
    return rows[::-1] if backward else rows


def _key_shape(after: PageKey | None, before: PageKey | None) -> tuple[PageKey | None, bool | None, bool]:
    key = before or after
    return key, None if key is None else key.due_at is None, before is not None


def inbox(
    session: Session, principal: Principal, only_mine: bool = False, limit: int = 200, offset: int = 0,
    narrow: InboxFilter | None = None, after: PageKey | None = None, before: PageKey | None = None,
) -> list[InboxTask]:
    """One page of `inbox_query` as ORM rows (each with its case's reference and confidentiality): the first
    (`offset` rows on), the one after the row at `after`, or the `limit` rows just before `before` (all in the
    inbox order)."""
    # One more query for the page's cases by id (not one per row, and not a join, which made PostgreSQL
    # scan every case), only the columns lists show.
    eager = selectinload(InboxTask.case).load_only(Case.reference, Case.confidential)
    key, due_is_none, backward = _key_shape(after, before)
    ids = _page_ids(principal, only_mine, offset + limit, narrow, due_is_none, backward)
    query = select(InboxTask).where(InboxTask.id.in_(select(ids.c.id))).options(eager)
    statement = _page_statement(query, limit, offset, backward)
    return [row for (row,) in _read_page(session, statement, _key_params(key, narrow), backward)]


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
    narrow: InboxFilter | None = None, after: PageKey | None = None, before: PageKey | None = None,
) -> list[InboxRow]:
    """The same page as `inbox`, as plain tuples of the columns the page shows: building ORM objects was
    most of the Python time of the query. The statement is kept per process for its shape (`_rows_statement`)."""
    key, due_is_none, backward = _key_shape(after, before)
    statement = _rows_statement(principal, only_mine, limit, offset, narrow, due_is_none, backward)
    return [InboxRow(*row) for row in _read_page(session, statement, _key_params(key, narrow), backward)]


@functools.lru_cache(maxsize=256)
def _rows_statement(principal: Principal, only_mine: bool, limit: int, offset: int, narrow: InboxFilter | None,
                    key_due_is_none: bool | None, backward: bool) -> Select:
    """`inbox_rows`'s statement: built once per process for each person (their roles, scopes, region and bidang:
    the principal is part of the key), filter and kind of page, and reused with the page key's values as
    parameters. Building it (a union of up to a dozen parts) cost more Python than the rest of the query; a
    statement kept this way also keeps SQLAlchemy's cache key of it, so its compiled SQL is found at once."""
    ids = _page_ids(principal, only_mine, offset + limit, narrow, key_due_is_none, backward)
    # The join runs on the page's ids only (primary-key lookups), after the parts chose them.
    query = (select(InboxTask.id, InboxTask.case_id, InboxTask.title, InboxTask.category, InboxTask.region_code,
                    InboxTask.priority, InboxTask.due_at, InboxTask.claimed_by, InboxTask.assignee,
                    Case.reference, Case.confidential)
             .join(Case, Case.id == InboxTask.case_id)
             .where(InboxTask.id.in_(select(ids.c.id))))
    return _page_statement(query, limit, offset, backward)


Row = TypeVar("Row", bound=_Keyed)


@dataclass(frozen=True)
class InboxPage(Generic[Row]):
    """One page of an inbox and the keys of its neighbours (None: no such page): `next_key` goes with
    `after=`, `previous_key` with `before=`; `first` tells whether it is the first page."""

    rows: Sequence[Row]
    next_key: str | None
    previous_key: str | None
    first: bool


def inbox_page(read: Callable[..., list[Row]], limit: int, after: str | None = None, before: str | None = None,
               offset: int = 0, **query: object) -> InboxPage[Row]:
    """The page after the key `after`, or the one ending just before `before` (neither: the first page, from
    `offset`, the old page-number links), read by `read` (`inbox` or `inbox_rows`; `query` its other arguments).
    A key that `encode_key` did not make raises `InvalidPageKey`. A key's row may have gone meanwhile (done,
    released): its place in the order still holds, so no row is shown twice or skipped."""
    if before:
        key = decode_key(before)
        rows = read(limit=limit + 1, before=key, **query)
        if len(rows) >= limit:  # a full page before it: that page (and is there one before that?)
            page = rows[-limit:]
            return InboxPage(page, encode_key(page[-1]), encode_key(page[0]) if len(rows) > limit else None,
                             len(rows) == limit)
        offset = 0  # fewer than a page before it (rows gone meanwhile): the first page
    key = decode_key(after) if after else None
    rows = read(limit=limit + 1, after=key, offset=offset if key is None else 0, **query)
    page = rows[:limit]
    first = key is None and offset == 0
    # A page reached by a key has rows before it (or had: going back then shows the first page).
    previous = None if first else encode_key(page[0]) if page else after
    return InboxPage(page, encode_key(page[-1]) if len(rows) > limit else None, previous, first)


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
