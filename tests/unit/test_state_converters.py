"""A case's state saved and loaded by LIGAT's converters: the same JSON as SpiffWorkflow's own serializer, the
same tasks back, and one UUID object per task id (what lets the engine find a task by identity)."""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG as SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from tests.unit.test_task_walks import DIAGRAMS, _workflow
from workflows.serialization import dump_workflow, load_workflow, spec_to_json
from workflows.task_walks import CaseWorkflow

STOCK = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
BpmnWorkflowConverter(CaseWorkflow, STOCK.registry, typename="BpmnWorkflow")  # SpiffWorkflow's own converter


def _stock_state(workflow: BpmnWorkflow) -> dict:
    dct = json.loads(STOCK.serialize_json(workflow))
    del dct["spec"], dct["subprocess_specs"]
    return dct


def _tasks(workflow: BpmnWorkflow) -> list[tuple]:
    return [(str(t.id), t.task_spec.name, t.state, t.data, t.internal_data, t.last_state_change, t.triggered,
             [str(c) for c in t._children]) for t in BpmnWorkflow.get_tasks(workflow)]


def _one_object_per_id(workflow: BpmnWorkflow) -> None:
    for key, task in workflow.tasks.items():
        assert key is task.id
        for child in task._children:
            assert child is workflow.tasks[child].id
            assert workflow.tasks[child]._parent is task.id


@pytest.mark.parametrize(("process", "files"), DIAGRAMS, ids=[d[0] for d in DIAGRAMS])
def test_state_saves_as_spiffworkflow_does_and_loads_back(process: str, files: list[str]) -> None:
    workflow = _workflow(CaseWorkflow, process, *files)
    spec_json = spec_to_json(workflow.spec, workflow.subprocess_specs)
    workflow.do_engine_steps()
    steps = 0
    while True:
        saved = dump_workflow(workflow, spec_json)
        assert saved == json.dumps(_stock_state(workflow), separators=(",", ":"))  # byte for byte, key order too
        loaded = load_workflow(saved, spec_json)
        assert isinstance(loaded, CaseWorkflow)
        stock = STOCK.deserialize_json(STOCK.serialize_json(workflow))
        assert _tasks(loaded) == _tasks(stock) == _tasks(workflow)
        assert dump_workflow(loaded, spec_json) == saved
        _one_object_per_id(loaded)
        if loaded.completed:
            break
        # Go on from the loaded copy, as a step does.
        workflow = loaded
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.run()
        workflow.do_engine_steps()
        steps += 1
        assert steps < 30
    assert steps


@pytest.mark.parametrize(("process", "files"), DIAGRAMS, ids=[d[0] for d in DIAGRAMS])
def test_loaded_tasks_have_the_attributes_spiffworkflow_gives_them(process: str, files: list[str]) -> None:
    # The tasks are restored without Task.__init__: the same attributes, in the same order, with the same values
    # as SpiffWorkflow's own converter restores (a task's pickle and __dict__ unchanged).
    workflow = _workflow(CaseWorkflow, process, *files)
    spec_json = spec_to_json(workflow.spec, workflow.subprocess_specs)
    workflow.do_engine_steps()
    for _ in range(3):
        loaded = load_workflow(dump_workflow(workflow, spec_json), spec_json)
        stock = STOCK.deserialize_json(STOCK.serialize_json(workflow))
        pairs = [(loaded, stock), *zip(loaded.subprocesses.values(), stock.subprocesses.values(), strict=True)]
        every = [(t, s) for w_ours, w_stock in pairs
                 for t, s in zip(w_ours.tasks.values(), w_stock.tasks.values(), strict=True)]
        assert len(every) >= len(workflow.tasks)
        for ours, theirs in every:
            assert type(ours) is type(theirs)
            assert list(vars(ours)) == list(vars(theirs))
            for name, value in vars(theirs).items():
                if name == "workflow":
                    assert type(vars(ours)[name]) is type(value)
                elif name == "task_spec":
                    assert vars(ours)[name].name == value.name
                else:
                    assert vars(ours)[name] == value, name
            assert ours.data is not (ours.parent.data if ours.parent else None)
        ready = loaded.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        ready[0].run()
        loaded.do_engine_steps()
        workflow = loaded


def test_a_task_whose_spec_is_gone_fails_to_load_as_with_spiffworkflow() -> None:
    # A stored task naming a spec the diagram no longer has goes through Task.__init__, as before (which fails).
    workflow = _workflow(CaseWorkflow, "subproses_lane", "subproses_lane.bpmn")
    spec_json = spec_to_json(workflow.spec, workflow.subprocess_specs)
    workflow.do_engine_steps()
    ours, stock = json.loads(dump_workflow(workflow, spec_json)), json.loads(STOCK.serialize_json(workflow))
    for dct in (ours, stock):
        dct["tasks"][list(dct["tasks"])[-1]]["task_spec"] = "tidak_ada"
    with pytest.raises(TypeError) as theirs:
        STOCK.deserialize_json(json.dumps(stock))
    with pytest.raises(TypeError) as raised:
        load_workflow(json.dumps(ours), spec_json)
    assert str(raised.value) == str(theirs.value)
