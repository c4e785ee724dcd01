"""Letter preview: the letter a task's completion would issue, shown to the approver before approving.

Which task leads to a letter is read from the diagram, not from a task name: from the open user task the
sequence flows are followed through gateways, script tasks and other steps that do not wait, and every
script task met that calls `issue_letter("<type>", ...)` (a type the package's `service.json` → `letters`
declares) is a letter that may follow. The walk stops at the next wait state: another human task, a
catching event (timer, message, boundary), a call activity or subprocess.

The preview runs the scripts on that path (pre/post scripts included) in the sandbox, on a copy of the
open task's data, with the engine's script functions except `issue_letter`, which only records the type
and fields it is given. Whatever else the scripts write (a counter, a register row) happens inside a
savepoint that is rolled back. The fields are then rendered by `issued_letters.render`, the function that
renders issued letters (same template, same fields, same signer: the person previewing is the one who
would approve), with a number whose sequence is `XXXX`, a QR code that holds text instead of a
verification address (the printed address is a note that it comes on issue), and the mark PREVIEW_MARK.
Nothing is numbered, stored, signed or published.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

import letters

from .db import Case, InboxTask
from .errors import LigatError, NotFound
from .issued_letters import letter_kind, office_today, render
from .packages.checks import letter_types_called
from .sandbox import SandboxEnvironment
from .scripting import ScriptContext, script_functions
from .serialization import definition_spec, load_workflow, read_workflow

PREVIEW_MARK = "PRATINJAU — belum sah / PREVIEW — not valid"
# What the preview's QR code holds: text, not an address, so scanning it verifies nothing.
PREVIEW_QR = "PRATINJAU LIGAT - belum sah, tidak dapat diverifikasi. PREVIEW - not valid, cannot be verified."
# Where the letter prints its verification address: none exists before the letter is issued.
PREVIEW_URL = "(alamat verifikasi diberikan saat surat terbit)"


@dataclass(frozen=True)
class LetterStep:
    """A letter a task's completion may issue: its type and the steps run from the task up to the script
    task that issues it (specs, in order; the task itself first)."""

    letter_type: str
    element_id: str
    path: tuple[Any, ...]


@dataclass(frozen=True)
class LetterPreview:
    letter_type: str
    label: str
    number: str  # the placeholder number printed on the preview
    document: bytes  # the marked .docx


def _waits(spec: Any) -> bool:
    """A step the engine stops at (a person, an event, another process): a letter after it is not this task's."""
    return bool(getattr(spec, "manual", False)) or isinstance(spec, CatchingEvent | EventBasedGateway | SubWorkflowTask)


def letters_after(task: Any) -> list[LetterStep]:
    """Letters the completion of this (user) task may issue before the case waits again, nearest first."""
    start = task.task_spec
    parents: dict[str, Any] = {start.name: None}
    queue = deque([start])
    found: list[LetterStep] = []
    while queue:
        spec = queue.popleft()
        if spec is not start:
            if _waits(spec):
                continue
            if isinstance(spec, ScriptTask):
                for letter_type in dict.fromkeys(letter_types_called(spec.script or "")):
                    found.append(LetterStep(letter_type, getattr(spec, "bpmn_id", None) or spec.name,
                                            tuple(_path(spec, parents))))
        for following in spec.outputs:
            if following.name not in parents:
                parents[following.name] = spec
                queue.append(following)
    return found


def _path(spec: Any, parents: dict[str, Any]) -> Iterator[Any]:
    chain = []
    while spec is not None:
        chain.append(spec)
        spec = parents[spec.name]
    return reversed(chain)


def _scripts(path: tuple[Any, ...]) -> Iterator[str]:
    """The Python the engine runs along the path: the task's post-script, then each step's pre-script, script
    and post-script."""
    first, *rest = path
    if getattr(first, "postscript", None):
        yield first.postscript
    for spec in rest:
        for script in (getattr(spec, "prescript", None), spec.script if isinstance(spec, ScriptTask) else None,
                       getattr(spec, "postscript", None)):
            if script:
                yield script


def _ready_task(workflow: BpmnWorkflow, row: InboxTask) -> Any:
    task = workflow.get_task_from_id(UUID(row.task_uuid)) if row.state == "open" else None
    if task is None or task.state != TaskState.READY:
        raise NotFound("Tugas ini sudah selesai atau dibatalkan. (This task is no longer open.)")
    return task


def letter_types_after(row: InboxTask) -> list[str]:
    """The letter types the open task's completion may issue (none for a closed task), for the task page."""
    try:
        task = _ready_task(read_workflow(row.case), row)
    except NotFound:
        return []
    return list(dict.fromkeys(step.letter_type for step in letters_after(task)))


@dataclass
class _Call:
    fields: dict[str, Any]
    valid_until: Any


def _letter_call(session: Session, case: Case, actor: str, data: dict[str, Any], step: LetterStep) -> _Call:
    """The fields the step's `issue_letter` would get, from the scripts run on a copy of the task's data."""
    calls: list[_Call] = []

    def issue_letter(letter_type: str, fields: dict[str, Any], holder_name: str | None = None,
                     holder_nik: str | None = None, valid_until: str | None = None) -> dict[str, Any]:
        if letter_type == step.letter_type:
            calls.append(_Call(dict(fields), valid_until))
        return {"id": None, "nomor": "", "url_verifikasi": "", "sha256": ""}

    functions = script_functions(ScriptContext(session=session, case=case, actor=actor))
    functions["issue_letter"] = issue_letter
    environment = SandboxEnvironment()
    context = copy.deepcopy(data)
    savepoint = session.begin_nested()
    try:
        for script in _scripts(step.path):
            environment.execute(script, context, functions)
    except NameError as exc:
        raise LigatError(
            f"Surat belum dapat dipratinjau: isian '{exc.name}' belum ada (mungkin diisi saat tugas ini "
            f"diselesaikan). (The letter cannot be previewed yet: '{exc.name}' has no value.)") from exc
    except LigatError:
        raise
    except Exception as exc:  # designer-written Python: whatever it raises, the preview says so
        raise LigatError(f"Pratinjau surat tidak dapat dibuat: {exc}. (The letter preview failed.)") from exc
    finally:
        savepoint.rollback()  # a counter taken, a register row written: none of it stays
    if not calls:
        raise LigatError("Skrip penerbitan surat tidak memanggil issue_letter dengan data kasus ini. "
                         "(The letter script issues no letter with this case's data.)")
    return calls[0]


def preview(session: Session, row: InboxTask, actor: str, letter_type: str) -> LetterPreview:
    """The letter `letter_type` as completing the open task `row` would issue it now, marked as a preview.
    The caller has checked that `actor` may work on the task. Raises NotFound when no such letter follows
    the task, LigatError (with the reason) when it cannot be rendered from the case's data."""
    case = row.case
    # A copy of its own: the scripts write into the task's data.
    workflow = load_workflow(case.serialized, definition_spec(case.definition))
    task = _ready_task(workflow, row)
    step = next((s for s in letters_after(task) if s.letter_type == letter_type), None)
    if step is None:
        raise NotFound("Tidak ada surat yang terbit setelah tugas ini. (No letter follows this task.)")
    call = _letter_call(session, case, actor, task.data, step)
    kind, template = letter_kind(session, case, letter_type)
    today = office_today()
    number = letters.preview_number(kind.number_pattern, today)
    rendered = render(session, kind, template, actor, call.fields, number=number, qr_payload=PREVIEW_QR,
                      valid_until=call.valid_until, url=PREVIEW_URL, issued_on=today)
    return LetterPreview(letter_type, kind.label, number, letters.mark_preview(rendered.document, PREVIEW_MARK))

