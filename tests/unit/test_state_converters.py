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
