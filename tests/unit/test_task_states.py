"""SpiffWorkflow's task state changes with the log line's extras built only when the line is logged
(workflows/task_states.py): the same states and runs, SpiffWorkflow's own records when its logger is on, and the
replacement in place only on the pinned SpiffWorkflow whose method it copies."""

from __future__ import annotations

import logging
import re
import time

import pytest
from SpiffWorkflow import task as spiff_task
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from tests.conftest import ROOT
from tests.unit.test_task_walks import DIAGRAMS, _workflow
from workflows import task_states
from workflows.task_walks import CaseWorkflow


@pytest.fixture
def quiet_spiff():
    """The app's setting: the `spiff` loggers at WARNING (the `spiff.task` logger itself unset)."""
    task_logger, parent = logging.getLogger("spiff.task"), logging.getLogger("spiff")
    before = task_logger.level, parent.level
    task_logger.setLevel(logging.NOTSET)
    parent.setLevel(logging.WARNING)
    yield task_logger
    task_logger.setLevel(before[0])
    parent.setLevel(before[1])


def test_installed_on_the_pinned_version() -> None:
    pinned = re.search(r"^SpiffWorkflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and pinned.group(1) == task_states.PINNED
    # The method replaced is still the one the replacement copies (an upgrade changes it: look here again).
    assert task_states.source_digest(task_states._spiff_set_state) == task_states.SPIFF_SOURCE
    assert task_states.INSTALLED and Task._set_state is task_states._set_state
    assert task_states.install()  # idempotent


def test_not_installed_over_another_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(task_states, "SPIFF_SOURCE", "0" * 16)
    monkeypatch.setattr(Task, "_set_state", task_states._spiff_set_state)
    assert not task_states.installable()
    assert task_states.install() is False
    assert Task._set_state is task_states._spiff_set_state


def test_no_log_extras_when_the_line_is_dropped(quiet_spiff: logging.Logger, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    original = Task.collect_log_extras
    monkeypatch.setattr(Task, "collect_log_extras", lambda self, dct=None: asked.append("x") or original(self, dct))
    workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
    started = time.time()
    workflow.do_engine_steps()
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    before = ready.last_state_change
    ready.run()
    assert ready.state == TaskState.COMPLETED and started <= before <= ready.last_state_change <= time.time()
    ready._set_state(TaskState.COMPLETED)  # the same state: nothing changes
    assert ready.state == TaskState.COMPLETED
    assert asked == []  # SpiffWorkflow's method asked for them at every change


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_spiffworkflows_records_when_logged(quiet_spiff: logging.Logger, level: int,
                                            caplog: pytest.LogCaptureFixture) -> None:
    workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
    workflow.do_engine_steps()
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    with caplog.at_level(level, logger="spiff.task"):
        task._set_state(TaskState.READY)  # unchanged: SpiffWorkflow logs it at DEBUG
        task.run()
    records = [r for r in caplog.records if r.name == "spiff.task"]
    changed = [r for r in records if r.getMessage() == "State changed to COMPLETED"]
    assert changed and changed[0].task_id == task.id and changed[0].state == "COMPLETED"
    assert changed[0].task_spec == task.task_spec.name and changed[0].elapsed >= 0
    assert any(r.getMessage() == "State set to READY" for r in records) == (level == logging.DEBUG)


@pytest.mark.parametrize(("process", "files"), DIAGRAMS, ids=[d[0] for d in DIAGRAMS])
def test_the_same_run_as_spiffworkflows_method(quiet_spiff: logging.Logger, monkeypatch: pytest.MonkeyPatch,
                                               process: str, files: list[str]) -> None:
    def run() -> list[list[tuple[str, int]]]:
        workflow = _workflow(CaseWorkflow, process, *files)
        workflow.do_engine_steps()
        seen = []
        for _ in range(30):
            seen.append([(t.task_spec.name, t.state) for t in BpmnWorkflow.get_tasks(workflow)])
            if workflow.completed:
                break
            workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
            workflow.do_engine_steps()
        assert workflow.completed
        return seen

    ours = run()
    monkeypatch.setattr(Task, "_set_state", task_states._spiff_set_state)
    assert run() == ours
    assert spiff_task.logger.isEnabledFor(logging.INFO) is False
