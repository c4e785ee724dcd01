"""The citizens' verdict on the dashboard: the satisfaction index (IKM, workflows/satisfaction.py) for
the period, overall and per line, and the complaint completion ratio (closed / received), the two
figures the regional innovation index asks an office for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import satisfaction
from ..db import Case
from ..packages import latest_packages
from ..principal import Principal
from ..visibility import case_scope
from .filters import Filters

COMPLAINT_PROCESS = "pengaduan"


@dataclass(frozen=True)
class Verdict:
    overall: satisfaction.Index
    by_line: dict[str, satisfaction.Index]
    complaints_received: int
    complaints_closed: int

    @property
    def completion_ratio(self) -> float | None:
        if not self.complaints_received:
            return None
        return round(100 * self.complaints_closed / self.complaints_received, 1)


def verdict(session: Session, principal: Principal, filters: Filters) -> Verdict:
    """Answers given in the period (office dates); the line filter narrows the index to that line.
    The index is an aggregate of anonymous answers, shown to every dashboard viewer; the complaint
    ratio counts only complaints the viewer may see."""
    start, end = filters.bounds
    code_of = {p.descriptor.process: p.code for p in latest_packages(session)}
    line = code_of.get(filters.process_id) if filters.process_id else None
    overall = satisfaction.index(session, line, start, end)  # bounds are [start, end)
    by_line = satisfaction.index_by_line(session, start, end)
    if line:
        by_line = {k: v for k, v in by_line.items() if k == line}
    base = (select(func.count()).select_from(Case)
            .where(Case.process_id == COMPLAINT_PROCESS, Case.created_at >= start, Case.created_at < end,
                   case_scope(session, principal), *filters.case_conditions()))
    received = session.scalar(base) or 0
    closed = session.scalar(base.where(Case.completed.is_(True))) or 0
    return Verdict(overall, by_line, received, closed)
