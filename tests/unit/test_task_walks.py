"""The case workflow's task-tree walks hand out what SpiffWorkflow's own iterators do, in the same order, at
every point of a run (subprocesses, call activities, boundary events, lanes), and a run through them takes
the same path as SpiffWorkflow's."""

from __future__ import annotations

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskIterator, TaskState

from tests.conftest import ROOT
from workflows.task_walks import CaseWorkflow, walk

DATA = ROOT / "tests" / "data" / "asing"
STATES = [TaskState.ANY_MASK, TaskState.MAYBE, TaskState.LIKELY, TaskState.FUTURE, TaskState.WAITING,
          TaskState.READY, TaskState.STARTED, TaskState.COMPLETED, TaskState.CANCELLED, TaskState.ERROR,
          TaskState.PREDICTED_MASK, TaskState.DEFINITE_MASK, TaskState.FINISHED_MASK, TaskState.NOT_FINISHED_MASK,
          TaskState.READY | TaskState.WAITING, TaskState.COMPLETED | TaskState.WAITING]


def _workflow(cls: type, process: str, *files: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    for name in files:
        parser.add_bpmn_xml(etree.parse(str(DATA / name)).getroot(), filename=name)
    return cls(parser.get_spec(process), parser.get_subprocess_specs(process))


def _same_answers(workflow: CaseWorkflow) -> int:
    """Every question of the walk against SpiffWorkflow's iterators; returns how many tasks were compared."""
    compared = 0
    starts = [None, *list(workflow.tasks.values())[1::3]]
    names = {t.task_spec.name for t in BpmnWorkflow.get_tasks(workflow)}
    for first in starts:
        for state in STATES:
            for extra in [{}, {"manual": True}, {"manual": False}, *({"spec_name": n} for n in sorted(names)[:4])]:
                ours = workflow.get_tasks(first, state=state, **extra)
                theirs = BpmnWorkflow.get_tasks(workflow, first, state=state, **extra)
                assert [t.id for t in ours] == [t.id for t in theirs], (first, state, extra)
                compared += len(ours)
        plain = workflow.task_tree if first is None else first
        for state in STATES:  # the plain iterator (no subprocesses): update_waiting_tasks's walk
            assert ([t.id for t in walk(plain, state)]
                    == [t.id for t in TaskIterator(plain, state=state)]), (first, state)
    assert [t.id for t in workflow.get_tasks()] == [t.id for t in BpmnWorkflow.get_tasks(workflow)]
    return compared


DIAGRAMS = [
    ("subproses_lane", ["subproses_lane.bpmn"]),
    ("panggil_atas", ["panggil_atas.bpmn", "panggil_tengah.bpmn", "panggil_dasar.bpmn"]),
    ("berkas_induk", ["berkas_induk.bpmn", "berkas_anak.bpmn"]),
    ("spiff_penugasan", ["spiff_penugasan.bpmn"]),
]


@pytest.mark.parametrize(("process", "files"), DIAGRAMS, ids=[d[0] for d in DIAGRAMS])
def test_walks_answer_as_spiffworkflow_does_at_every_step(process: str, files: list[str]) -> None:
    ours, theirs = _workflow(CaseWorkflow, process, *files), _workflow(BpmnWorkflow, process, *files)
    ours.do_engine_steps()
    theirs.do_engine_steps()
    compared = _same_answers(ours)
    done: list[list[str]] = [[], []]
    for _ in range(30):
        if ours.completed:
            break
        for i, workflow in enumerate((ours, theirs)):
            task = BpmnWorkflow.get_tasks(workflow, state=TaskState.READY, manual=True)[0]
            done[i].append(task.task_spec.name)
            task.run()
            workflow.do_engine_steps()
        compared += _same_answers(ours)
        # The same run: every task in the same state, in the same order.
        assert ([(t.task_spec.name, t.state) for t in BpmnWorkflow.get_tasks(ours)]
                == [(t.task_spec.name, t.state) for t in BpmnWorkflow.get_tasks(theirs)])
    assert ours.completed and theirs.completed and done[0] == done[1] and done[0]
    assert compared > 50  # the questions found tasks, not only empty answers
    if process in ("panggil_atas", "berkas_induk"):
        assert ours.subprocesses  # the walks went into subprocesses


def test_other_questions_go_to_spiffworkflow() -> None:
    workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
    workflow.do_engine_steps()
    assert ([t.id for t in workflow.get_tasks(state=TaskState.READY, skip_subprocesses=True)]
            == [t.id for t in BpmnWorkflow.get_tasks(workflow, state=TaskState.READY, skip_subprocesses=True)])


@pytest.mark.parametrize("level", [10, 20])
def test_log_extras_are_spiffworkflows(level: int) -> None:
    """Where SpiffWorkflow's INFO line is made, its extras are SpiffWorkflow's own (with every task below INFO)."""
    from SpiffWorkflow.workflow import Workflow
    from SpiffWorkflow.workflow import logger as workflow_logger

    before = workflow_logger.level
    workflow_logger.setLevel(level)
    try:
        workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
        for _ in range(3):
            ours, theirs = workflow.collect_log_extras(), Workflow.collect_log_extras(workflow)
            assert ours == theirs
            assert ("tasks" in ours) == (level < 20)
            assert workflow.collect_log_extras({"x": 1}) == Workflow.collect_log_extras(workflow, {"x": 1})
            workflow.do_engine_steps()
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if ready:
                ready[0].run()
    finally:
        workflow_logger.setLevel(before)


def test_log_extras_walk_no_tasks_for_a_line_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """The logger's own level unset (below INFO) under a "spiff" logger at WARNING, as the app sets it: the INFO
    line the extras are for is never made, so the task tree is not walked for them (SpiffWorkflow's own
    collect_log_extras walks it); the line is still not logged, and with INFO on the list is back."""
    import logging

    from SpiffWorkflow.workflow import Workflow
    from SpiffWorkflow.workflow import logger as workflow_logger

    parent = logging.getLogger("spiff")
    before = workflow_logger.level, parent.level
    workflow_logger.setLevel(logging.NOTSET)
    parent.setLevel(logging.WARNING)
    try:
        workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
        walks: list[int] = []
        real = CaseWorkflow.get_tasks
        monkeypatch.setattr(CaseWorkflow, "get_tasks", lambda self, *a, **k: walks.append(1) or real(self, *a, **k))
        ours = workflow.collect_log_extras()
        assert not walks and "tasks" not in ours
        assert ours == {k: v for k, v in Workflow.collect_log_extras(workflow).items() if k != "tasks"}
        parent.setLevel(logging.INFO)
        assert [t.id for t in real(workflow)] == workflow.collect_log_extras()["tasks"] and walks
    finally:
        workflow_logger.setLevel(before[0])
        parent.setLevel(before[1])
