"""Workflow state ⇄ JSON. The spec is stored once per process definition and
left out of each case's JSON; it is put back on load.

Each BPMN dialect needs its own serializer (their task classes share names).
"""

from __future__ import annotations

import json
import weakref
from functools import lru_cache

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG as SPIFF_CONFIG
from SpiffWorkflow.task import Task

from . import task_states  # noqa: F401 (SpiffWorkflow's state changes without their dropped log line)
from .state_converters import CaseTaskConverter, CaseWorkflowConverter
from .task_walks import CaseWorkflow


def _serializer(config: dict) -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure({**config, Task: CaseTaskConverter})
    # A stored state (typename BpmnWorkflow) loads as a CaseWorkflow, and one saves as a BpmnWorkflow: the
    # JSON is the same either way.
    CaseWorkflowConverter(CaseWorkflow, registry, typename="BpmnWorkflow")
    return BpmnWorkflowSerializer(registry)


SERIALIZERS = {"spiff": _serializer(SPIFF_CONFIG), "camunda": _serializer(CAMUNDA_CONFIG)}


def spec_to_json(spec: object, subprocess_specs: dict, dialect: str = "spiff") -> str:
    serializer = SERIALIZERS[dialect]
    return json.dumps(
        {
            "dialect": dialect,
            "spec": serializer.to_dict(spec),
            "subprocess_specs": {k: serializer.to_dict(v) for k, v in subprocess_specs.items()},
        }
    )


@lru_cache(maxsize=256)
def _spec_objects(spec_json: str) -> tuple[BpmnWorkflowSerializer, object, dict]:
    # Specs are immutable once parsed, so one restored copy serves every case.
    dct = json.loads(spec_json)
    serializer = SERIALIZERS[dct.get("dialect", "spiff")]
    spec = serializer.from_dict(dct["spec"])
    subs = {k: serializer.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return serializer, spec, subs


def spec_objects(spec_json: str) -> tuple[str, object, dict]:
    """(dialect, spec, subprocess specs) of a stored spec: what a caller's deploy takes in (another package's
    process called from a call activity)."""
    serializer, spec, subs = _spec_objects(spec_json)
    return json.loads(spec_json).get("dialect", "spiff"), spec, dict(subs)


_SPEC_JSON: dict[tuple[str, str], str] = {}


def definition_spec(definition: object) -> str:
    """The spec JSON of a process definition, read from the database once per process.

    A definition never changes once deployed, and (process id, content hash) names the same
    spec in any database, so the large column is loaded on the first step only (it is deferred).
    """
    key = (definition.process_id, definition.content_hash)
    spec_json = _SPEC_JSON.get(key)
    if spec_json is None:
        if len(_SPEC_JSON) > 256:
            _SPEC_JSON.clear()
        spec_json = _SPEC_JSON[key] = definition.spec_json
    return spec_json


def new_workflow(spec_json: str) -> BpmnWorkflow:
    _, spec, subs = _spec_objects(spec_json)
    return CaseWorkflow(spec, subs)


def dump_workflow(workflow: BpmnWorkflow, spec_json: str) -> str:
    serializer = _spec_objects(spec_json)[0]
    serializer.registry._encoder_mode = True  # what serialize_json does, minus the spec
    # Hide the spec while converting: converting it only to throw it away was ~40% of a save.
    spec, subprocess_specs = workflow.spec, workflow.subprocess_specs
    workflow.spec, workflow.subprocess_specs = None, {}
    try:
        dct = serializer.to_dict(workflow)
    finally:
        serializer.registry._encoder_mode = False
        workflow.spec, workflow.subprocess_specs = spec, subprocess_specs
    del dct["spec"], dct["subprocess_specs"]
    dct[serializer.VERSION_KEY] = serializer.VERSION
    return json.dumps(dct, cls=serializer._encoder_cls, separators=(",", ":"))


def load_workflow(serialized: str, spec_json: str) -> BpmnWorkflow:
    serializer, spec, subs = _spec_objects(spec_json)
    dct = json.loads(serialized, cls=serializer.json_decoder_cls)
    serializer.migrate(dct)
    # The registry passes objects that are not dicts through unchanged, so the
    # cached spec objects can stand in for their serialized form.
    dct["spec"], dct["subprocess_specs"] = spec, subs
    return serializer.from_dict(dct)


# Workflows deserialized for reading only (case page, task page, panels), kept with the loaded case row:
# one page asks for the case's data, its waiting messages and its timers, and each used to deserialize.
_READ: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def read_workflow(case: object) -> BpmnWorkflow:
    """The case's workflow for reading, deserialized once per loaded row and state. Never run or
    save it: a step loads its own copy (workflows/cases.py)."""
    key = (getattr(case, "lock_version", None), hash(case.serialized))
    found = _READ.get(case)
    if found is None or found[0] != key:
        found = (key, load_workflow(case.serialized, definition_spec(case.definition)))
        _READ[case] = found
    return found[1]
