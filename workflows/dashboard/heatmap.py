"""The process heatmap of one line: on one version of its diagram, how many cases wait at each user
task now and for how long (median, p90), how many finished it in the period, and how many times each
sequence flow was taken in the period (from `case_flow`, see flows.py; past days from the daily
summaries). Only cases of that version count: another version's diagram may have other tasks and flows."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Case, InboxTask, ProcessDefinition, utcnow
from ..errors import NotFound
from ..principal import Principal
from .figures import iso_utc, snapshot_time, split_period, summary_scope
from .filters import Filters, Spread, base_query, grouped_spread, seconds_between, table_scope, visible_cases
from .flows import BPMN_NS, CaseFlow
from .histogram import grouped
from .snapshot import OpenTaskNow
from .summary import FlowDay, TaskDay

# Elements a case waits at (a plain bpmn:task is a human task too, README "Diagrams from other modelers").
WAITING_KINDS = ("userTask", "task", "manualTask")


def versions(session: Session, process_id: str) -> list[int]:
    return list(session.scalars(select(ProcessDefinition.version).where(
        ProcessDefinition.process_id == process_id).order_by(ProcessDefinition.version.desc())))


def definition_of(session: Session, process_id: str, version: int | None = None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    found = session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound("Versi proses tidak ditemukan. (Process version not found.)")
    return found


def elements(bpmn_xml: str) -> dict[str, list[dict[str, str]]]:
    """The diagram's waiting tasks and sequence flows with their names (the table beside the diagram)."""
    root = etree.fromstring(bpmn_xml.encode("utf-8"))
    names = {el.get("id"): el.get("name") or el.get("id") for el in root.iter() if el.get("id")}
    tasks = [{"id": el.get("id"), "nama": names[el.get("id")]}
             for kind in WAITING_KINDS for el in root.iter(f"{{{BPMN_NS}}}{kind}")]
    flows = [{"id": el.get("id"), "nama": el.get("name") or "",
              "dari": names.get(el.get("sourceRef"), el.get("sourceRef")),
              "ke": names.get(el.get("targetRef"), el.get("targetRef"))}
             for el in root.iter(f"{{{BPMN_NS}}}sequenceFlow")]
    return {"tugas": tasks, "alur": flows}


_DIAGRAMS: dict[tuple[int, str], dict[str, list[dict[str, str]]]] = {}


def _elements_of(definition: ProcessDefinition) -> dict[str, list[dict[str, str]]]:
    """`elements` of a stored version, parsed once per process (a version's diagram never changes; its
    content hash is in the key all the same)."""
    key = (definition.id, definition.content_hash)
    if key not in _DIAGRAMS:
        if len(_DIAGRAMS) > 256:
            _DIAGRAMS.clear()
        _DIAGRAMS[key] = elements(definition.bpmn_xml)
    return _DIAGRAMS[key]


def _add(counter: dict[str, int], rows: list) -> None:
    for key, n in rows:
        counter[key] = counter.get(key, 0) + int(n or 0)


def _done_and_taken(session: Session, principal: Principal, definition: ProcessDefinition, filters: Filters,
                    use_summary: bool) -> tuple[dict[str, int], dict[str, int]]:
    """Per user task: done in the period; per flow: times taken in it (past days from the daily summaries)."""
    from_summary, live = split_period(session, principal, filters, use_summary)
    done: dict[str, int] = {}
    taken: dict[str, int] = {}
    if from_summary:
        _add(done, session.execute(
            select(TaskDay.task_name, func.sum(TaskDay.completed))
            .where(*summary_scope(session, principal, from_summary, TaskDay),
                   TaskDay.process_definition_id == definition.id).group_by(TaskDay.task_name)).all())
        _add(taken, session.execute(
            select(FlowDay.flow_id, func.sum(FlowDay.taken))
            .where(*summary_scope(session, principal, from_summary, FlowDay),
                   FlowDay.process_definition_id == definition.id).group_by(FlowDay.flow_id)).all())
    if live:
        scope = [*visible_cases(session, principal, live), Case.process_definition_id == definition.id]
        _add(done, session.execute(
            select(InboxTask.task_name, func.count()).join(Case, Case.id == InboxTask.case_id)
            .where(*scope, InboxTask.state == "completed", live.in_period(InboxTask.completed_at))
            .group_by(InboxTask.task_name)).all())
        _add(taken, session.execute(
            select(CaseFlow.flow_id, func.count()).join(Case, Case.id == CaseFlow.case_id)
            .where(*scope, CaseFlow.process_definition_id == definition.id, live.in_period(CaseFlow.taken_at))
            .group_by(CaseFlow.flow_id)).all())
    return done, taken


def _waiting(session: Session, principal: Principal, definition: ProcessDefinition, filters: Filters,
             use_snapshot: bool) -> dict[tuple, Spread]:
    """Per user task: how many wait now and how long (from the snapshot when there is one, its ages moved on
    to now; else from every open task)."""
    taken = snapshot_time(session, principal, use_snapshot)
    if taken is None:
        scope = [*visible_cases(session, principal, filters), Case.process_definition_id == definition.id]
        joined = InboxTask.__table__.join(Case.__table__, Case.id == InboxTask.case_id)
        return grouped_spread(session, [InboxTask.task_name], seconds_between(session, utcnow(), InboxTask.created_at),
                              base_query(*scope, InboxTask.state == "open", from_=joined))
    rows = session.execute(
        select(OpenTaskNow.task_name, OpenTaskNow.bucket, func.sum(OpenTaskNow.waiting), func.sum(OpenTaskNow.age_sum),
               func.max(OpenTaskNow.age_max))
        .where(*table_scope(session, principal, filters, OpenTaskNow),
               OpenTaskNow.process_definition_id == definition.id)
        .group_by(OpenTaskNow.task_name, OpenTaskNow.bucket)).all()
    since = (utcnow() - taken).total_seconds()
    return {key: buckets.shifted(since).spread() for key, buckets in grouped(rows, 1).items()}


def heatmap(session: Session, principal: Principal, definition: ProcessDefinition, filters: Filters,
            use_summary: bool = True) -> dict[str, Any]:
    """Numbers per task and per flow of one diagram version, over the cases the viewer may see. A flow's number
    is how many times it was taken in the period (a case looping back twice counts twice). `use_summary`
    False: everything from the cases, neither the daily summaries nor the snapshot."""
    waiting = _waiting(session, principal, definition, filters, use_summary)
    done, taken = _done_and_taken(session, principal, definition, filters, use_summary)
    diagram = _elements_of(definition)
    tasks = []
    for task in diagram["tugas"]:
        spread = waiting.get((task["id"],))
        tasks.append({**task, "menunggu": spread.count if spread else 0,
                      "median_jam": spread.median_h if spread else None, "p90_jam": spread.p90_h if spread else None,
                      "selesai": done.get(task["id"], 0)})
    flows = [{**flow, "kasus": taken.get(flow["id"], 0)} for flow in diagram["alur"]]
    return {"proses": definition.process_id, "versi": definition.version, "tugas": tasks, "alur": flows,
            "periode": {"dari": filters.start.isoformat(), "sampai": filters.end.isoformat()},
            "sekarang_per": iso_utc(snapshot_time(session, principal, use_summary))}
