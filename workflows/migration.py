"""Moving running cases from one version of a service package to another, in bulk.

A case keeps the version it started with (its process definition); a designer may move the
running cases of version N to version M. `preview` says, per case, whether it can move and why
not; `migrate` moves every movable case, each in its own transaction (one failing case leaves
the others alone), and keeps the run's summary in `case_migration`.

A case can move when everything it waits on (ready and waiting tasks: user tasks, timers,
messages) exists in the target process with the same element id and kind, each ready user task's
form is a file of the target package and its lane's role is declared there. Completed history is
kept as it is. The workflow is re-pointed at the target spec with SpiffWorkflow's own helpers
(`SpiffWorkflow.bpmn.util.diff`: diff_workflow, migrate_workflow), which re-predict what lies
ahead; ready tasks keep their ids, so their inbox rows (claim, assignee, due time) stay, and
timers keep the moment they were due at.
"""

from __future__ import annotations

import json
import logging
import traceback
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .cases import _meta, _Step, get_case, unit_of_work
from .db import Base, Case, InboxTask, ProcessDefinition, utcnow
from .errors import ConcurrentUpdate, LigatError, NotFound
from .packages import ServicePackage, files_of
from .serialization import _spec_objects, definition_spec, dump_workflow, load_workflow

log = logging.getLogger(__name__)
# One run reads and checks every selected case; beyond this the designer narrows the filter.
MAX_CASES = 1000
WAITING = TaskState.READY | TaskState.WAITING


class CaseMigration(Base):
    """One bulk migration run: who moved which cases of a package from one version to another."""

    __tablename__ = "case_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_code: Mapped[str] = mapped_column(String(60), index=True)
    from_version: Mapped[int] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    filter_json: Mapped[str] = mapped_column(Text, default="{}")
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    selected: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    not_moved: Mapped[int] = mapped_column(Integer, default=0)
    # Per case: {case_id, reference, moved, reasons: [{id, en}]} (case references only, no personal data).
    results_json: Mapped[str] = mapped_column(Text, default="[]")

    @property
    def results(self) -> list[dict[str, Any]]:
        return json.loads(self.results_json or "[]")

    @property
    def filter(self) -> dict[str, Any]:
        return json.loads(self.filter_json or "{}")


# -- what is selected ---------------------------------------------------------------------------
@dataclass
class CaseFilter:
    """Which running cases of the source version to look at; empty fields select everything."""

    status: str | None = None
    task: str | None = None  # element id of an open task the case waits at
    started_from: date | None = None
    started_to: date | None = None  # inclusive
    case_ids: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("started_from", "started_to"):
            out[key] = out[key].isoformat() if out[key] else None
        return {k: v for k, v in out.items() if v not in (None, [], "")}


def parse_filter(raw: dict[str, Any]) -> CaseFilter:
    """A filter from a form or a JSON body. Raises MigrationInvalid naming the bad field."""
    def day(name: str) -> date | None:
        value = (raw.get(name) or "").strip() if isinstance(raw.get(name), str) else raw.get(name)
        if not value:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise MigrationInvalid(f"Tanggal '{name}' harus berbentuk TTTT-BB-HH. "
                                   f"(The date '{name}' must be YYYY-MM-DD.)") from None

    ids: list[int] = []
    refs: list[str] = []
    cases_raw = raw.get("cases") or []
    if isinstance(cases_raw, str):
        cases_raw = cases_raw.replace(",", " ").split()
    if not isinstance(cases_raw, list):
        raise MigrationInvalid("Daftar kasus harus berupa daftar nomor. (The case list must be a list of numbers.)")
    for item in cases_raw:
        text = str(item).strip()
        if text.isdigit():
            ids.append(int(text))
        elif text and len(text) <= 40:
            refs.append(text.upper())
        elif text:
            raise MigrationInvalid("Nomor kasus terlalu panjang. (A case number is too long.)")
    result = CaseFilter(
        status=(str(raw.get("status") or "").strip() or None),
        task=(str(raw.get("task") or "").strip() or None),
        started_from=day("started_from"),
        started_to=day("started_to"),
        case_ids=ids,
        references=refs,
    )
    if result.started_from and result.started_to and result.started_from > result.started_to:
        raise MigrationInvalid("Tanggal awal sesudah tanggal akhir. (The start date is after the end date.)")
    return result


class MigrationInvalid(LigatError):
    """A migration request that cannot be run as asked (bad filter, same version, …)."""


class NothingSelected(MigrationInvalid):
    """A move whose filter (and preview) selects no case."""


# -- versions ---------------------------------------------------------------------------------
def package_version(session: Session, code: str, version: int) -> ServicePackage:
    package = session.scalar(select(ServicePackage).where(ServicePackage.code == code,
                                                          ServicePackage.version == version))
    if package is None:
        raise NotFound(f"Paket '{code}' versi {version} tidak ada. "
                       f"(Package '{code}' version {version} does not exist.)")
    return package


def versions(session: Session, code: str) -> list[ServicePackage]:
    """Every version of a package, oldest first."""
    return list(session.scalars(select(ServicePackage).where(ServicePackage.code == code)
                                .order_by(ServicePackage.version)))


def running_counts(session: Session, code: str) -> dict[int, int]:
    """version → how many of its cases are still running."""
    from sqlalchemy import func

    rows = session.execute(
        select(ServicePackage.version, func.count(Case.id))
        .join(ProcessDefinition, ProcessDefinition.package_id == ServicePackage.id)
        .join(Case, Case.process_definition_id == ProcessDefinition.id)
        .where(ServicePackage.code == code, Case.completed.is_(False))
        .group_by(ServicePackage.version)
    )
    return {version: count for version, count in rows}


def _selected(session: Session, source: ServicePackage, chosen: CaseFilter) -> list[Case]:
    query = (select(Case).join(ProcessDefinition, Case.process_definition_id == ProcessDefinition.id)
             .where(ProcessDefinition.package_id == source.id, Case.completed.is_(False)))
    if chosen.status:
        query = query.where(Case.status == chosen.status)
    if chosen.task:
        query = query.where(Case.id.in_(select(InboxTask.case_id).where(
            InboxTask.state == "open", InboxTask.task_name == chosen.task)))
    if chosen.started_from:
        query = query.where(Case.created_at >= datetime.combine(chosen.started_from, datetime.min.time()))
    if chosen.started_to:
        query = query.where(Case.created_at < datetime.combine(chosen.started_to + timedelta(days=1),
                                                              datetime.min.time()))
    if chosen.case_ids or chosen.references:
        query = query.where(Case.id.in_(chosen.case_ids) | Case.reference.in_(chosen.references))
    cases = list(session.scalars(query.order_by(Case.id).limit(MAX_CASES + 1)))
    if len(cases) > MAX_CASES:
        raise MigrationInvalid(f"Lebih dari {MAX_CASES} kasus terpilih; persempit saringannya. "
                               f"(More than {MAX_CASES} cases selected; narrow the filter.)")
    return cases


# -- can a case move? -------------------------------------------------------------------------
@dataclass
class Reason:
    id: str
    en: str

    def __str__(self) -> str:
        return f"{self.id} ({self.en})"


@dataclass
class CaseCheck:
    """What the preview says about one case."""

    case_id: int
    reference: str
    status: str
    lock_version: int
    waiting_at: list[str]  # element ids of its open tasks
    waiting_titles: list[str]
    reasons: list[Reason] = field(default_factory=list)  # why it cannot move; empty: it can
    notes: list[Reason] = field(default_factory=list)  # what changes for it when it moves

    @property
    def movable(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "reference": self.reference, "status": self.status,
                "lock_version": self.lock_version, "waiting_at": self.waiting_at,
                "waiting_titles": self.waiting_titles, "movable": self.movable,
                "reasons": [asdict(r) for r in self.reasons], "notes": [asdict(n) for n in self.notes]}


@dataclass
class Preview:
    code: str
    from_version: int
    to_version: int
    checks: list[CaseCheck]

    @property
    def movable(self) -> list[CaseCheck]:
        return [c for c in self.checks if c.movable]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "from_version": self.from_version, "to_version": self.to_version,
                "selected": len(self.checks), "movable": len(self.movable),
                "cases": [c.as_dict() for c in self.checks]}


def _element(spec: Any) -> str:
    return getattr(spec, "bpmn_id", None) or spec.name


def _label(spec: Any) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"{_element(spec)} ({name})" if name else _element(spec)


def _event_kind(spec: Any) -> str | None:
    definition = getattr(spec, "event_definition", None)
    return type(definition).__name__ if definition is not None else None


def _message_names(spec: Any) -> set[str]:
    definition = getattr(spec, "event_definition", None)
    items = [definition, *(getattr(definition, "event_definitions", None) or [])]
    return {d.name for d in items if isinstance(d, MessageEventDefinition) and d.name}


@dataclass
class _Plan:
    """A case's workflow diffed against the target: enough to check it and then to move it."""

    workflow: BpmnWorkflow
    target: ProcessDefinition
    top_diff: Any
    sub_diffs: dict
    new_spec: Any
    new_subs: dict


def _target_definition(session: Session, case: Case, target: ServicePackage) -> ProcessDefinition | None:
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.package_id == target.id,
                                                          ProcessDefinition.process_id == case.process_id))


def _plan(session: Session, case: Case, target: ServicePackage) -> tuple[_Plan | None, list[Reason]]:
    definition = _target_definition(session, case, target)
    if definition is None:
        return None, [Reason(f"proses '{case.process_id}' tidak ada di versi {target.version}",
                             f"process '{case.process_id}' is not in version {target.version}")]
    old_json, new_json = definition_spec(case.definition), definition_spec(definition)
    serializer, _, _ = _spec_objects(old_json)
    new_serializer, new_spec, new_subs = _spec_objects(new_json)
    if new_serializer is not serializer:
        return None, [Reason("dialek BPMN versi tujuan berbeda (Spiff/Camunda)",
                             "the target version's BPMN dialect differs (Spiff/Camunda)")]
    workflow = load_workflow(case.serialized, old_json)
    top_diff, sub_diffs = diff_workflow(serializer.registry, workflow, new_spec, new_subs)
    return _Plan(workflow, definition, top_diff, sub_diffs, new_spec, new_subs), []


def _check_waits(plan: _Plan, target: ServicePackage, case: Case,
                 session: Session) -> tuple[list[Reason], list[Reason]]:
    reasons: list[Reason] = []
    notes: list[Reason] = []
    version = target.version
    meta = _meta(plan.target).get("tasks", {})
    roles = set(target.descriptor.roles)
    forms = files_of(target)
    groups = [(plan.workflow, plan.top_diff)]
    for sp_id, sub in plan.workflow.subprocesses.items():
        diff = plan.sub_diffs.get(sp_id)
        if diff is None:
            reasons.append(Reason(f"subproses '{sub.spec.name}' tidak ada di versi {version}",
                                  f"subprocess '{sub.spec.name}' is not in version {version}"))
            continue
        groups.append((sub, diff))
    rows = {r.task_uuid: r for r in session.scalars(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))}
    for workflow, diff in groups:
        for task in workflow.get_tasks(state=WAITING, skip_subprocesses=True):
            old = task.task_spec
            new = diff.alignment.get(task)
            where = _label(old)
            if new is None or new.name != old.name:
                reasons.append(Reason(f"{where} tidak ada di versi {version}", f"{where} is not in version {version}"))
                continue
            if type(new).__name__ != type(old).__name__ or _event_kind(new) != _event_kind(old):
                kind_old = _event_kind(old) or type(old).__name__
                kind_new = _event_kind(new) or type(new).__name__
                reasons.append(Reason(f"{where} berubah jenis dari {kind_old} menjadi {kind_new} di versi {version}",
                                      f"{where} changes kind from {kind_old} to {kind_new} in version {version}"))
                continue
            if _message_names(old) != _message_names(new):
                reasons.append(Reason(f"{where} menunggu pesan lain di versi {version}",
                                      f"{where} waits for another message in version {version}"))
            if not (task.state == TaskState.READY and old.manual):
                continue
            info = meta.get(_element(new), {})
            form = info.get("form")
            if form and forms.get("forms", form) is None:
                reasons.append(Reason(f"formulir '{form}' untuk {where} tidak ada di versi {version}",
                                      f"form '{form}' of {where} is not in version {version}"))
            role = info.get("role") or new.lane
            if not role or role not in roles:
                reasons.append(Reason(f"peran '{role or '-'}' untuk {where} tidak dinyatakan di versi {version}",
                                      f"role '{role or '-'}' of {where} is not declared in version {version}"))
                continue
            row = rows.get(str(task.id))
            if row is not None and row.role != role:
                notes.append(Reason(f"{where} pindah ke peran '{role}'; pengambilan tugas dilepas",
                                    f"{where} moves to role '{role}'; its claim is released"))
    return reasons, notes


def _check(session: Session, case: Case, target: ServicePackage) -> tuple[CaseCheck, _Plan | None]:
    rows = sorted(session.scalars(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open")),
                  key=lambda r: r.task_name)
    check = CaseCheck(case.id, case.reference, case.status, case.lock_version, [r.task_name for r in rows],
                      [r.title for r in rows])
    if case.completed:
        check.reasons.append(Reason("kasus sudah selesai", "the case is closed"))
        return check, None
    plan, reasons = _plan(session, case, target)
    check.reasons.extend(reasons)
    if plan is not None:
        reasons, notes = _check_waits(plan, target, case, session)
        check.reasons.extend(reasons)
        check.notes.extend(notes)
        timers = [t for t in plan.workflow.get_tasks(state=TaskState.WAITING)
                  if "event_value" in t.internal_data]
        if timers:
            check.notes.append(Reason("pewaktu tetap jatuh tempo pada saat yang sama",
                                      "timers stay due at the same moment"))
    return check, plan


def _versions(session: Session, code: str, from_version: int, to_version: int) -> tuple[ServicePackage, ServicePackage]:
    source = package_version(session, code, from_version)
    target = package_version(session, code, to_version)
    if from_version == to_version:
        raise MigrationInvalid("Versi asal dan tujuan sama. (The source and target versions are the same.)")
    return source, target


def preview(session: Session, code: str, from_version: int, to_version: int, chosen: CaseFilter) -> Preview:
    """Which selected cases of `from_version` can move to `to_version`, and why not. Changes nothing."""
    source, target = _versions(session, code, from_version, to_version)
    checks = [_check(session, case, target)[0] for case in _selected(session, source, chosen)]
    return Preview(code, from_version, to_version, checks)


# -- moving -----------------------------------------------------------------------------------
class _MigrationStep(_Step):
    """An engine step on a workflow re-pointed at the target version: its inbox rows already exist."""

    def __init__(self, session: Session, case: Case, actor: str, workflow: BpmnWorkflow):
        super().__init__(session, case, actor, workflow)
        self.new_case = False


def _move(plan: _Plan) -> None:
    """Re-point the workflow at the target spec (SpiffWorkflow's migrate_workflow), keeping what the
    reset of ready and waiting tasks would lose: their data and their timers' moments."""
    workflow = plan.workflow
    kept = {task.id: (deepcopy(task.data), deepcopy(task.internal_data))
            for task in workflow.get_tasks(state=WAITING)}
    migrate_workflow(plan.top_diff, workflow, plan.new_spec)
    _repredict_after_started(workflow)
    for sp_id, sub in workflow.subprocesses.items():
        migrate_workflow(plan.sub_diffs[sp_id], sub, plan.new_subs[sub.spec.name])
        _repredict_after_started(sub)
    workflow.subprocess_specs = plan.new_subs
    for task in workflow.get_tasks():
        if task.id in kept and task.has_state(WAITING):
            task.data, task.internal_data = kept[task.id]


def _repredict_after_started(workflow: Any) -> None:
    """migrate_workflow re-predicts what follows ready and waiting tasks only. What follows a running
    (STARTED) subprocess would still be the source version's path, so it is predicted again from the
    target's outputs; the subprocess itself, with its own state, is not touched."""
    for task in workflow.get_tasks(state=TaskState.STARTED, skip_subprocesses=True):
        task._drop_children()  # only unfinished ones: the path ahead, never history
        task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
        for child in task.children:
            child.task_spec._predict(child, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)


def _rebuild_inbox(step: _Step) -> None:
    """Open rows of tasks that stay ready take the target's title, role and form; claim, assignee and
    due time stay (the claim and assignee are released when the role changes)."""
    meta = step.meta.get("tasks", {})
    ready = {str(t.id): t for t in step.workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = step.session.scalars(select(InboxTask).where(InboxTask.case_id == step.case.id,
                                                        InboxTask.state == "open"))
    for row in rows:
        task = ready.get(row.task_uuid)
        if task is None:
            continue  # sync_inbox cancels it
        info = meta.get(task.task_spec.bpmn_id, {})
        role = info.get("role") or task.task_spec.lane or ""
        if role != row.role:
            row.claimed_by = row.claimed_at = row.assignee = None
        row.role = role
        row.title = info.get("title") or task.task_spec.bpmn_name or task.task_spec.bpmn_id
        row.form, row.ui_form = info.get("form"), info.get("ui_form")


@dataclass
class Outcome:
    case_id: int
    reference: str
    moved: bool
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "reference": self.reference, "moved": self.moved,
                "reasons": [asdict(r) for r in self.reasons]}


FAILED = Reason("kasus tidak dapat dipindahkan karena galat internal; tidak ada yang diubah, lihat log server",
                "the case could not be moved because of an internal error; nothing was changed, see the server log")
CHANGED = Reason("kasus berubah sejak pratinjau atau selama pemindahan (pemeriksaan versi); pratinjau lagi",
                 "the case changed since the preview or during the move (version check); preview again")


@unit_of_work
def migrate_case(session: Session, case_id: int, target_id: int, actor: str, run_id: int,
                 expected_lock_version: int | None = None) -> Outcome:
    """Move one case to the target package version in one transaction: the workflow re-pointed and
    saved, its inbox rows rebuilt and the audit event `case_migrated` in its chain. A case that
    cannot move is left as it was; a concurrent change raises ConcurrentUpdate."""
    case = get_case(session, case_id)
    target = session.get(ServicePackage, target_id)
    if expected_lock_version is not None and case.lock_version != expected_lock_version:
        return Outcome(case.id, case.reference, False, [CHANGED])
    check, plan = _check(session, case, target)
    if not check.movable or plan is None:
        return Outcome(case.id, case.reference, False, check.reasons)
    source = case.definition
    _move(plan)
    # Saved and read back against the target spec before anything is written: a state the target
    # cannot load is refused here, not found by the next officer.
    load_workflow(dump_workflow(plan.workflow, definition_spec(plan.target)), definition_spec(plan.target))
    case.definition = plan.target
    step = _MigrationStep(session, case, actor, plan.workflow)
    audit.append(session, case.id, actor, "case_migrated", {
        "migrasi": run_id, "paket": target.code, "dari_versi": source_package_version(session, source),
        "ke_versi": target.version, "proses": plan.target.process_id,
        "definisi_dari": source.version, "definisi_ke": plan.target.version,
    })
    _rebuild_inbox(step)
    step.advance()
    return Outcome(case.id, case.reference, True)


def source_package_version(session: Session, definition: ProcessDefinition) -> int | None:
    package = session.get(ServicePackage, definition.package_id) if definition.package_id else None
    return package.version if package else None


def migrate(session: Session, code: str, from_version: int, to_version: int, chosen: CaseFilter, actor: str,
            expected: dict[int, int] | None = None) -> CaseMigration:
    """Move every selected case of `from_version` that can move to `to_version`, each in its own
    transaction, and keep the run's summary. `expected` (case id → lock version seen in the preview)
    refuses a case that changed since: the designer moves what they saw."""
    source, target = _versions(session, code, from_version, to_version)
    selected = [(case.id, case.reference) for case in _selected(session, source, chosen)]
    gone: list[tuple[int, str]] = []
    if expected is not None:
        selected = [(cid, ref) for cid, ref in selected if cid in expected]
        gone = _gone_since_preview(session, code, set(expected) - {cid for cid, _ in selected})
    if not selected and not gone:
        raise NothingSelected("Tidak ada kasus terpilih untuk dipindahkan. (No cases are selected to move.)")
    run = CaseMigration(package_code=code, from_version=from_version, to_version=to_version,
                        filter_json=json.dumps(chosen.as_dict(), ensure_ascii=False), actor=actor,
                        selected=len(selected) + len(gone))
    session.add(run)
    session.commit()
    target_id = target.id
    outcomes = [Outcome(case_id, reference, False, [CHANGED]) for case_id, reference in gone]
    for case_id, reference in selected:
        try:
            outcome = migrate_case(session, case_id, target_id, actor, run.id,
                                   (expected or {}).get(case_id))
        except ConcurrentUpdate:
            outcome = Outcome(case_id, reference, False, [CHANGED])
        except LigatError as exc:
            message = str(exc)
            outcome = Outcome(case_id, reference, False, [Reason(message, message)])
        except Exception as exc:  # one broken case must not stop the run; it is reported, not moved
            # Type and place only: an engine error's text may quote process data.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            log.error("migrasi kasus %s gagal: %s di %s:%s", case_id, type(exc).__name__, where.filename, where.lineno)
            outcome = Outcome(case_id, reference, False, [FAILED])
        outcomes.append(outcome)
    run = session.get(CaseMigration, run.id)
    run.moved = sum(o.moved for o in outcomes)
    run.not_moved = len(outcomes) - run.moved
    run.results_json = json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False)
    run.finished_at = utcnow()
    session.commit()
    return run


def _gone_since_preview(session: Session, code: str, case_ids: set[int]) -> list[tuple[int, str]]:
    """Previewed cases of this package that the filter no longer selects (closed, moved on, migrated
    by someone else): reported as changed, never moved. Ids of other packages' cases are ignored."""
    if not case_ids:
        return []
    rows = session.execute(
        select(Case.id, Case.reference).join(ProcessDefinition, Case.process_definition_id == ProcessDefinition.id)
        .join(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(Case.id.in_(case_ids), ServicePackage.code == code).order_by(Case.id)
    )
    return [(case_id, reference) for case_id, reference in rows]


def runs(session: Session, code: str, limit: int = 50) -> list[CaseMigration]:
    """The package's past migrations, newest first."""
    return list(session.scalars(select(CaseMigration).where(CaseMigration.package_code == code)
                                .order_by(CaseMigration.id.desc()).limit(limit)))


def run_of(session: Session, code: str, run_id: int) -> CaseMigration:
    run = session.get(CaseMigration, run_id)
    if run is None or run.package_code != code:
        raise NotFound("Migrasi tidak ditemukan. (Migration not found.)")
    return run
