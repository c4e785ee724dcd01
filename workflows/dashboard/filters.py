"""What a dashboard figure is asked for (period, line, region, category) and the SQL pieces every
figure shares: the viewer's visibility, the period in office days, durations in seconds, percentiles
computed the same way on PostgreSQL (percentile_cont) and SQLite (the same interpolation in Python)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select, true
from sqlalchemy.orm import Session

from ..db import Case, InboxCandidate
from ..durations import SETTINGS as TIME
from ..durations import office_days_utc
from ..errors import LigatError
from ..principal import ADMIN, HEAD_OF_BIDANG, HEAD_OF_OFFICE, Principal
from ..visibility import case_scope, named_cases, region_filter

# Who opens the dashboard: the head of office and admins see every case, a head of bidang the cases
# their role reaches (workflows/visibility.py decides, as everywhere).
DASHBOARD_ROLES = frozenset({HEAD_OF_OFFICE, HEAD_OF_BIDANG, ADMIN})
MAX_DAYS = 731


def may_see_dashboard(principal: Principal) -> bool:
    return bool(principal.roles & DASHBOARD_ROLES)


class BadFilter(LigatError):
    """A filter value the dashboard cannot use (the message says which, in both languages)."""


@dataclass(frozen=True)
class Filters:
    """Office dates `start`..`end` inclusive; the optional line (process id), region (a Kemendagri code:
    the region and every region under it) and category; `after`: only moments from then on (the part of a
    period the daily summaries do not hold yet)."""

    start: date
    end: date
    process_id: str | None = None
    region_code: str | None = None
    category: str | None = None
    after: datetime | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadFilter("Tanggal akhir sebelum tanggal awal. (The end date is before the start date.)")
        if (self.end - self.start).days > MAX_DAYS:
            raise BadFilter("Periode paling lama dua tahun. (The period may be two years at most.)")

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return utc_bounds(self.start, self.end)

    def case_conditions(self, table: Any = Case) -> list[ColumnElement]:
        """Line, region and category on the case table or one with the same columns (not the period: each
        figure applies it to its own moment)."""
        conditions: list[ColumnElement] = []
        if self.process_id:
            conditions.append(table.process_id == self.process_id)
        if self.region_code:
            conditions.append(region_filter(table.region_code, self.region_code))
        if self.category:
            conditions.append(table.category == self.category)
        return conditions

    def in_period(self, column: Any) -> ColumnElement:
        within = between_days(column, self.start, self.end)
        return within if self.after is None else and_(within, column >= self.after)


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Office days start..end as naive UTC moments [from, to): `office_days_utc` with both ends given."""
    low, high = office_days_utc(start, end)
    assert low is not None and high is not None  # both days given
    return low, high


def between_days(column: Any, start: date, end: date) -> ColumnElement:
    low, high = utc_bounds(start, end)
    return and_(column >= low, column < high)


def office_date(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(TIME.office_tz).date()


def _once(session: Session, key: tuple, make: Any) -> Any:
    """`make()` once per session (a request): a page asks the same visibility questions for every figure."""
    cache = session.info.setdefault("dashboard", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def visible_cases(session: Session, principal: Principal, filters: Filters) -> list[ColumnElement]:
    """The viewer's visibility and the filters, as conditions on the case table."""
    return [_once(session, ("case", principal), lambda: case_scope(session, principal)), *filters.case_conditions()]


def table_scope(session: Session, principal: Principal, filters: Filters, table: Any) -> list[ColumnElement]:
    """Visibility and filters on a summary or snapshot table's columns (the case's definition, region, bidang,
    line and category; without case ids, so cases seen only through a named task are not there: see
    `summaries_cover`)."""
    scope = _once(session, (table.__tablename__, principal), lambda: case_scope(
        session, principal, table.process_definition_id, table.region_code, table.bidang, None))
    return [scope, *filters.case_conditions(table)]


def summaries_cover(session: Session, principal: Principal) -> bool:
    """Can the summaries and the snapshot show everything this viewer may see? Not when an open task names
    them (candidate user, assignee) on a case their roles do not reach: such a case is visible to them and
    the summaries cannot tell it apart, so their figures are then read live."""
    if principal.reads_everything or not principal.may_be_named:
        return True

    def covered() -> bool:
        elsewhere = (named_cases(principal.username).join(Case, Case.id == InboxCandidate.case_id)
                     .where(case_scope(session, principal, case_id_col=None).is_not(true())).limit(1))  # NULL too
        return session.scalar(elsewhere) is None

    return _once(session, ("cover", principal), covered)


def _offset_hours() -> int:
    offset = datetime.now(TIME.office_tz).utcoffset() or timedelta()
    return int(offset.total_seconds() // 3600)


def office_day(session: Session, column: Any) -> ColumnElement:
    """The office date of a naive UTC moment, as SQL (an ISO string on SQLite, a date on PostgreSQL)."""
    hours = _offset_hours()
    if session.get_bind().dialect.name == "postgresql":
        return func.date(column + literal_column(f"interval '{hours} hours'"))
    return func.date(column, f"{hours:+d} hours")


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks: PostgreSQL's percentile_cont on a sorted list."""
    if not values:
        return None
    position = (len(values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


@dataclass(frozen=True)
class Spread:
    """How many, and how long (hours): median, 90th percentile, longest."""

    count: int
    median_h: float | None
    p90_h: float | None
    max_h: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"jumlah": self.count, "median_jam": self.median_h, "p90_jam": self.p90_h, "maks_jam": self.max_h}


def grouped_spread(session: Session, keys: Sequence[Any], seconds: ColumnElement, query: Select
                   ) -> dict[tuple, Spread]:
    """Count, median, p90 and max of `seconds` per group of `keys` over the rows `query` selects from
    (a select whose FROM and WHERE are used; its columns are replaced)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(query.with_only_columns(
            *keys, func.count(), func.percentile_cont(0.5).within_group(seconds),
            func.percentile_cont(0.9).within_group(seconds), func.max(seconds),
        ).group_by(*keys)).all()
        return {tuple(row[:len(keys)]): Spread(row[len(keys)], *(hours(v) for v in row[len(keys) + 1:]))
                for row in rows}
    collected: dict[tuple, list[float]] = defaultdict(list)
    for row in session.execute(query.with_only_columns(*keys, seconds)):
        collected[tuple(row[:len(keys)])].append(float(row[len(keys)]))
    result = {}
    for key, values in collected.items():
        values.sort()
        result[key] = Spread(len(values), hours(percentile(values, 0.5)), hours(percentile(values, 0.9)),
                             hours(values[-1]))
    return result


def base_query(*conditions: ColumnElement, from_: Any = Case) -> Select:
    return select(literal_column("1")).select_from(from_).where(*conditions)


def region_levels(code: str | None) -> tuple[str | None, str | None]:
    """(kecamatan/distrik code, kelurahan/desa code) of a case's region code (91.71.01.1001)."""
    if not code:
        return None, None
    parts = code.split(".")
    district = ".".join(parts[:3]) if len(parts) >= 3 else None
    village = code if len(parts) >= 4 else None
    return district, village


def add_to(counter: dict[Any, dict[str, int]], key: Any, field: str, amount: int) -> None:
    counter.setdefault(key, {}).setdefault(field, 0)
    counter[key][field] += amount


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def sorted_items(counter: dict[Any, dict[str, int]], fields: Iterable[str]) -> list[dict[str, Any]]:
    return [{"kunci": key, **{f: values.get(f, 0) for f in fields}}
            for key, values in sorted(counter.items(), key=lambda item: str(item[0]))]
