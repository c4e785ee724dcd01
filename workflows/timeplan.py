"""Script functions for long-running processes: moments computed in the process and
used by timeDate timers, so a case page can say exactly when the next step is due.

    time_after(duration, start=None)   ISO moment (UTC) `duration` after `start` (default now)
    time_before(moment, duration)      ISO moment (UTC) `duration` before `moment`
    acting_user()                      username of the person completing the current step

Durations are ISO 8601 (`P6M`, `P30D`, `PT5S`); months and years are counted on the
calendar, as the engine does for its own timers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .scripting import ScriptContext, ScriptFunction, register_script_function


def _moment(value: str | datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def time_after(duration: str, start: str | datetime | None = None) -> str:
    begin = _moment(start)
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return (begin + TimerEventDefinition.get_timedelta_from_start(parsed, begin)).isoformat()


def time_before(moment: str | datetime, duration: str) -> str:
    end = _moment(moment)
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return (end - TimerEventDefinition.get_timedelta_from_end(parsed, end)).isoformat()


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
