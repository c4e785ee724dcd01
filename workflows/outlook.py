"""Where a case is in its life and what comes next, for the case page of every line.

A months-long case (an LKS permit waiting for its expiry reminder, an adoption in
its temporary care period) is mostly waiting: the answer is its stage (public
status), the open tasks with who holds them, and the timers it waits on, each with
its name from the BPMN and its due time, earliest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import pending_timers
from .db import Case, InboxTask, utcnow
from .durations import naive_utc
from .serialization import read_workflow


@dataclass(frozen=True)
class WaitingTimer:
    name: str
    due_at: datetime  # naive UTC, like every stored time
    repeats: bool = False


@dataclass
class Outlook:
    stage: str
    started_at: datetime
    age_days: int
    open_tasks: list[InboxTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    completed: bool = False

    @property
    def next_timer(self) -> WaitingTimer | None:
        return self.timers[0] if self.timers else None


def _naive(value: str) -> datetime | None:
    try:
        return naive_utc(value)
    except (TypeError, ValueError):
        return None


def waiting_timers(case: Case) -> list[WaitingTimer]:
    if case.completed:
        return []
    workflow = read_workflow(case)
    timers = [WaitingTimer(t.name, t.due_at, t.kind.startswith("Cycle"))
              for t in pending_timers(workflow) if t.due_at is not None]
    return sorted(timers, key=lambda t: t.due_at)


def outlook(session: Session, case: Case) -> Outlook:
    tasks = list(session.scalars(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open").order_by(InboxTask.id)
    ))
    return Outlook(
        stage=case.status,
        started_at=case.created_at,
        age_days=max((utcnow() - case.created_at).days, 0),
        open_tasks=tasks,
        timers=waiting_timers(case),
        completed=case.completed,
    )
