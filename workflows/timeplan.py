"""Script functions for long-running processes: moments computed in the process and
used by timeDate timers, so a case page can say exactly when the next step is due.

    time_after(duration, start=None)   ISO moment (UTC) `duration` after `start` (default now)
    time_before(moment, duration)      ISO moment (UTC) `duration` before `moment`
    acting_user()                      username of the person completing the current step
    full_years(since, on=None)         whole years from a date to today (office calendar), e.g. an age
    office_date()                      today on the office calendar, ISO ("2026-11-23"); its first four
                                       characters are the office year (a yearly quota's year)
    permit_validity(duration)          end of a validity that starts today: {"berlaku_sampai": date printed
                                       on a letter, "berakhir_pada": ISO moment a timeDate timer ends it}

Durations are ISO 8601 (`P6M`, `P30D`, `PT5S`) or working days (`"3 hari kerja"`, on the office
calendar: see workflows/durations.py); months and years are counted on the calendar, as the
engine does for its own timers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from .durations import add_duration, aware_utc, subtract_duration
from .issued_letters import SETTINGS as LETTER_SETTINGS
from .issued_letters import office_today
from .scripting import ScriptContext, ScriptFunction, register_script_function
from .validators import full_years as _full_years


def _moment(value: str | datetime | None) -> datetime:
    return datetime.now(UTC) if value is None else aware_utc(value)


def time_after(duration: str, start: str | datetime | None = None) -> str:
    return add_duration(_moment(start), duration).isoformat()


def time_before(moment: str | datetime, duration: str) -> str:
    return subtract_duration(_moment(moment), duration).isoformat()


@register_script_function("time_after")
def _time_after(ctx: ScriptContext) -> ScriptFunction:
    return time_after


@register_script_function("time_before")
def _time_before(ctx: ScriptContext) -> ScriptFunction:
    return time_before


@register_script_function("acting_user")
def _acting_user(ctx: ScriptContext) -> ScriptFunction:
    def acting_user() -> str:
        return ctx.actor

    return acting_user


def full_years(since: str | date, on: str | date | None = None) -> int:
    start = since if isinstance(since, date) else date.fromisoformat(str(since)[:10])
    end = office_today() if on is None else (on if isinstance(on, date) else date.fromisoformat(str(on)[:10]))
    return _full_years(start, end)


def permit_validity(duration: str) -> dict[str, str]:
    """End of a validity that starts today: the date printed on the letter (`berlaku_sampai`, office
    calendar) and the moment it ends (`berakhir_pada`, UTC). A whole-day duration (P3Y, P3M) runs to
    the end of its last office day; a duration with a time part (PT40S, tests) is exact."""
    if "T" in duration.upper():
        end = datetime.fromisoformat(time_after(duration))
        return {"berlaku_sampai": end.astimezone(LETTER_SETTINGS.office_tz).date().isoformat(),
                "berakhir_pada": end.isoformat()}
    today = office_today()
    start = datetime.combine(today, time(), tzinfo=LETTER_SETTINGS.office_tz)
    last_day = (datetime.fromisoformat(time_after(duration, start)).astimezone(LETTER_SETTINGS.office_tz)
                - timedelta(days=1)).date()
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LETTER_SETTINGS.office_tz)
    return {"berlaku_sampai": last_day.isoformat(), "berakhir_pada": end.astimezone(UTC).isoformat()}


def office_date() -> str:
    return office_today().isoformat()


@register_script_function("office_date")
def _office_date(ctx: ScriptContext) -> ScriptFunction:
    return office_date


@register_script_function("full_years")
def _full_years_fn(ctx: ScriptContext) -> ScriptFunction:
    return full_years


@register_script_function("permit_validity")
def _permit_validity(ctx: ScriptContext) -> ScriptFunction:
    return permit_validity
