"""Run a package's scenario tests (`bpmn/<code>/tests/*.json`, format: packages/scenario.schema.json).

`run_scenarios(package)` deploys the given files (a draft or a published version) into a
throw-away SQLite database made from the engine's tables, then walks each scenario through the
engine functions the app uses: `deploy_package`, `begin_case`/`start_case`, `complete_task`,
`wake_case` (a timer is fired by moving its due time into the past, not by waiting) and
`deliver_message`. Nothing touches the application's database; files the run stores (uploads,
letters) are removed again. A failing step stops its scenario and says where and why, in
Bahasa Indonesia and English.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import forms

from . import applicant_links, bootstrap, cases, documents, issued_letters, storage
from .db import Base, Case, InboxTask, utcnow
from .errors import DeployError, FormInvalid, LigatError, ProcessError
from .packages import Descriptor, PackageFiles, deploy_package, form_of, latest_package
from .packages.scenario_files import load as load_scenario
from .packages.scenario_files import scenario_names
from .packages.store import forget_scopes
from .parsing import NS
from .serialization import definition_spec, dump_workflow, load_workflow
from .visibility import principal as make_principal

log = logging.getLogger(__name__)

def _sample(kind: str) -> bytes:
    """A small real file of each kind a file field may take: uploads are opened and re-encoded."""
    import io

    if kind == "pdf":
        from pypdf import PdfWriter

        writer, out = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=595, height=842)
        writer.write(out)
        return out.getvalue()
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(out, "PNG" if kind == "png" else "JPEG")
    return out.getvalue()


SAMPLE_FILES = {kind: _sample(kind) for kind in ("pdf", "png", "jpeg")}
_EXTENSION = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}


@dataclass
class ScenarioResult:
    name: str
    file: str
    passed: bool
    path: list[str] = field(default_factory=list)  # BPMN element ids taken, in order, sequence flows included
    failed_element_id: str | None = None
    message_id: str = ""
    message_en: str = ""
    steps: list[dict] = field(default_factory=list)  # {element_id, name, ok, message_id, message_en}
    end_status: str | None = None
    name_en: str = ""  # the scenario's name in English, for a workbench shown in English


class StepFailed(Exception):
    def __init__(self, element_id: str | None, message_id: str, message_en: str):
        super().__init__(message_en)
        self.element_id, self.message_id, self.message_en = element_id, message_id, message_en


@contextmanager
def _throwaway_database() -> Iterator[Engine]:
    """One in-memory SQLite database for one run (all scenarios of one package share it)."""
    bootstrap.load_modules()  # every table and script function, whoever calls
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        forget_scopes(engine)
        engine.dispose()


@contextmanager
def _file_storage() -> Iterator[None]:
    """The files a run writes go to a temporary folder of the run's own, removed afterwards: never the
    office's storage, and not a process-wide setting that concurrent runs would share."""
    with tempfile.TemporaryDirectory(prefix="ligat-skenario-") as folder, \
            storage.redirected([documents.AREA, issued_letters.AREA], Path(folder)):
        yield


def run_scenarios(package: PackageFiles) -> list[ScenarioResult]:
    """Run every scenario of the package's files in a throw-away database; one result per file."""
    names = scenario_names(package)
    if not names:
        return []
    with _file_storage(), _throwaway_database() as engine, Session(engine) as session:
        session.info[issued_letters.PLAIN_SIGNER] = True
        try:
            deploy_package(session, package, "skenario")
        except DeployError as exc:
            return [_refused_package(package, name, exc) for name in names]
        descriptor_process = _process_id(session, package)
        flows = _flows(session, package.code)
        try:
            return [_Run(session, package, name, descriptor_process, flows).run() for name in names]
        finally:
            session.rollback()


def _refused_package(package: PackageFiles, name: str, exc: DeployError) -> ScenarioResult:
    first = exc.problems[0] if exc.problems else None
    detail_id = str(first.message_id) if first else str(exc)
    detail_en = str(first.message_en) if first else str(exc)
    where = f"{first.file} · {first.element_id}: " if first else ""
    return ScenarioResult(
        name=name, file=package.path("bpmn", name), passed=False,
        failed_element_id=first.element_id if first else None,
        message_id=f"Paket tidak dapat di-deploy ({len(exc.problems)} masalah): {where}{detail_id}",
        message_en=f"The package cannot be deployed ({len(exc.problems)} problem(s)): {where}{detail_en}",
    )


def _process_id(session: Session, package: PackageFiles) -> str:
    return latest_package(session, package.code).descriptor.process


def _flows(session: Session, code: str) -> dict[tuple[str, str], str]:
    """(source id, target id) → sequence flow id, over the package's diagrams."""
    from .db import ProcessDefinition

    package = latest_package(session, code)
    found: dict[tuple[str, str], str] = {}
    for xml in session.scalars(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.package_id == package.id)):
        root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
        for flow in root.xpath("//bpmn:sequenceFlow", namespaces=NS):
            found.setdefault((flow.get("sourceRef"), flow.get("targetRef")), flow.get("id"))
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")[:40] or "petugas"


class _Run:
    """One scenario file, one case."""

    def __init__(self, session: Session, package: PackageFiles, name: str, process_id: str,
                 flows: dict[tuple[str, str], str]):
        self.session = session
        self.package = package
        self.name = name
        self.process_id = process_id
        self.flows = flows
        self.result = ScenarioResult(name=name, file=package.path("bpmn", name), passed=False)
        self.case: Case | None = None

    # -- bookkeeping ------------------------------------------------------------
    def step(self, element_id: str | None, name: str, message_id: str = "ok", message_en: str = "ok") -> None:
        self.result.steps.append({"element_id": element_id, "name": name, "ok": True,
                                  "message_id": message_id, "message_en": message_en})

    def run(self) -> ScenarioResult:
        scenario, problems = load_scenario(self.package, self.name)
        if scenario is None:
            where, message_id, message_en = problems[0]
            self.result.message_id = f"Berkas skenario tidak sah di {where}: {message_id}"
            self.result.message_en = f"Invalid scenario file at {where}: {message_en}"
            return self.result
        self.result.name = scenario["name"]["id"]
        self.result.name_en = scenario["name"].get("en") or scenario["name"]["id"]
        self.scenario = scenario
        try:
            self.start(scenario["start"])
            for index, step in enumerate(scenario["steps"]):
                self.do(index, step)
            self.check_path(scenario.get("path"))
            self.check_end(scenario.get("end"))
        except Exception as error:  # a StepFailed, or anything else reported the same way
            self.session.rollback()
            failed = error if isinstance(error, StepFailed) else _unexpected(error)
            self.result.failed_element_id = failed.element_id
            self.result.message_id, self.result.message_en = failed.message_id, failed.message_en
            self.result.steps.append({"element_id": failed.element_id, "name": self.current, "ok": False,
                                      "message_id": failed.message_id, "message_en": failed.message_en})
        else:
            self.result.passed = True
            self.result.message_id = f"Skenario lulus ({len(self.result.steps)} langkah)."
            self.result.message_en = f"Scenario passed ({len(self.result.steps)} steps)."
        finally:
            self.finish()
        return self.result

    def finish(self) -> None:
        if self.case is None:
            return
        self.session.expire_all()
        case = self.session.get(Case, self.case.id)
        self.result.end_status = case.status
        self.result.path = self.path_of(case)

    # -- steps --------------------------------------------------------------------
    current = ""

    def start(self, start: dict[str, Any]) -> None:
        self.current = "mulai / start"
        actor = start.get("as", {})
        descriptor_start = _descriptor(self.session, self.package.code).start
        if start.get("channel") == "petugas":
            allowed = ", ".join(descriptor_start.get("roles", [])) or "-"
            if actor.get("role") and actor["role"] not in descriptor_start.get("roles", []):
                raise StepFailed(None,
                                 f"Peran '{actor['role']}' tidak boleh memulai layanan ini (yang boleh: {allowed})",
                                 f"Role '{actor['role']}' may not start this service (allowed: {allowed})")
        username = actor.get("username") or (_slug(actor["role"]) if actor.get("role") else "pemohon")
        data, uploads = _split_files(start["data"])
        self.check_start_form(descriptor_start.get("form"), data, uploads)
        # Fields the start page keeps out of the process (a phone number goes to the reporter only).
        data = {k: v for k, v in data.items() if k not in set(descriptor_start.get("keep_out", []))}
        # The start variables service.json sets without the app (a fixed value, the starting person).
        for name, spec in descriptor_start.get("variables", {}).items():
            if name in data:
                continue
            if spec.get("from") == "actor":
                data[name] = username
            elif "value" in spec:
                data[name] = spec["value"]
        reporter = start.get("reporter")
        try:
            self.case = cases.start_case(
                self.session, self.process_id, data, username,
                region_code=start.get("region"), category=start.get("category", self.package.code),
                title=self.result.name,
                reporter=cases.Reporter(reporter.get("name"), reporter.get("phone"), reporter.get("anonymous", False))
                if reporter else None,
                priority=start.get("priority", 0), subject_nik=start.get("subject_nik"),
                uploads=[cases.Upload(kind, f"{kind}.{_EXTENSION[k]}", SAMPLE_FILES[k]) for kind, k in uploads],
            )
        except LigatError as exc:
            raise StepFailed(None, f"Kasus tidak dapat dimulai: {exc}", f"The case could not start: {exc}") from exc
        self.step(None, self.current, f"Kasus dimulai, status {self.case.status}",
                  f"Case started, status {self.case.status}")

    def check_start_form(self, form: str | None, data: dict[str, Any], uploads: list[tuple[str, str]]) -> None:
        """The start form's schema, as the start page applies it (a file field holds its document's id)."""
        if not form:
            return
        package = latest_package(self.session, self.package.code)
        _, errors = forms.validate(form_of(package, form), data | {kind: 1 for kind, _ in uploads})
        if errors:
            fields = "; ".join(f"{name}: {message}" for name, message in errors.items())
            raise StepFailed(None, f"Formulir awal '{form}' ditolak: {fields}",
                             f"Start form '{form}' refused: {fields}")

    def do(self, index: int, step: dict[str, Any]) -> None:
        if "complete" in step:
            self.complete(step)
        elif "fire_timer" in step:
            self.fire_timer(step["fire_timer"])
        elif "message" in step:
            self.message(step)
        else:
            self.current = f"harapan / expect #{index + 1}"
            self.expect(step["expect"])
            self.step(None, self.current)

    def open_rows(self) -> list[InboxTask]:
        self.session.expire_all()
        return list(self.session.scalars(
            select(InboxTask).where(InboxTask.case_id == self.case.id, InboxTask.state == "open").order_by(InboxTask.id)
        ))

    def complete(self, step: dict[str, Any]) -> None:
        target = step["complete"]
        self.current = target
        rows = self.open_rows()
        row = next((r for r in rows if target in (r.task_name, r.title)), None)
        if row is None:
            waiting = ", ".join(r.task_name for r in rows) or "tidak ada / none"
            raise StepFailed(target, f"Tugas '{target}' tidak sedang menunggu; yang menunggu: {waiting}",
                             f"Task '{target}' is not waiting; waiting: {waiting}")
        self.current = row.title
        actor = step.get("as", {})
        role = actor.get("role") or row.role
        citizen = {r.name for r in _descriptor(self.session, self.package.code).roles.values() if r.is_citizen}
        if role in citizen:
            # The applicant acts through their single-use link, as on the public correction page.
            who = applicant_links.applicant_principal(self.session, self.session.get(Case, self.case.id))
        else:
            who = make_principal(
                self.session, actor.get("username") or row.assignee or _slug(role), {role},
                region_code=actor["region"] if "region" in actor else row.region_code,
                bidang=actor["bidang"] if "bidang" in actor else row.bidang,
            )
        answers, uploads = _split_files(step.get("answers", {}))
        try:
            for kind, file_kind in uploads:
                document = documents.add(self.session, self.case.id, kind, f"{kind}.{_EXTENSION[file_kind]}",
                                         SAMPLE_FILES[file_kind], who.username)
                answers[kind] = document.id
            cases.complete_task(self.session, row.id, who, answers)
        except FormInvalid as exc:
            self.session.rollback()
            fields = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
            raise StepFailed(row.task_name, f"Formulir '{row.title}' ditolak: {fields}",
                             f"Form '{row.title}' refused: {fields}") from exc
        except ProcessError as exc:
            self.session.rollback()
            if not exc.element_id:
                raise StepFailed(row.task_name, f"Tugas '{row.title}' tidak dapat diselesaikan: {exc}",
                                 f"Task '{row.title}' could not be completed: {exc}") from exc
            # The step after the task failed: point at that element, in the engine's own words once.
            raise StepFailed(exc.element_id, f"Sesudah tugas '{row.title}', langkah {exc.element_id} gagal: "
                             f"{exc.reason}", f"After task '{row.title}', step {exc.element_id} failed: "
                             f"{exc.reason}") from exc
        except LigatError as exc:
            self.session.rollback()
            raise StepFailed(row.task_name, f"Tugas '{row.title}' tidak dapat diselesaikan: {exc}",
                             f"Task '{row.title}' could not be completed: {exc}") from exc
        self.step(row.task_name, row.title, f"Diselesaikan sebagai {role}", f"Completed as {role}")

    def fire_timer(self, target: str) -> None:
        """Move the named timer's due time into the past, then run the engine's own timer wake."""
        self.current = target
        self.session.expire_all()
        case = self.session.get(Case, self.case.id)
        spec_json = definition_spec(case.definition)
        workflow = load_workflow(case.serialized, spec_json)
        past = (utcnow() - timedelta(minutes=1)).isoformat() + "+00:00"
        matched = None
        for task in workflow.get_tasks(state=TaskState.WAITING):
            spec = task.task_spec
            definition = getattr(spec, "event_definition", None)
            inner = [definition, *(getattr(definition, "event_definitions", None) or [])]
            timers = [d for d in inner if d is not None and cases.is_timer_event(type(d).__name__)]
            if not timers or target not in {spec.bpmn_id, spec.bpmn_name, *(d.name for d in timers)}:
                continue
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):  # a cycle: its next moment
                task.internal_data["event_value"] = {**value, "next": past}
            else:
                task.internal_data["event_value"] = past
            matched = spec.bpmn_id
        if matched is None:
            pending = ", ".join(t.name for t in cases.pending_timers(workflow)) or "tidak ada / none"
            raise StepFailed(target, f"Timer '{target}' tidak sedang ditunggu; yang ditunggu: {pending}",
                             f"Timer '{target}' is not pending; pending: {pending}")
        case.serialized = dump_workflow(workflow, spec_json)
        try:
            # The scheduler's wake, as one transaction (a failing timer script rolls the whole step back).
            fired = cases.unit_of_work(cases.wake_case)(self.session, case)
        except LigatError as exc:
            raise StepFailed(matched, f"Timer '{target}' gagal dijalankan: {exc}",
                             f"Timer '{target}' failed: {exc}") from exc
        if not fired:
            raise StepFailed(matched, f"Timer '{target}' tidak berbunyi", f"Timer '{target}' did not fire")
        self.step(matched, target, f"Timer berbunyi: {', '.join(fired)}", f"Timer fired: {', '.join(fired)}")

    def message(self, step: dict[str, Any]) -> None:
        name = step["message"]
        self.current = name
        actor = step.get("as", {})
        roles = _descriptor(self.session, self.package.code).roles.values()
        role = actor.get("role") or next((r.name for r in roles if r.scope == "office"), None) or next(
            (r.name for r in roles), "")
        who = make_principal(self.session, actor.get("username") or _slug(role), {role},
                             region_code=actor.get("region", self.case.region_code),
                             bidang=actor.get("bidang", self.case.bidang))
        try:
            cases.deliver_message(self.session, self.case.id, name, step.get("payload", {}), who)
        except LigatError as exc:
            self.session.rollback()
            raise StepFailed(None, f"Pesan '{name}' tidak dapat dikirim: {exc}",
                             f"Message '{name}' could not be delivered: {exc}") from exc
        self.step(None, name, "Pesan diterima kasus", "Message delivered")

    # -- expectations -------------------------------------------------------------------
    def expect(self, expect: dict[str, Any]) -> None:
        self.session.expire_all()
        case = self.session.get(Case, self.case.id)
        rows = self.open_rows()
        if "waiting" in expect:
            have = {r.task_name for r in rows}
            names = {r.title: r.task_name for r in rows}
            wanted = {names.get(w, w) for w in expect["waiting"]}
            if have != wanted:
                first = next(iter(sorted(wanted - have)), None)
                _mismatch(first, "tugas yang menunggu", "waiting tasks", sorted(wanted), sorted(have))
        for key, label_id, label_en in (("status", "status", "status"), ("completed", "selesai", "completed"),
                                        ("escalated", "eskalasi", "escalated")):
            if key in expect and getattr(case, key) != expect[key]:
                _mismatch(None, label_id, label_en, expect[key], getattr(case, key))
        if "variables" in expect:
            data = cases.case_data(case)
            for name, value in expect["variables"].items():
                have = data.get(name, "(tidak ada / absent)")
                if data.get(name, _MISSING) != value:
                    _mismatch(None, f"variabel {name}", f"variable {name}", value, have)
        if "letters" in expect:
            issued = [letter.letter_type for letter in issued_letters.for_case(self.session, case.id)]
            if issued != expect["letters"]:
                _mismatch(None, "surat terbit", "letters issued", expect["letters"], issued)
        workflow = None
        if "timers" in expect or "messages" in expect:
            workflow = load_workflow(case.serialized, definition_spec(case.definition))
        if "timers" in expect:
            pending = set()
            for task in workflow.get_tasks(state=TaskState.WAITING):
                definition = getattr(task.task_spec, "event_definition", None)
                inner = [definition, *(getattr(definition, "event_definitions", None) or [])]
                for item in inner:
                    if item is not None and cases.is_timer_event(type(item).__name__):
                        pending.add(item.name or task.task_spec.bpmn_name or task.task_spec.bpmn_id)
            if not set(expect["timers"]) <= pending and set(expect["timers"]) != pending:
                _mismatch(None, "timer yang ditunggu", "pending timers", sorted(expect["timers"]), sorted(pending))
        if "messages" in expect:
            waiting = set(cases.waiting_messages(workflow))
            wanted = sorted(expect["messages"])
            if waiting != set(wanted):
                _mismatch(None, "pesan yang ditunggu", "messages waited for", wanted, sorted(waiting))

    def check_path(self, path: dict[str, Any] | None) -> None:
        if not path:
            return
        self.current = "jalur / path"
        self.session.expire_all()
        taken = self.path_of(self.session.get(Case, self.case.id))
        position = 0
        for element in path.get("in_order", []):
            try:
                position = taken.index(element, position) + 1
            except ValueError:
                raise StepFailed(element, f"Jalur tidak sesuai: '{element}' tidak dilalui (sesudah langkah "
                                          f"sebelumnya); jalur: {' → '.join(taken)}",
                                 f"Path mismatch: '{element}' was not taken (after the previous one); "
                                 f"path: {' → '.join(taken)}") from None
        missing = [e for e in path.get("includes", []) if e not in taken]
        if missing:
            raise StepFailed(missing[0], f"Jalur tidak sesuai: tidak dilalui {', '.join(missing)}",
                             f"Path mismatch: not taken {', '.join(missing)}")
        extra = [e for e in path.get("excludes", []) if e in taken]
        if extra:
            raise StepFailed(extra[0], f"Jalur tidak sesuai: seharusnya tidak dilalui {', '.join(extra)}",
                             f"Path mismatch: should not be taken {', '.join(extra)}")
        self.step(None, self.current)

    def check_end(self, end: dict[str, Any] | None) -> None:
        if not end:
            return
        self.current = "akhir / end"
        self.expect(end)
        self.step(None, self.current)

    def path_of(self, case: Case) -> list[str]:
        """Element ids the case's workflow completed, in order, with the sequence flow into each."""
        workflow = load_workflow(case.serialized, definition_spec(case.definition))
        done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if getattr(t.task_spec, "bpmn_id", None)]
        done.sort(key=lambda t: t.last_state_change)
        path: list[str] = []
        for task in done:
            parent = task.parent
            while parent is not None and not getattr(parent.task_spec, "bpmn_id", None):
                parent = parent.parent
            if parent is not None:
                flow = self.flows.get((parent.task_spec.bpmn_id, task.task_spec.bpmn_id))
                if flow:
                    path.append(flow)
            path.append(task.task_spec.bpmn_id)
        return path


_MISSING = object()


def _unexpected(error: Exception) -> StepFailed:
    """An error no step expects (a broken scenario value, an engine error): reported, not raised."""
    log.warning("skenario berhenti karena kesalahan tak terduga: %s", type(error).__name__)
    detail = f"{type(error).__name__}: {error}"
    return StepFailed(None, f"Kesalahan tak terduga: {detail}", f"Unexpected error: {detail}")


def _mismatch(element: str | None, label_id: str, label_en: str, wanted: Any, have: Any) -> None:
    raise StepFailed(element, f"Tidak sesuai harapan ({label_id}): diharapkan {wanted!r}, nyatanya {have!r}",
                     f"Not as expected ({label_en}): expected {wanted!r}, got {have!r}")


def _split_files(values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Answers without their file placeholders, and (field, kind) of each file to upload."""
    data, files = {}, []
    for name, value in values.items():
        if isinstance(value, dict) and set(value) == {"berkas"} and value["berkas"] in SAMPLE_FILES:
            files.append((name, value["berkas"]))
        else:
            data[name] = value
    return data, files


def _descriptor(session: Session, code: str) -> Descriptor:
    return latest_package(session, code).descriptor
