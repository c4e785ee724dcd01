"""Engine steps on cases: start, claim, complete, wake.

Every public function here is one use case and one transaction: the workflow's
new state, its inbox rows, its audit events and its outbox messages are
committed together, or (on any error) not at all.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid5

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, load_only
from sqlalchemy.orm.exc import StaleDataError

import forms

from . import audit, documents, held, notifications, satisfaction
from .dashboard import flows
from .db import AuditChain, Case, InboxCandidate, InboxTask, MessageWait, ProcessDefinition, own_session, utcnow
from .deployment import attach_definition, latest_for_new_case
from .durations import add_duration, naive_utc, office_calendar, parse_duration, resume_due
from .errors import (
    ConcurrentUpdate,
    Forbidden,
    FormInvalid,
    LigatError,
    NotFound,
    ProcessError,
    TaskUnavailable,
)
from .kept_rows import commit_keeping
from .packages import Descriptor, ServicePackage, form_of, package_of_case
from .parsing import assignment_expression
from .principal import Principal
from .row_writes import hold_new, new_object, write_changes, write_new
from .scripting import CaseScriptEngine, ScriptContext
from .serialization import definition_spec, dump_workflow, load_workflow, new_workflow, read_workflow
from .visibility import can_view_case, can_work_task

log = logging.getLogger(__name__)
T = TypeVar("T")
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class Upload:
    """A file a case starts with, already checked by content (documents.check_upload)."""

    kind: str  # form field / process variable name
    filename: str
    data: bytes = b""
    # A file already stored on an earlier, refused try of the same form (a document with no case yet).
    document_id: int | None = None
    # The result of that check (cleaned bytes, type), so the file is not decoded and re-encoded again.
    checked: documents.CheckedFile | None = None


@dataclass
class Reporter:
    name: str | None = None
    phone: str | None = None
    anonymous: bool = False


@dataclass
class EngineSettings:
    """Set once by the application (config): how notifications are sent."""

    notify_channel: str = "log"


SETTINGS = EngineSettings()


def _tracking_code() -> str:
    # One read of the system's random source, not eight secrets.choice (each a randbelow loop): with 32 letters,
    # a byte's low five bits pick one uniformly, as choice does.
    return "".join(TRACKING_ALPHABET[b & 31] for b in secrets.token_bytes(8))


@functools.lru_cache(maxsize=256)
def _parsed_meta(process_id: str, content_hash: str, meta_json: str) -> dict[str, Any]:
    return json.loads(meta_json)


def _meta(definition: ProcessDefinition) -> dict[str, Any]:
    """Task metadata of a definition (parsed once per process; treat as read-only)."""
    return _parsed_meta(definition.process_id, definition.content_hash, definition.meta_json)


def is_timer_event(event_type: str) -> bool:
    """Spiff's timer kinds: TimeDate (a moment), DurationTimer and CycleTimer (a cycle's value is the next
    moment, or a dict once its cycles are spent)."""
    return event_type in ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")


@dataclass(frozen=True)
class PendingTimer:
    name: str
    value: Any  # the ISO moment it fires at; a spent cycle's value is a dict
    kind: str

    @property
    def due_at(self) -> datetime | None:
        """Naive UTC, like every stored time; None when there is no moment (a spent cycle)."""
        if not isinstance(self.value, str) or not self.value:
            return None
        try:
            return naive_utc(self.value)
        except ValueError:
            return None


def _in_state(workflow: BpmnWorkflow, state: TaskState, tasks: Sequence[Any] | None) -> list[Any]:
    """The workflow's tasks in a state: from a list of all its tasks the caller already holds (one walk of the
    task tree per step instead of one per question), or by walking the tree."""
    if tasks is None:
        return workflow.get_tasks(state=state)
    return [t for t in tasks if t._state & state]  # Task.has_state, without a call per task


def pending_timers(workflow: BpmnWorkflow, tasks: Sequence[Any] | None = None) -> list[PendingTimer]:
    """Every timer the workflow waits on. An event-based gateway waits on several events at once:
    Spiff reports it as one `MultipleEventDefinition` without a value, and keeps its timer's moment
    in the gateway task's `event_value`."""
    timers = [PendingTimer(e.name or "Timer", e.value, e.event_type)
              for e in workflow.waiting_events() if is_timer_event(e.event_type)]
    for task in _in_state(workflow, TaskState.WAITING, tasks):
        definition = getattr(task.task_spec, "event_definition", None)
        inner = [type(d).__name__ for d in getattr(definition, "event_definitions", None) or []]
        if type(definition).__name__ == "MultipleEventDefinition":
            timer = next((kind for kind in inner if is_timer_event(kind)), None)
            if timer:
                name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
                timers.append(PendingTimer(name, task.internal_data.get("event_value"), timer))
    return timers


HELD = "ligat_held_packages"  # session.info key: package rows kept referenced for the session's life


def _held_package(session: Session, case: Case) -> ServicePackage:
    """The case's package, kept referenced by the session: the session forgets rows nothing refers to, and
    a batch of steps (the scheduler's wakes) would read the same package again for every case. Found among the
    held ones first: a batch's wakes ask for the same package a hundred times, and session.get costs more."""
    package = session.info.get(HELD, {}).get(case.definition.package_id)
    if package is not None and package in session:
        return package
    return _hold(session, package_of_case(session, case))


def _hold(session: Session, package: ServicePackage) -> ServicePackage:
    session.info.setdefault(HELD, {})[package.id] = package
    return package


class _Step:
    """One engine step on one case: run, apply script effects, project, save."""

    def __init__(self, session: Session, case: Case, actor: str, workflow: BpmnWorkflow | None = None,
                 package: ServicePackage | None = None, open_rows: list[InboxTask] | None = None):
        self.session = session
        self.case = case
        self.actor = actor
        # The case's open inbox rows when the caller read them already (complete_task), else read in sync_inbox.
        self.open_rows = open_rows
        self.definition = case.definition
        # Held for the whole step: the session keeps loaded rows only while something refers to them.
        self._package = package
        self.meta = _meta(self.definition)
        self.spec_json = definition_spec(self.definition)
        self.ctx = ScriptContext(session=session, case=case, actor=actor)
        # A workflow handed in is a new case: it has no inbox rows yet.
        self.new_case = workflow is not None
        self.workflow = workflow or load_workflow(case.serialized, self.spec_json)
        self.workflow.script_engine = CaseScriptEngine(self.ctx)
        # One step, one status message: the reporter hears of where the step ended, not of every stop.
        self.status_before = (case.status, case.status_note or None)
        before = [] if self.new_case else self.workflow.get_tasks()
        self.before = before  # every task as loaded: a caller asking of them before the engine runs needs no walk
        self.waited = bool(waiting_messages(self.workflow, before)) if before else False
        # What was reached before this step: the flows crossed now are recorded for the heatmap.
        self.reached_before = {t.id for t in before if t._state & flows.REACHED}
        self.tasks: list[Any] = []  # every task once the engine has run (advance): read by the projections
        self.ready: list[Any] = []  # of those, the human tasks ready to work on

    @property
    def package(self) -> ServicePackage:
        if self._package is None:
            self._package = _held_package(self.session, self.case)
        return self._package

    # -- effects of scripts and task properties -------------------------------
    def change_status(self, status: str, note: str | None = None, keep_note: bool = False) -> None:
        """keep_note: a task's `caseStatus` naming the status a script just set keeps the script's note
        (it is the same change, not a second one)."""
        case = self.case
        if status == case.status and (keep_note or (note or None) == (case.status_note or None)):
            return
        case.status, case.status_note = status, note
        audit.append(self.session, case.id, self.actor, "status_changed", {"status": status, "catatan": note})

    def notify_status(self) -> None:
        """The one message of this step's status change (none when the step ended where it began)."""
        case = self.case
        if self.new_case or (case.status, case.status_note or None) == self.status_before:
            return
        message = f"LIGAT: {case.reference} kini berstatus {case.status}."
        if case.status_note:
            message += f" {case.status_note}"
        self.notify_reporter(message, kind="status", payload={"status": {
            "reference": case.reference, "status": case.status, "note": case.status_note or ""}})
        self.status_before = (case.status, case.status_note or None)

    def notify_reporter(self, message: str, kind: str = "text", payload: dict[str, Any] | None = None) -> None:
        case = self.case
        recipient = None if case.anonymous else case.reporter_phone
        recipient = recipient or (notifications.relay_of(self.session, case.id) if not self.new_case else None)
        if not recipient:
            return
        notifications.queue_written(self.session, case.id, recipient, message, SETTINGS.notify_channel,
                                    kind=kind, payload=payload)

    def apply_effects(self) -> None:
        for effect in self.ctx.effects:
            if effect.kind == "status":
                self.change_status(effect.args["status"], effect.args.get("note"))
            elif effect.kind == "notify_reporter":
                self.notify_reporter(effect.args["message"])
            elif effect.kind == "notify":
                notifications.queue_written(
                    self.session, self.case.id, effect.args["recipient"], effect.args["message"],
                    SETTINGS.notify_channel,
                )
            elif effect.kind == "escalated":
                self.case.escalated = True
                audit.append(self.session, self.case.id, self.actor, "escalated", {"alasan": effect.args["reason"]})
            else:
                audit.append(self.session, self.case.id, self.actor, effect.kind, effect.args)
        self.ctx.effects.clear()

    # -- projection ----------------------------------------------------------
    def task_info(self, task: Any) -> dict[str, Any]:
        """A task's metadata. A task of another package's called process is keyed `process:task` (ids repeat
        across packages): looked up through the (sub)workflows it runs in, innermost first."""
        tasks = self.meta.get("tasks", {})
        workflow = task.workflow
        while workflow is not None and workflow is not self.workflow:
            found = tasks.get(f"{workflow.spec.name}:{task.task_spec.bpmn_id}")
            if found is not None:
                return found
            workflow = getattr(workflow, "parent_workflow", None)
        return tasks.get(task.task_spec.bpmn_id, {})

    def people(self, task: Any, written: str) -> list[str]:
        """The usernames a diagram names: as written, or `${…}` evaluated on the task's data (a variable
        such as `${initiator}`, or a Python expression) giving a name or a list of names."""
        expression = assignment_expression(written)
        if expression is None:
            return [written.strip()] if written.strip() else []
        value = self.workflow.script_engine.evaluate(task, expression)
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, (list, tuple, set)):
            return []
        return [str(v).strip() for v in value if v is not None and str(v).strip()]

    def sync_inbox(self) -> None:
        case = self.case
        ready = {str(t.id): t for t in self.ready}
        open_rows = [] if self.new_case else self.open_rows if self.open_rows is not None else self.session.scalars(
            select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open")
        ).all()
        known = set()
        for row in open_rows:
            if row.state != "open":  # completed in this step, not flushed yet (no autoflush here)
                continue
            if row.task_uuid in ready:
                known.add(row.task_uuid)
            else:
                row.state = "cancelled"
                audit.append(self.session, case.id, self.actor, "task_cancelled", {}, row.task_name, row.title)
        for uuid, task in ready.items():
            if uuid in known:
                continue
            info = self.task_info(task)
            bidang = case.bidang
            if info.get("bidang_variable"):
                bidang = task.data.get(info["bidang_variable"]) or bidang
                case.bidang = bidang
            assignee = None
            if info.get("assignee_variable"):
                # One named person (who must still hold the lane's role), e.g. the officer who submitted.
                assignee = task.data.get(info["assignee_variable"]) or None
            users = [name for written in info.get("candidate_users") or [] for name in self.people(task, written)]
            named = self.people(task, info["assignee"]) if info.get("assignee") else []
            if named:
                assignee = named[0]
                users.append(assignee)  # the diagram's assignee needs no role, like a candidate user
            role = info.get("role") or task.task_spec.lane or ""
            if not role and not users:
                where = task.task_spec.bpmn_id + (f" ({task.task_spec.bpmn_name})" if task.task_spec.bpmn_name else "")
                raise ProcessError(
                    f"Tugas {where} tidak punya siapa pun yang dapat mengerjakannya: penerima tugas dan "
                    f"calon pengguna kosong. Tidak ada yang disimpan; hubungi perancang proses. "
                    f"(Task {where} has nobody to work on it: its assignee and candidate users are empty.)")
            due_at = None
            if info.get("due_in"):
                duration = self.workflow.script_engine.evaluate(task, info["due_in"])
                due_at = add_duration(utcnow(), duration)  # ISO or "N hari kerja"
            row = {
                "case_id": case.id,
                "task_uuid": uuid,
                "task_name": task.task_spec.bpmn_id,
                "title": info.get("title") or task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                "role": role,
                "form": info.get("form"),
                "ui_form": info.get("ui_form"),
                "region_code": case.region_code,
                "bidang": bidang,
                "category": case.category,
                "priority": case.priority,
                "assignee": assignee,
                "due_at": due_at,
            }
            roles = [r for r in info.get("candidate_roles") or [] if r != role]
            users = list(dict.fromkeys(users))
            _insert_inbox_row(self.session, row, [{"role": r, "username": None} for r in roles]
                              + [{"role": None, "username": u} for u in users])
            audit.append(
                self.session, case.id, self.actor, "task_created",
                {"peran": role, "bidang": bidang, "tenggat": due_at.isoformat() if due_at else None}
                | ({"untuk": assignee} if assignee else {})
                | ({"peran_lain": roles} if roles else {}) | ({"calon": users} if users else {}),
                row["task_name"], row["title"],
            )
            if info.get("case_status"):
                self.change_status(info["case_status"], keep_note=True)

    def sla_clock(self) -> None:
        """Stop the case's SLA clock while it waits on the citizen (an open task in a lane whose role
        has scope `citizen`), and move its due time later by the paused time when it runs again."""
        case = self.case
        package = self.package
        citizen = {r.name for r in package.descriptor.roles.values() if r.is_citizen}
        ready_roles = {
            (self.task_info(t).get("role") or t.task_spec.lane)
            for t in self.ready
        }
        waiting = bool(citizen & ready_roles) and not self.workflow.completed
        now = utcnow()
        if waiting and case.sla_paused_at is None:
            case.sla_paused_at = now
            audit.append(self.session, case.id, self.actor, "sla_paused", {"tenggat": _iso(case.sla_due_at)})
        elif not waiting and case.sla_paused_at is not None:
            if case.sla_due_at is not None:
                sla = package.descriptor.catalogue.get("sla")
                calendar = office_calendar() if sla and parse_duration(sla).in_working_days else None
                case.sla_due_at = resume_due(case.sla_due_at, case.sla_paused_at, now, calendar)
            case.sla_paused_at = None
            audit.append(self.session, case.id, self.actor, "sla_resumed", {"tenggat": _iso(case.sla_due_at)})

    def sync_message_waits(self) -> None:
        """Project the messages the case waits for, with their correlation values (only when it waited for
        one before or does now: most steps touch nothing here)."""
        waits = [] if self.workflow.completed else [
            (name, prop, value)
            for name, waiting in waiting_messages(self.workflow, self.tasks).items()
            for prop, value in (correlation_values(self.workflow, waiting) or {None: None}).items()]
        if not waits and not self.waited:
            return
        if not self.new_case:
            self.session.execute(delete(MessageWait).where(MessageWait.case_id == self.case.id))
        self.session.add_all(MessageWait(case_id=self.case.id, message=name, prop=prop, value=value)
                             for name, prop, value in waits)

    def advance(self, notify: bool = True) -> None:
        """Run engine steps to the next wait state and write everything down. `notify=False`: the
        caller changes the status after and sends the step's one message itself (notify_status)."""
        self.workflow.do_engine_steps()
        # One walk of the task tree for everything below (the workflow does not change until it is saved).
        self.tasks = self.workflow.get_tasks()
        self.ready = [t for t in self.tasks if t._state == TaskState.READY and t.task_spec.manual]
        flows.record_taken(self.session, self.case, self.workflow, self.reached_before, self.tasks)
        self.apply_effects()
        # The scripts have run: what follows only projects the step, and its reads (open rows, the package,
        # relays) need none of the step's writes, so the rows go out together at commit instead of in a
        # flush before each read.
        with self.session.no_autoflush:
            self.sync_inbox()
            self.sync_message_waits()
            self.sla_clock()
            if notify:
                self.notify_status()
        case = self.case
        due = [timer.due_at for timer in pending_timers(self.workflow, self.tasks) if timer.due_at is not None]
        case.next_timer_at = min(due) if due else None
        if self.workflow.completed and not case.completed:
            case.completed = True
            case.closed_at = utcnow()
            audit.append(self.session, case.id, self.actor, "case_completed", {"status": case.status})
            # The citizen's survey invitation is made with the closing: the tracking page only reads it.
            satisfaction.invite_on_close(self.session, case.id)
        case.serialized = dump_workflow(self.workflow, self.spec_json)
        case.updated_at = utcnow()

    def save(self, *rows: InboxTask) -> None:
        """Write the case row and the given inbox rows now, one Core UPDATE each (the case's version checked),
        instead of in the unit of work at commit (a new case held by `hold_new`: its one INSERT). Not for the
        timers' batch: it writes its cases in one flush."""
        write_new(self.session)
        write_changes(self.session, self.case)
        for row in [*rows, *(self.open_rows or ())]:
            write_changes(self.session, row)

    def release(self) -> None:
        """Let the case go with the step. SpiffWorkflow's workflow and its tasks refer to each other, and so does
        each expression's namespace with its `variable` function: they live until Python's cyclic collector runs,
        and through the script engine and the script functions' context they held the case, so the session's
        identity map kept it: a long session (a batch, the benchmark's) expired every such case again at each
        commit. For a step whose workflow and scripts are not used after it."""
        self.workflow.script_engine = None
        self.ctx.case = self.ctx.session = None


@functools.cache
def _inbox_insert_returning_id() -> Any:
    return InboxTask.__table__.insert().returning(InboxTask.__table__.c.id)  # built once, as held.insert_of


def _insert_inbox_row(session: Session, row: dict[str, Any], candidates: list[dict[str, Any]]) -> None:
    """A new inbox row and its candidates with Core on the step's connection (nothing in the step reads them
    back as objects; the ORM's unit of work cost more CPU than the rows). The case row is written already.
    A row without candidates needs no id back: it is held and written with the transaction's other held
    rows (one executemany for a batch of wakes)."""
    if not candidates:
        held.hold(session, InboxTask.__table__, [row])
        return
    write_new(session)  # a new case first: the row references it
    conn = session.connection()
    task_id = conn.execute(_inbox_insert_returning_id(), row).scalar_one()
    conn.execute(held.insert_of(InboxCandidate.__table__),
                 [{"inbox_task_id": task_id, "case_id": row["case_id"], **c} for c in candidates])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _is_conflict(exc: Exception) -> bool:
    if isinstance(exc, (StaleDataError, IntegrityError)):
        return True
    # SQLite refuses a second writer with "database is locked": the same race, lost.
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def _process_error(exc: SpiffWorkflowException) -> LigatError:
    """Unwrap an engine error: a LigatError raised by a script function keeps its own message."""
    inner: BaseException | None = exc
    while inner is not None:
        if isinstance(inner, LigatError):
            return inner
        inner = inner.__cause__ or inner.__context__
    log.error("langkah proses gagal: %s", exc)  # message only: task data may hold personal data
    spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "(elemen tidak diketahui/unknown)"
    name = getattr(spec, "bpmn_name", None)
    where = f"{element_id} ({name})" if name else element_id  # the id always: a designer finds it in the diagram
    missing = _missing_variable(exc)
    unset = (f" Variabel '{missing}' belum diisi.", f" Variable '{missing}' is not set.") if missing else ("", "")
    return ProcessError(
        f"Langkah proses gagal di {where}: {exc}.{unset[0]} Tidak ada yang disimpan; hubungi perancang proses. "
        f"(A process step failed at {where}.{unset[1]} Nothing was saved.)",
        element_id=None if spec is None else element_id, reason=str(exc),
    )


def _missing_variable(exc: BaseException) -> str | None:
    """The variable a condition or script read before anything set it (a NameError inside the engine's error)."""
    inner: BaseException | None = exc
    while inner is not None:
        if isinstance(inner, NameError) and getattr(inner, "name", None):
            return inner.name
        inner = inner.__cause__ or inner.__context__
    return None


def unit_of_work(func: Callable[..., T]) -> Callable[..., T]:
    """One use case, one transaction: commit on success, roll back everything on any error.

    A lost race (stale version, duplicate audit sequence, locked SQLite) becomes ConcurrentUpdate.
    """

    @functools.wraps(func)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> T:
        session = own_session(session)  # the use case asks it for its info, connection and rows dozens of times
        try:
            result = func(session, *args, **kwargs)
            # The case handed back stays readable without a reload until the session's next transaction.
            commit_keeping(session, result)
            return result
        except Exception as exc:
            session.rollback()
            if isinstance(exc, SpiffWorkflowException):
                raise _process_error(exc) from exc
            if _is_conflict(exc):
                raise ConcurrentUpdate(
                    "Kasus ini baru saja diubah oleh orang lain; perubahan Anda tidak disimpan. "
                    "Muat ulang halaman dan periksa kembali. (Someone else changed this case first.)"
                ) from exc
            raise
        finally:
            audit.forget_heads(session)

    return wrapper


def begin_case(
    session: Session,
    process_id: str,
    data: dict[str, Any],
    actor: str,
    *,
    region_code: str | None = None,
    category: str | None = None,
    title: str = "",
    reporter: Reporter | None = None,
    priority: int = 0,
    subject_nik: str | None = None,
    confidential: bool = False,
    uploads: Sequence[Upload] = (),
) -> Case:
    """Start a new case on the latest deployed version of a process, with the files it begins
    with, inside the caller's transaction (for callers that store their own rows with it);
    `start_case` is the same step as its own transaction.

    Each upload is stored as a document of the new case and its id becomes the process variable
    named by its field (`ktp`, `kk`, … = document id), so the case, its first tasks, its audit
    events and its files exist together or not at all."""
    stored = [documents.staged(session, u.document_id, u.kind) if u.document_id
              else documents.add(session, None, u.kind, u.filename, u.data, actor, u.checked) for u in uploads]
    data = {**data, **{d.kind: d.id for d in stored}}
    # Its package version comes with it, held while the case starts (package_of_case finds it in the session);
    # on PostgreSQL the new case's id too, so the case row is written once, with its final values, at save().
    definition, package, case_id = latest_for_new_case(session, process_id)
    if definition is None:
        raise NotFound(f"Proses '{process_id}' belum di-deploy.")
    meta = _meta(definition)
    prefix = meta.get("process", {}).get("referencePrefix") or process_id[:3].upper()
    if meta.get("process", {}).get("initiatorVariable"):
        data = {**data, meta["process"]["initiatorVariable"]: actor}
    year = utcnow().year
    reporter = reporter or Reporter(anonymous=True)
    # Made without the constructor's change event per attribute: its one INSERT sends what it holds (hold_new).
    case = new_object(Case, dict(
        id=case_id,
        # Numbered from the id: it avoids a hot counter row that would serialize every submission (tickets need
        # not be gap-free; letters are). A placeholder until the INSERT gives the id where it is not known yet.
        reference=f"{prefix}-{year}-{case_id:06d}" if case_id else f"new-{secrets.token_hex(8)}",
        tracking_code=_tracking_code(),
        definition=definition,
        process_definition_id=definition.id,
        process_id=definition.process_id,
        title=title[:300],
        category=category,
        region_code=region_code,
        priority=priority,
        status="Diterima",
        subject_nik=subject_nik,
        reporter_name=None if reporter.anonymous else reporter.name,
        reporter_phone=None if reporter.anonymous else reporter.phone,
        anonymous=reporter.anonymous,
        confidential=confidential,
        started_by=actor,
        serialized="{}",
    ))
    if package is None or package.id != definition.package_id:  # a definition deployed before packages existed
        package = package_of_case(session, case)
    sla = package.descriptor.catalogue.get("sla")
    if sla:
        case.sla_due_at = add_duration(utcnow(), sla)
    # One Core INSERT: at save() below when the id is known already (rows referencing the case go out after it),
    # else now, for the id.
    hold_new(session, case)
    case.reference = f"{prefix}-{year}-{case.id:06d}"
    audit.start_chain(session, case.id)
    workflow = new_workflow(definition_spec(definition))
    workflow.task_tree.data.update(data)
    step = _Step(session, case, actor, workflow, package=package)
    audit.append(
        session, case.id, actor, "case_started",
        {"proses": definition.process_id, "versi": definition.version, "data": data,
         "kontak_pelapor": "tidak ada" if reporter.anonymous or not reporter.phone else "disimpan"}
        # The versions of other packages' processes it calls, as deployed with this version.
        | ({"memanggil": meta["process"]["calls"]} if meta.get("process", {}).get("calls") else {}),
    )
    with session.no_autoflush:  # the route lookup needs nothing of this step: its rows go out together
        step.notify_reporter(
            f"LIGAT: laporan Anda diterima dengan nomor {case.reference}, kode lacak {case.tracking_code}."
        )
    step.advance()
    step.save()
    step.release()
    for document in stored:
        document.case_id = case.id
    return case


start_case = unit_of_work(begin_case)


def _task_row(session: Session, task_id: int) -> InboxTask:
    # With its case and the case's definition in the same query: every caller works on the case next.
    row = session.get(InboxTask, task_id, options=[joinedload(InboxTask.case).joinedload(Case.definition)])
    if row is None:
        raise NotFound("Tugas tidak ditemukan.")
    return row


# What a step reads of its task rows: the inbox page and the task page read the others.
_STEP_TASK_COLUMNS = (InboxTask.id, InboxTask.case_id, InboxTask.task_uuid, InboxTask.task_name, InboxTask.title,
                      InboxTask.role, InboxTask.form, InboxTask.region_code, InboxTask.bidang, InboxTask.state,
                      InboxTask.claimed_by, InboxTask.assignee)


@functools.lru_cache(maxsize=8)
def _task_for_step_query(reads: tuple[notifications.CaseReads, ...]) -> Select:
    # Built once per set of routes' reads: composing an ORM select costs more CPU than running it. Of the
    # definition and its package only their deploy moments: their other columns never change (deployed_rows).
    target = aliased(InboxTask)
    task_id = bindparam("task_id")
    extra = [column.label(f"read_{i}_{j}") for i, read in enumerate(reads) for j, column in enumerate(read.columns())]
    return (
        select(InboxTask, AuditChain.length, AuditChain.head_hash, ProcessDefinition.deployed_at,
               ServicePackage.deployed_at.label("package_deployed_at"), *extra)
        .join(InboxTask.case).join(Case.definition)
        .outerjoin(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .outerjoin(AuditChain, AuditChain.case_id == InboxTask.case_id)
        .where(InboxTask.case_id == select(target.case_id).where(target.id == task_id).scalar_subquery(),
               or_(InboxTask.id == task_id, InboxTask.state == "open"))
        .options(load_only(*_STEP_TASK_COLUMNS), contains_eager(InboxTask.case))
    )


def _task_for_step(session: Session, task_id: int) -> tuple[InboxTask, list[InboxTask]]:
    """The task row with what its step reads next, in one statement: its case, the case's audit chain record,
    the case's other open rows (sync_inbox), and the definition and package version as this process holds
    them (read whole the first time only)."""
    reads = tuple(notifications.CASE_READS)
    rows = session.execute(_task_for_step_query(reads), {"task_id": task_id}).all()
    row = next((r.InboxTask for r in rows if r.InboxTask.id == task_id), None)
    if row is None:
        raise NotFound("Tugas tidak ditemukan.")
    first = rows[0]
    package = attach_definition(session, row.case, first.deployed_at, first.package_deployed_at)
    if package is not None:
        _hold(session, package)  # package_of_case finds it in the session, with no query
    if first.length is not None:
        audit.keep_head(session, row.case_id, first.length, first.head_hash)
    _keep_case_reads(session, row.case_id, reads, first)
    return row, [r.InboxTask for r in rows if r.InboxTask.state == "open"]


@functools.lru_cache(maxsize=8)
def _width(read: notifications.CaseReads) -> int:
    return len(read.columns())


def _keep_case_reads(session: Session, case_id: int, reads: tuple[notifications.CaseReads, ...], row: Any) -> None:
    """Hand the routes' and relays' columns of the step's read to their keepers (notifications.CASE_READS)."""
    start = 5  # after the task, the chain's length and head, and the definition's and package's deploy moments
    for read in reads:
        width = _width(read)
        read.keep(session, case_id, tuple(row[start:start + width]))
        start += width


def check_can_work(principal: Principal, row: InboxTask) -> None:
    if row.assignee and row.assignee != principal.username:
        raise Forbidden(f"Tugas ini ditujukan kepada {row.assignee}. (This task is assigned to someone else.)")
    if not can_work_task(principal, row):
        raise Forbidden("Tugas ini bukan untuk peran atau wilayah Anda. (This task is not for your role or region.)")


@unit_of_work
def claim_task(session: Session, task_id: int, principal: Principal) -> InboxTask:
    row = _task_row(session, task_id)
    check_can_work(principal, row)
    result = session.execute(
        update(InboxTask)
        .where(
            InboxTask.id == task_id,
            InboxTask.state == "open",
            (InboxTask.claimed_by.is_(None)) | (InboxTask.claimed_by == principal.username),
        )
        .values(claimed_by=principal.username, claimed_at=utcnow())
    )
    if result.rowcount != 1:
        session.refresh(row)
        if row.state != "open":
            raise TaskUnavailable("Tugas ini sudah selesai atau dibatalkan.")
        raise TaskUnavailable(f"Tugas ini sedang dikerjakan oleh {row.claimed_by}.")
    audit.append(session, row.case_id, principal.username, "task_claimed", {}, row.task_name, row.title)
    return row


@unit_of_work
def release_task(session: Session, task_id: int, principal: Principal) -> InboxTask:
    row = _task_row(session, task_id)
    check_can_work(principal, row)
    if row.state != "open" or row.claimed_by != principal.username:
        raise TaskUnavailable("Hanya petugas yang mengambil tugas ini yang dapat melepasnya.")
    row.claimed_by, row.claimed_at = None, None
    audit.append(session, row.case_id, principal.username, "task_released", {}, row.task_name, row.title)
    return row


@unit_of_work
def complete_task(session: Session, task_id: int, principal: Principal, data: dict[str, Any]) -> Case:
    """Complete a ready human task with form data and advance the case."""
    row, open_rows = _task_for_step(session, task_id)
    check_can_work(principal, row)
    if row.state != "open":
        raise TaskUnavailable("Tugas ini sudah diselesaikan atau dibatalkan.")
    if row.claimed_by and row.claimed_by != principal.username:
        raise TaskUnavailable(f"Tugas ini sedang dikerjakan oleh {row.claimed_by}.")
    cleaned: dict[str, Any] = {}
    schema: dict[str, Any] = {}
    case = row.case
    package = _held_package(session, case)
    if row.form:
        schema = form_of(package, row.form)
        cleaned, errors = forms.validate(schema, data)
        if errors:
            raise FormInvalid(errors)
    step = _Step(session, case, principal.username, package=package, open_rows=open_rows)
    task = step.workflow.get_task_from_id(UUID(row.task_uuid))
    if task is None or task.state != TaskState.READY:
        raise TaskUnavailable("Tugas ini sudah diselesaikan atau dibatalkan.")
    _check_file_fields(session, schema, cleaned, case.id)
    _check_flagged_documents(schema, task.data, cleaned)
    task.data.update(cleaned)
    task.run()
    row.state = "completed"
    row.claimed_by = row.claimed_by or principal.username
    row.completed_by = principal.username
    row.completed_at = utcnow()
    audit.append(session, case.id, principal.username, "task_completed", cleaned, row.task_name, row.title)
    step.advance()
    step.save(row)
    step.release()
    return case


FLAGGED = "berkas_bermasalah"


def _check_file_fields(session: Session, schema: dict[str, Any], cleaned: dict[str, Any], case_id: int) -> None:
    """A file field holds the id of a document uploaded with this step to this case, whichever way the form
    came (page or API): an id written in the request is refused, so no one attaches another case's file."""
    message = "Berkas harus diunggah bersama formulir ini. (The file must be uploaded with this form.)"
    wrong = {name: message for name, prop in schema.get("properties", {}).items()
             if prop.get("x-berkas") and name in cleaned
             and not documents.uploaded_now(session, cleaned[name], case_id)}
    if wrong:
        raise FormInvalid(wrong)


def _check_flagged_documents(schema: dict[str, Any], before: dict[str, Any], cleaned: dict[str, Any]) -> None:
    """A returned file comes back with every document the officer flagged (process variable
    `berkas_bermasalah`, a list of document fields) uploaded anew; otherwise nothing is saved."""
    flagged = before.get(FLAGGED) or []
    if not isinstance(flagged, list):
        return
    files = {name for name, prop in schema.get("properties", {}).items() if prop.get("x-berkas")}
    missing = [name for name in flagged if name in files and not cleaned.get(name)]
    if missing:
        raise FormInvalid({name: "Berkas ini diminta diperbaiki: unggah berkas yang baru. "
                                 "(This document was flagged: upload a new one.)" for name in missing})


def wake_case(session: Session, case: Case, open_rows: list[InboxTask] | None = None) -> list[str]:
    """Fire the case's due timers; returns the names of the timers that fired.

    Runs inside the caller's transaction (the caller commits). `open_rows`: the case's open inbox rows when
    the caller read them already (the scheduler reads those of its whole batch in one query).
    """
    step = _Step(session, case, "sistem", open_rows=open_rows)
    # The step's walk of the task tree serves both questions: refreshing the timers changes task states (read
    # live from the same tasks), and a task it might add is neither before nor after, so it fires nothing here.
    tasks = step.before
    # str(): a spent cycle timer's value is a dict.
    before = {(t.name, str(t.value)) for t in pending_timers(step.workflow, tasks)}
    step.workflow.refresh_timers()
    after = {(t.name, str(t.value)) for t in pending_timers(step.workflow, tasks)}
    fired = sorted(name for name, _ in before - after)
    for name in fired:
        audit.append(session, case.id, "sistem", "timer_fired", {"timer": name})
    step.advance()
    return fired


@dataclass(frozen=True)
class WaitingMessage:
    """A message a workflow waits for: the waiting task and its event definition (Spiff matches events by
    the definition's class and name, and by correlation values once the case has some)."""

    task: Any
    definition: MessageEventDefinition


def waiting_messages(workflow: BpmnWorkflow, tasks: Sequence[Any] | None = None) -> dict[str, WaitingMessage]:
    """The messages the workflow waits for by name (start, catch and boundary events, event-based gateways)."""
    found: dict[str, WaitingMessage] = {}
    for task in _in_state(workflow, TaskState.WAITING, tasks):
        definition = getattr(task.task_spec, "event_definition", None)
        for item in [definition, *(getattr(definition, "event_definitions", None) or [])]:
            if isinstance(item, MessageEventDefinition) and item.name:
                found.setdefault(item.name, WaitingMessage(task, item))
    return found


def correlation_values(workflow: BpmnWorkflow, waiting: WaitingMessage) -> dict[str, str]:
    """property id → the value this case expects for a waiting message: the one an earlier message set
    (SpiffWorkflow's own correlations), else the property's retrieval expression on the case's data."""
    values: dict[str, str] = {}
    known = {prop: value for props in workflow.correlations.values() for prop, value in props.items()}
    for prop in waiting.definition.correlation_properties:
        value = known.get(prop.name)
        if value is None:
            try:
                value = workflow.script_engine.environment.evaluate(prop.retrieval_expression,
                                                                    dict(waiting.task.data))
            except Exception:  # noqa: BLE001 (not set yet: nothing to correlate on)
                value = None
        if value is not None:
            values[prop.name] = str(value)[:200]
    return values


def waiting_messages_of(case: Case) -> set[str]:
    """The messages a stored case waits for (for the case page)."""
    return set(waiting_messages(read_workflow(case)))


def check_may_message(principal: Principal, case: Case) -> None:
    if not principal.can_work or not can_view_case(principal, case):
        raise Forbidden("Anda tidak dapat mengirim pesan ke kasus ini. (You may not send a message to this case.)")


def deliver(session: Session, case: Case, name: str, payload: dict[str, Any], actor: str) -> Case:
    """Deliver a named message to a case inside the caller's transaction (who may, is the caller's check):
    its values become process variables and the case moves on."""
    step = _Step(session, case, actor)
    kinds = waiting_messages(step.workflow)
    if name not in kinds:
        waiting = ", ".join(sorted(kinds)) or "tidak ada / none"
        raise TaskUnavailable(f"Kasus ini tidak sedang menunggu pesan '{name}'; yang ditunggu: {waiting}. "
                              f"(This case is not waiting for message '{name}'.)")
    waiting = kinds[name]
    # Sent to this very case (by reference): a value the payload leaves out is the case's own, as SpiffWorkflow
    # reads the correlation values from the payload.
    known = {prop: value for props in step.workflow.correlations.values() for prop, value in props.items()}
    for prop in waiting.definition.correlation_properties:
        expression = (prop.retrieval_expression or "").strip()
        if expression.isidentifier() and expression not in payload and prop.name in known:
            payload = {**payload, expression: known[prop.name]}
    try:
        correlations = waiting.definition.get_correlations(waiting.task, dict(payload))
    except Exception:  # noqa: BLE001 (no value to correlate on: SpiffWorkflow matches the first message anyway)
        correlations = {}
    sent = dict(payload)
    if hasattr(waiting.definition, "result_var"):
        # The Camunda dialect's message events read {"payload", "result_var"} (the values land in
        # `<task>_Response`); the values stay at the top too, where correlation expressions read them.
        sent = {**payload, "payload": dict(payload), "result_var": waiting.definition.result_var}
    mismatch = TaskUnavailable(f"Pesan '{name}' tidak cocok dengan nilai korelasi kasus ini. "
                               f"(Message '{name}' does not match this case's correlation values.)")
    try:
        step.workflow.send_event(BpmnEvent(waiting.definition, sent, correlations))
    except SpiffWorkflowException as exc:  # nothing caught it: its correlation values are another case's
        raise mismatch from exc
    if not step.workflow.correlations and correlations:
        step.workflow.correlations.update(correlations)
    caught = False
    for task in step.workflow.get_tasks():
        # A message event without a messageVariable (or an event-based gateway) keeps the payload aside: its
        # values become process variables.
        seen = [getattr(e, "payload", None) for e in task.internal_data.get("seen_events", [])]
        if task.internal_data.get(name) == sent or sent in seen:
            task.data.update(payload)
            caught = True
    if not caught and name in waiting_messages(step.workflow):
        raise mismatch
    audit.append(session, case.id, actor, "message_delivered", {"pesan": name, "data": payload})
    step.advance()
    return case


@unit_of_work
def deliver_message(session: Session, case_id: int, name: str, payload: dict[str, Any], principal: Principal) -> Case:
    """Deliver a named message to a case that waits for it (a citizen's answer, a partner's reply)."""
    case = get_case(session, case_id)
    check_may_message(principal, case)
    return deliver(session, case, name, payload, principal.username)


REOPENED_STATUS = "Dibuka kembali"
REASON_MIN = 10


def reopen_deadline(session: Session, case: Case, descriptor: Descriptor | None = None) -> datetime | None:
    """Until when a closed case may be reopened (None: its line does not allow it, or it is not closed).
    `descriptor`: the case's package descriptor where the caller has it already."""
    reopen = (descriptor or package_of_case(session, case).descriptor).raw.get("reopen")
    if not reopen or not case.completed or case.closed_at is None:
        return None
    return add_duration(case.closed_at, reopen["within"])


@unit_of_work
def reopen_case(session: Session, case_id: int, reason: str, actor: str) -> Case:
    """The citizen reopens a closed case within its line's period (service.json → reopen): the case
    goes back to the task the line names (the operator's verification), with the reason, in one step.

    Allowed only where the line declares it, only for a closed case and only within `reopen.within`
    of its closing; the SLA clock starts again from now."""
    case = get_case(session, case_id)
    descriptor = package_of_case(session, case).descriptor
    reopen = descriptor.raw.get("reopen")
    if not reopen:
        raise Forbidden("Layanan ini tidak dapat dibuka kembali. (This service cannot be reopened.)")
    if not case.completed or case.closed_at is None:
        raise TaskUnavailable("Kasus ini belum selesai. (This case is not closed.)")
    if utcnow() > reopen_deadline(session, case, descriptor):
        raise Forbidden(f"Batas waktu membuka kembali ({reopen['within']}) sudah lewat; silakan buat laporan baru. "
                        f"(The period to reopen, {reopen['within']}, has passed; please make a new report.)")
    reason = " ".join((reason or "").split())[:1000]
    if len(reason) < REASON_MIN:
        raise FormInvalid({"alasan": f"Tuliskan alasan membuka kembali (minimal {REASON_MIN} karakter). "
                                     f"(Give the reason to reopen, at least {REASON_MIN} characters.)"})
    step = _Step(session, case, actor)
    done = [t for t in step.workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == reopen["task"]]
    if not done:
        raise TaskUnavailable("Kasus ini tidak pernah melewati tahap yang dibuka kembali. "
                              "(This case never passed the step it would reopen at.)")
    task_id = done[-1].id
    # The reset task keeps its id; the inbox row of its earlier round stays as history under a retired id.
    for row in session.scalars(select(InboxTask).where(InboxTask.case_id == case.id,
                                                       InboxTask.task_uuid == str(task_id))):
        row.task_uuid = str(uuid5(task_id, f"dibuka-kembali-{row.id}"))
    session.flush()  # before the step writes the new round's row under the id (with Core, not in this flush)
    step.workflow.reset_from_task_id(task_id, data={**done[-1].data, "alasan_dibuka_kembali": reason})
    step.workflow.completed = False  # SpiffWorkflow keeps the flag it set at the end event
    case.completed, case.closed_at = False, None
    sla = descriptor.catalogue.get("sla")
    case.sla_due_at = add_duration(utcnow(), sla) if sla else None
    audit.append(session, case.id, actor, "case_reopened", {"alasan": reason, "tugas": reopen["task"]})
    step.advance(notify=False)
    # After the task's own status (Verifikasi): the citizen and the operator see why it came back.
    step.change_status(reopen.get("status", REOPENED_STATUS), reason)
    step.notify_status()
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Kasus tidak ditemukan.")
    return case


def case_data(case: Case) -> dict[str, Any]:
    """The case's current process variables (for the case page)."""
    workflow = read_workflow(case)
    data: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        data.update(task.data)
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    return copy.deepcopy(data)  # the workflow is shared by the page's readers: callers get their own values
