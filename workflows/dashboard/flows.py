"""Which sequence flows each case took, recorded by the engine step (for the process heatmap).

Neither the case row nor the audit chain says which flow a case took (a gateway's choice is only in the
serialized task tree), so each engine step writes one `case_flow` row per flow it crossed: a task reached
in this step whose parent task is the flow's source. Recorded from migration 0014 on; cases that moved
before it have no rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import held
from ..db import Base, Case, ProcessDefinition, utcnow

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# A task in one of these states has been reached (FUTURE, LIKELY and MAYBE are only predicted).
REACHED = TaskState.WAITING | TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR


class CaseFlow(Base):
    """One sequence flow one case took at one moment (a loop taken twice is two rows)."""

    __tablename__ = "case_flow"
    __table_args__ = (Index("ix_case_flow_definition_taken", "process_definition_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    process_definition_id: Mapped[int] = mapped_column(Integer)
    flow_id: Mapped[str] = mapped_column(String(100))
    taken_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def flows_of_xml(bpmn_xml: str) -> dict[tuple[str, str], str]:
    """(sourceRef, targetRef) → sequence flow id, for every process and subprocess of a BPMN file."""
    root = etree.fromstring(bpmn_xml.encode("utf-8"))
    found: dict[tuple[str, str], str] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        found.setdefault((flow.get("sourceRef"), flow.get("targetRef")), flow.get("id"))
    return found


_FLOWS: dict[tuple[int, str], dict[tuple[str, str], str]] = {}


def flow_map(definition: ProcessDefinition) -> dict[tuple[str, str], str]:
    """The definition's flows, read once per process: a definition never changes, and its XML column is
    deferred, so looking in the cache first spares a query per engine step."""
    key = (definition.id, definition.content_hash)
    found = _FLOWS.get(key)
    if found is None:
        if len(_FLOWS) > 256:
            _FLOWS.clear()
        found = _FLOWS[key] = flows_of_xml(definition.bpmn_xml)
    return found


def _source_of(task, target: str | None) -> str | None:  # noqa: ANN001 (SpiffWorkflow's Task)
    """The element the flow into `task` came from: its parent task, or above it when the parent is one of
    the engine's own specs (a task with boundary events sits under a hidden split of the same id)."""
    parent = task.parent
    for _ in range(3):
        if parent is None:
            return None
        source = getattr(parent.task_spec, "bpmn_id", None)
        if source and source != target:
            return source
        parent = parent.parent
    return None


def record_taken(session: Session, case: Case, workflow: BpmnWorkflow, before: set,
                 tasks: Sequence[Any] | None = None) -> int:
    """Write a `case_flow` row for each flow into a task reached since `before`; returns how many.
    `tasks`: every task of the workflow, when the caller has walked the tree already."""
    flows = None
    rows: list[dict] = []
    now = utcnow()
    reached = workflow.get_tasks(state=REACHED) if tasks is None else [t for t in tasks if t._state & REACHED]
    for task in reached:
        if task.id in before or task.parent is None:
            continue
        target = getattr(task.task_spec, "bpmn_id", None)
        source = _source_of(task, target)
        if not target or not source:
            continue
        if flows is None:
            flows = flow_map(case.definition)
        flow_id = flows.get((source, target))
        if flow_id:
            rows.append({"case_id": case.id, "process_definition_id": case.process_definition_id,
                         "flow_id": flow_id, "taken_at": now})
    # Held with the transaction's other flows and written in one executemany at its flush or commit (a
    # batch of wakes writes its flows once, not once per case): nothing reads them back in the step, and
    # the case row they point to is already written.
    held.hold(session, CaseFlow.__table__, rows)
    return len(rows)
