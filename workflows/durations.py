"""Durations, working days and UTC moments: the one place the engine layer does time arithmetic.

SLAs (`dueIn`), timers (`time_after`), letter validity and applicant links all count with
`add_duration`, so a duration means the same everywhere:

- ISO 8601 durations (`P3D`, `PT72H`, `P1Y2M`): months and years counted on the calendar with
  SpiffWorkflow's own rule, so an SLA and a BPMN timer of the same length end at the same moment.
- Working days (`"3 hari kerja"`, `"3 working days"`): Monday to Friday, except Indonesian
  national holidays, cuti bersama (both from the `holidays` package) and the office's own days
  off (setting `LIGAT_HARI_LIBUR_KANTOR`), all judged on the office's calendar (default WIT).

The database stores naive UTC (`db.utcnow`); `naive_utc` and `aware_utc` are the conversions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

import holidays
from holidays.constants import GOVERNMENT, PUBLIC
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

WIT = timezone(timedelta(hours=9), "WIT")  # Waktu Indonesia Timur (Papua, Maluku); no summer time

# "3 hari kerja", "1 working day": a whole number of days only (half a working day has no clear end).
_WORKING_DAYS = re.compile(r"(\d+)\s*(?:hari\s+kerja|working\s+days?)", re.IGNORECASE)


@dataclass
class DurationSettings:
    """Set once by the application (app/engine_config.py): the office's time zone and own days off."""

    office_tz: tzinfo = WIT
    office_holidays: frozenset[date] = field(default_factory=frozenset)


SETTINGS = DurationSettings()


# -- durations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Duration:
    """A parsed duration: either ISO 8601 parts (`iso`) or a number of working days."""

    text: str
    iso: tuple[tuple[str, int | float], ...] = ()
    working_days: int | None = None

    @property
    def in_working_days(self) -> bool:
        return self.working_days is not None

    def iso_parts(self) -> dict[str, int | float]:
        # A fresh dict each time: Spiff's get_timedelta_from_* pop keys from what they are given.
        return dict(self.iso)


def _unknown(text: object) -> ValueError:
    return ValueError(
        f"Durasi tidak dikenal: {text!r}. Tulis durasi ISO 8601 (P3D, PT72H, P1M) atau 'N hari kerja'. "
        f"(Unknown duration {text!r}: write an ISO 8601 duration (P3D, PT72H, P1M) or 'N working days'.)"
    )


def parse_duration(text: str) -> Duration:
    """Parse `P3D`, `PT72H`, `P1Y2M`, `"3 hari kerja"` or `"3 working days"`; ValueError otherwise."""
    if not isinstance(text, str):
        raise _unknown(text)
    cleaned = text.strip()
    match = _WORKING_DAYS.fullmatch(cleaned)
    if match:
        return Duration(cleaned, working_days=int(match[1]))
    if cleaned[:1] in ("P", "p"):
        # Spiff parses what its timers accept, so a dueIn and a timer understand the same text.
        try:
            parts = TimerEventDefinition.parse_iso_duration(cleaned)
        except Exception:  # Spiff raises a bare Exception('Invalid duration')
            parts = None
        if parts:  # "P" alone parses to nothing: not a duration
            return Duration(cleaned, iso=tuple(parts.items()))
    raise _unknown(text)


def _as_duration(duration: str | Duration) -> Duration:
    if isinstance(duration, Duration):
        return duration
    # A text parsed once per process (a line's SLA and a task's dueIn repeat for every case; a Duration is frozen).
    return _parsed_text(duration) if isinstance(duration, str) else parse_duration(duration)


@functools.lru_cache(maxsize=256)
def _parsed_text(text: str) -> Duration:
    return parse_duration(text)


def add_duration(start: datetime, duration: str | Duration, calendar: WorkCalendar | None = None) -> datetime:
    """`start` + `duration`, returned in the same form as `start` (naive UTC stays naive UTC).

    Working days: see `WorkCalendar.add_working_days` (same office clock time on the N-th working
    day). `calendar` defaults to the office's (`office_calendar()`); ISO durations ignore it.
    """
    parsed = _as_duration(duration)
    if parsed.in_working_days:
        return (calendar or office_calendar()).add_working_days(start, parsed.working_days or 0)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed.iso_parts(), start)


def subtract_duration(end: datetime, duration: str | Duration, calendar: WorkCalendar | None = None) -> datetime:
    """`end` - `duration` (e.g. a reminder 30 days before an end date); months counted backwards
    on the calendar as Spiff does. Working days count backwards from `end`'s working day."""
    parsed = _as_duration(duration)
    if parsed.in_working_days:
        return (calendar or office_calendar()).add_working_days(end, -(parsed.working_days or 0))
    return end - TimerEventDefinition.get_timedelta_from_end(parsed.iso_parts(), end)


# -- UTC moments -------------------------------------------------------------------------------

def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def naive_utc(value: str | datetime) -> datetime:
    """A moment as the database stores it: naive UTC. A naive input is taken to be UTC already."""
    moment = _moment(value)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def aware_utc(value: str | datetime) -> datetime:
    """A moment as an aware UTC datetime. A naive input is taken to be UTC (the database's convention)."""
    moment = _moment(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def office_midnight(day: date, tz: tzinfo | None = None) -> datetime:
    """The moment office day `day` starts (midnight in `tz`, the office's time zone unless given), as naive UTC."""
    return datetime.combine(day, time(), tz or SETTINGS.office_tz).astimezone(UTC).replace(tzinfo=None)


def office_days_utc(first: date | None, last: date | None, tz: tzinfo | None = None
                    ) -> tuple[datetime | None, datetime | None]:
    """Office days `first`..`last`, both included, as naive UTC moments [from, to): the midnight starting `first`
    to the midnight after `last` (None for an end not given), for comparing with the tables' times."""
    return (office_midnight(first, tz) if first else None,
            office_midnight(last + timedelta(days=1), tz) if last else None)


def _like(template: datetime, moment: datetime) -> datetime:
    """`moment` in the form of `template`: naive UTC for a naive template, else the template's zone."""
    if template.tzinfo is None:
        return naive_utc(moment)
    return moment.astimezone(template.tzinfo)


# -- the office calendar -----------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def national_days_off(year: int) -> frozenset[date]:
    """Indonesian public holidays and cuti bersama of one year.

    The `holidays` package keeps cuti bersama (collective leave decreed for civil servants, when
    government offices close) apart from public holidays, in its category "government".
    """
    return frozenset(holidays.Indonesia(years=year, categories=(PUBLIC, GOVERNMENT)))


def parse_day(text: str) -> date:
    """One calendar day as a person types it in a filter (2026-11-24); ValueError with a bilingual message."""
    cleaned = (text or "").strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        shown = cleaned[:20]
        raise ValueError(f"Tanggal '{shown}' tidak dapat dibaca; tulis seperti 2026-11-24. "
                         f"(The date '{shown}' cannot be read; write it like 2026-11-24.)") from None


def parse_dates(text: str | Iterable[str | date] | None) -> frozenset[date]:
    """Office days off from a setting: comma-separated ISO dates (`2026-10-12, 2026-12-31`)."""
    if not text:
        return frozenset()
    items = text.split(",") if isinstance(text, str) else text
    days = set()
    for item in items:
        if isinstance(item, date):
            days.add(item)
            continue
        if not item.strip():
            continue
        try:
            days.add(date.fromisoformat(item.strip()))
        except ValueError:
            raise ValueError(
                f"Tanggal libur kantor tidak dikenal: {item.strip()!r} (tulis YYYY-MM-DD). "
                f"(Unknown office holiday {item.strip()!r}: write YYYY-MM-DD.)"
            ) from None
    return frozenset(days)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days the office works, on its own calendar (time zone `tz`)."""

    office_holidays: frozenset[date] = frozenset()
    tz: tzinfo = WIT

    def is_working_day(self, day: date) -> bool:
        """Monday–Friday, not a national holiday, not cuti bersama, not an office day off."""
        return day.weekday() < 5 and day not in self.office_holidays and day not in national_days_off(day.year)

    def local(self, moment: datetime) -> datetime:
        """`moment` on the office clock (naive input is UTC)."""
        return aware_utc(moment).astimezone(self.tz)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same office clock time on the `days`-th working day after `start`'s office date.

        A start on a non-working day (a report sent on Saturday) counts from the next working day,
        so 1 working day after Saturday 10:00 is Tuesday 10:00, as after Monday 10:00. A negative
        `days` counts backwards, from the previous working day. The result has `start`'s form.
        """
        local = self.local(start)
        step = timedelta(days=1 if days >= 0 else -1)
        day = local.date()
        while not self.is_working_day(day):
            day += step
        for _ in range(abs(days)):
            day += step
            while not self.is_working_day(day):
                day += step
        return _like(start, datetime.combine(day, local.time(), tzinfo=self.tz))

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) falls on working days, counting whole calendar days (24 hours).

        One whole working day is `timedelta(days=1)`; a part of a day counts by clock time, so a
        pause from Friday 15:00 to Monday 09:00 is 9 + 9 hours. Zero when `end` is not after `start`.
        """
        begin, finish = self.local(start), self.local(end)
        total = timedelta()
        day = begin.date()
        while day <= finish.date():
            if self.is_working_day(day):
                low = max(begin, self._day_start(day))
                high = min(finish, self._day_start(day + timedelta(days=1)))
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """`start` moved later by `amount` of working time (the inverse of `working_time_between`):
        time on non-working days is skipped. The result has `start`'s form."""
        if amount <= timedelta():
            return start
        cursor, remaining = self.local(start), amount
        while True:
            day = cursor.date()
            next_day = self._day_start(day + timedelta(days=1))
            if self.is_working_day(day):
                available = next_day - cursor
                if remaining <= available:
                    return _like(start, cursor + remaining)
                remaining -= available
            cursor = next_day


def office_calendar() -> WorkCalendar:
    """The office's calendar from the settings (cheap: national days are cached per year)."""
    return WorkCalendar(office_holidays=SETTINGS.office_holidays, tz=SETTINGS.office_tz)


# -- SLA pause ---------------------------------------------------------------------------------

def resume_due(
    due_at: datetime, paused_at: datetime, resumed_at: datetime, calendar: WorkCalendar | None
) -> datetime:
    """The due time of an SLA whose clock stopped at `paused_at` (waiting on the citizen) and runs
    again at `resumed_at`.

    The due time moves later by exactly the time the clock stood still:
    - `calendar=None` (an ISO SLA such as `PT72H`): by the whole pause, clock time;
    - a calendar (an SLA in working days): by the working time of the pause only
      (`working_time_between`: whole working days, a part of a day by clock time), added on the
      working-time line (`add_working_time`), so weekends and holidays inside the pause or after
      the old due time cost nothing. A pause entirely on a weekend leaves the due time as it was.
    The result has `due_at`'s form (naive UTC stays naive UTC).
    """
    if aware_utc(resumed_at) <= aware_utc(paused_at):
        return due_at
    if calendar is None:
        return _like(due_at, aware_utc(due_at) + (aware_utc(resumed_at) - aware_utc(paused_at)))
    return calendar.add_working_time(due_at, calendar.working_time_between(paused_at, resumed_at))
