"""Script functions for long-running processes: moments computed in the process and
used by timeDate timers, so a case page can say exactly when the next step is due.

    time_after(duration, start=None)   ISO moment (UTC) `duration` after `start` (default now)
    time_before(moment, duration)      ISO moment (UTC) `duration` before `moment`
    acting_user()                      username of the person completing the current step

Durations are ISO 8601 (`P6M`, `P30D`, `PT5S`) or working days (`"3 hari kerja"`, on the office
calendar: see workflows/durations.py); months and years are counted on the calendar, as the
engine does for its own timers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .durations import add_duration, aware_utc, subtract_duration
from .scripting import ScriptContext, ScriptFunction, register_script_function


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
