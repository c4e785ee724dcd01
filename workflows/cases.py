"""Engine steps on cases: start, claim, complete, wake.

Every public function here is one use case and one transaction: the workflow's
new state, its inbox rows, its audit events and its outbox messages are
committed together, or (on any error) not at all.
"""

from __future__ import annotations

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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import forms

from . import audit, documents, notifications
from .db import Case, InboxTask, ProcessDefinition, utcnow
from .deployment import latest_definition
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
from .packages import form_of, package_of_case
from .principal import Principal
from .scripting import CaseScriptEngine, ScriptContext
from .serialization import definition_spec, dump_workflow, load_workflow, new_workflow
from .visibility import can_view_case

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
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


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


def pending_timers(workflow: BpmnWorkflow) -> list[PendingTimer]:
    """Every timer the workflow waits on. An event-based gateway waits on several events at once:
    Spiff reports it as one `MultipleEventDefinition` without a value, and keeps its timer's moment
    in the gateway task's `event_value`."""
    timers = [PendingTimer(e.name or "Timer", e.value, e.event_type)
              for e in workflow.waiting_events() if is_timer_event(e.event_type)]
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        inner = [type(d).__name__ for d in getattr(definition, "event_definitions", None) or []]
        if type(definition).__name__ == "MultipleEventDefinition":
            timer = next((kind for kind in inner if is_timer_event(kind)), None)
            if timer:
                name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
                timers.append(PendingTimer(name, task.internal_data.get("event_value"), timer))
    return timers


class _Step:
    """One engine step on one case: run, apply script effects, project, save."""

    def __init__(self, session: Session, case: Case, actor: str, workflow: BpmnWorkflow | None = None):
        self.session = session
        self.case = case
        self.actor = actor
        self.definition = case.definition
        self.meta = _meta(self.definition)
        self.spec_json = definition_spec(self.definition)
        self.ctx = ScriptContext(session=session, case=case, actor=actor)
        # A workflow handed in is a new case: it has no inbox rows yet.
        self.new_case = workflow is not None
        self.workflow = workflow or load_workflow(case.serialized, self.spec_json)
        self.workflow.script_engine = CaseScriptEngine(self.ctx)

    # -- effects of scripts and task properties -------------------------------
    def change_status(self, status: str, note: str | None = None) -> None:
        case = self.case
        if status == case.status and (note or None) == (case.status_note or None):
            return
        case.status, case.status_note = status, note
        audit.append(self.session, case.id, self.actor, "status_changed", {"status": status, "catatan": note})
        message = f"LIGAT: {case.reference} kini berstatus {status}."
        if note:
            message += f" {note}"
        self.notify_reporter(message)

    def notify_reporter(self, message: str) -> None:
        case = self.case
        if case.anonymous or not case.reporter_phone:
            return
        notifications.queue(self.session, case.id, case.reporter_phone, message, SETTINGS.notify_channel)

    def apply_effects(self) -> None:
        for effect in self.ctx.effects:
            if effect.kind == "status":
                self.change_status(effect.args["status"], effect.args.get("note"))
            elif effect.kind == "notify_reporter":
                self.notify_reporter(effect.args["message"])
            elif effect.kind == "notify":
                notifications.queue(
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
    def sync_inbox(self) -> None:
        case = self.case
        ready = {str(t.id): t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)}
        open_rows = [] if self.new_case else self.session.scalars(
            select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open")
        ).all()
        known = set()
        for row in open_rows:
            if row.task_uuid in ready:
                known.add(row.task_uuid)
            else:
                row.state = "cancelled"
                audit.append(self.session, case.id, self.actor, "task_cancelled", {}, row.task_name, row.title)
        tasks_meta = self.meta.get("tasks", {})
        for uuid, task in ready.items():
            if uuid in known:
                continue
            info = tasks_meta.get(task.task_spec.bpmn_id, {})
            bidang = case.bidang
            if info.get("bidang_variable"):
                bidang = task.data.get(info["bidang_variable"]) or bidang
                case.bidang = bidang
            assignee = None
            if info.get("assignee_variable"):
                # One named person (who must still hold the lane's role), e.g. the officer who submitted.
                assignee = task.data.get(info["assignee_variable"]) or None
            due_at = None
            if info.get("due_in"):
                duration = self.workflow.script_engine.evaluate(task, info["due_in"])
                due_at = add_duration(utcnow(), duration)  # ISO or "N hari kerja"
            row = InboxTask(
                case_id=case.id,
                task_uuid=uuid,
                task_name=task.task_spec.bpmn_id,
                title=info.get("title") or task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                role=info.get("role") or task.task_spec.lane or "",
                form=info.get("form"),
                ui_form=info.get("ui_form"),
                region_code=case.region_code,
                bidang=bidang,
                category=case.category,
                priority=case.priority,
                assignee=assignee,
                due_at=due_at,
            )
            self.session.add(row)
            audit.append(
                self.session, case.id, self.actor, "task_created",
                {"peran": row.role, "bidang": bidang, "tenggat": due_at.isoformat() if due_at else None}
                | ({"untuk": assignee} if assignee else {}),
                row.task_name, row.title,
            )
            if info.get("case_status"):
                self.change_status(info["case_status"])

    def sla_clock(self) -> None:
        """Stop the case's SLA clock while it waits on the citizen (an open task in a lane whose role
        has scope `citizen`), and move its due time later by the paused time when it runs again."""
        case = self.case
        package = package_of_case(self.session, case)
        citizen = {r.name for r in package.descriptor.roles.values() if r.is_citizen}
        ready_roles = {
            (self.meta.get("tasks", {}).get(t.task_spec.bpmn_id, {}).get("role") or t.task_spec.lane)
            for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
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

    def advance(self) -> None:
        """Run engine steps to the next wait state and write everything down."""
        self.workflow.do_engine_steps()
        self.apply_effects()
        self.sync_inbox()
        self.sla_clock()
        case = self.case
        due = [timer.due_at for timer in pending_timers(self.workflow) if timer.due_at is not None]
        case.next_timer_at = min(due) if due else None
        if self.workflow.completed and not case.completed:
            case.completed = True
            case.closed_at = utcnow()
            audit.append(self.session, case.id, self.actor, "case_completed", {"status": case.status})
        case.serialized = dump_workflow(self.workflow, self.spec_json)
        case.updated_at = utcnow()


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
    spec = getattr(exc, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "?"
    name = getattr(spec, "bpmn_name", None)
    where = f"{element_id} ({name})" if name else element_id  # the id always: a designer finds it in the diagram
    return ProcessError(
        f"Langkah proses gagal di {where}: {exc}. Tidak ada yang disimpan; hubungi perancang proses. "
        f"(A process step failed at {where}; nothing was saved.)",
        element_id=None if element_id == "?" else element_id, reason=str(exc),
    )


def unit_of_work(func: Callable[..., T]) -> Callable[..., T]:
    """One use case, one transaction: commit on success, roll back everything on any error.

    A lost race (stale version, duplicate audit sequence, locked SQLite) becomes ConcurrentUpdate.
    """

    @functools.wraps(func)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> T:
        try:
            result = func(session, *args, **kwargs)
            session.commit()
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
    definition = latest_definition(session, process_id)
    if definition is None:
        raise NotFound(f"Proses '{process_id}' belum di-deploy.")
    meta = _meta(definition)
    prefix = meta.get("process", {}).get("referencePrefix") or process_id[:3].upper()
    year = utcnow().year
    reporter = reporter or Reporter(anonymous=True)
    case = Case(
        # Placeholder until the id is known: numbering from the id avoids a hot counter row
        # that would serialize every submission (tickets need not be gap-free; letters are).
        reference=f"new-{secrets.token_hex(8)}",
        tracking_code=_tracking_code(),
        definition=definition,
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
    )
    sla = package_of_case(session, case).descriptor.catalogue.get("sla")
    if sla:
        case.sla_due_at = add_duration(utcnow(), sla)
    session.add(case)
    session.flush()
    case.reference = f"{prefix}-{year}-{case.id:06d}"
    audit.start_chain(session, case.id)
    workflow = new_workflow(definition_spec(definition))
    workflow.task_tree.data.update(data)
    step = _Step(session, case, actor, workflow)
    audit.append(
        session, case.id, actor, "case_started",
        {"proses": definition.process_id, "versi": definition.version, "data": data,
         "kontak_pelapor": "tidak ada" if reporter.anonymous or not reporter.phone else "disimpan"},
    )
    step.notify_reporter(
        f"LIGAT: laporan Anda diterima dengan nomor {case.reference}, kode lacak {case.tracking_code}."
    )
    step.advance()
    for document in stored:
        document.case_id = case.id
    return case


start_case = unit_of_work(begin_case)


def _task_row(session: Session, task_id: int) -> InboxTask:
    row = session.get(InboxTask, task_id)
    if row is None:
        raise NotFound("Tugas tidak ditemukan.")
    return row


def check_can_work(principal: Principal, row: InboxTask) -> None:
    if not principal.covers(row.role, row.region_code, row.bidang, row.case_id):
        raise Forbidden("Tugas ini bukan untuk peran atau wilayah Anda. (This task is not for your role or region.)")
    if row.assignee and row.assignee != principal.username:
        raise Forbidden(f"Tugas ini ditujukan kepada {row.assignee}. (This task is assigned to someone else.)")


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
    row = _task_row(session, task_id)
    check_can_work(principal, row)
    if row.state != "open":
        raise TaskUnavailable("Tugas ini sudah diselesaikan atau dibatalkan.")
    if row.claimed_by and row.claimed_by != principal.username:
        raise TaskUnavailable(f"Tugas ini sedang dikerjakan oleh {row.claimed_by}.")
    cleaned: dict[str, Any] = {}
    schema: dict[str, Any] = {}
    if row.form:
        schema = form_of(package_of_case(session, row.case), row.form)
        cleaned, errors = forms.validate(schema, data)
        if errors:
            raise FormInvalid(errors)
    case = row.case
    step = _Step(session, case, principal.username)
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


def wake_case(session: Session, case: Case) -> list[str]:
    """Fire the case's due timers; returns the names of the timers that fired.

    Runs inside the caller's transaction (the caller commits).
    """
    step = _Step(session, case, "sistem")
    # str(): a spent cycle timer's value is a dict.
    before = {(t.name, str(t.value)) for t in pending_timers(step.workflow)}
    step.workflow.refresh_timers()
    after = {(t.name, str(t.value)) for t in pending_timers(step.workflow)}
    fired = sorted(name for name, _ in before - after)
    for name in fired:
        audit.append(session, case.id, "sistem", "timer_fired", {"timer": name})
    step.advance()
    return fired


def waiting_messages(workflow: BpmnWorkflow) -> dict[str, type]:
    """Names of the messages the workflow waits for (catch events, boundary events, event-based
    gateways), each with the dialect's own message class (Spiff matches events by class and name)."""
    found: dict[str, type] = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        for item in [definition, *(getattr(definition, "event_definitions", None) or [])]:
            if isinstance(item, MessageEventDefinition) and item.name:
                found[item.name] = type(item)
    return found


def waiting_messages_of(case: Case) -> set[str]:
    """The messages a stored case waits for (for the case page)."""
    return set(waiting_messages(load_workflow(case.serialized, definition_spec(case.definition))))


@unit_of_work
def deliver_message(session: Session, case_id: int, name: str, payload: dict[str, Any], principal: Principal) -> Case:
    """Deliver a named message to a case that waits for it (a citizen's answer, a partner's reply):
    its values become process variables and the case moves on, in one step."""
    case = get_case(session, case_id)
    if not principal.can_work or not can_view_case(principal, case):
        raise Forbidden("Anda tidak dapat mengirim pesan ke kasus ini. (You may not send a message to this case.)")
    step = _Step(session, case, principal.username)
    kinds = waiting_messages(step.workflow)
    if name not in kinds:
        waiting = ", ".join(sorted(kinds)) or "tidak ada / none"
        raise TaskUnavailable(f"Kasus ini tidak sedang menunggu pesan '{name}'; yang ditunggu: {waiting}. "
                              f"(This case is not waiting for message '{name}'.)")
    step.workflow.send_event(BpmnEvent(kinds[name](name), dict(payload)))
    for task in step.workflow.get_tasks():
        # A Spiff message event without a messageVariable (or an event-based gateway) keeps the payload
        # aside: give it to the process.
        seen = [getattr(e, "payload", None) for e in task.internal_data.get("seen_events", [])]
        if task.internal_data.get(name) == payload or payload in seen:
            task.data.update(payload)
    audit.append(session, case.id, principal.username, "message_delivered", {"pesan": name, "data": payload})
    step.advance()
    return case


REOPENED_STATUS = "Dibuka kembali"
REASON_MIN = 10


@unit_of_work
def reopen_case(session: Session, case_id: int, reason: str, actor: str) -> Case:
    """The citizen reopens a closed case within its line's period (service.json → reopen): the case
    goes back to the task the line names (the operator's verification), with the reason, in one step.

    Allowed only where the line declares it, only for a closed case and only within `reopen.within`
    of its closing; the SLA clock starts again from now."""
    case = get_case(session, case_id)
    reopen = package_of_case(session, case).descriptor.raw.get("reopen")
    if not reopen:
        raise Forbidden("Layanan ini tidak dapat dibuka kembali. (This service cannot be reopened.)")
    if not case.completed or case.closed_at is None:
        raise TaskUnavailable("Kasus ini belum selesai. (This case is not closed.)")
    if utcnow() > add_duration(case.closed_at, reopen["within"]):
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
    step.workflow.reset_from_task_id(task_id, data={**done[-1].data, "alasan_dibuka_kembali": reason})
    step.workflow.completed = False  # SpiffWorkflow keeps the flag it set at the end event
    case.completed, case.closed_at = False, None
    sla = package_of_case(session, case).descriptor.catalogue.get("sla")
    case.sla_due_at = add_duration(utcnow(), sla) if sla else None
    audit.append(session, case.id, actor, "case_reopened", {"alasan": reason, "tugas": reopen["task"]})
    step.advance()
    # After the task's own status (Verifikasi): the citizen and the operator see why it came back.
    step.change_status(reopen.get("status", REOPENED_STATUS), reason)
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Kasus tidak ditemukan.")
    return case


def case_data(case: Case) -> dict[str, Any]:
    """The case's current process variables (for the case page)."""
    workflow = load_workflow(case.serialized, definition_spec(case.definition))
    data: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        data.update(task.data)
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    return data
