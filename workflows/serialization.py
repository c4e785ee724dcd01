"""Workflow state ⇄ JSON. The spec is stored once per process definition and
left out of each case's JSON; it is put back on load."""

from __future__ import annotations

import json
from functools import lru_cache

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
_SPEC_KEYS = ("spec", "subprocess_specs")


def spec_to_json(spec: object, subprocess_specs: dict) -> str:
    return json.dumps(
        {
            "spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()},
        }
    )


@lru_cache(maxsize=256)
def _spec_objects(spec_json: str) -> tuple[object, dict]:
    # Specs are immutable once parsed, so one restored copy serves every case.
    dct = json.loads(spec_json)
    spec = SERIALIZER.from_dict(dct["spec"])
    subs = {k: SERIALIZER.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def new_workflow(spec_json: str) -> BpmnWorkflow:
    spec, subs = _spec_objects(spec_json)
    return BpmnWorkflow(spec, subs)


def dump_workflow(workflow: BpmnWorkflow) -> str:
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
    finally:
        SERIALIZER.registry._encoder_mode = False
    for key in _SPEC_KEYS:
        dct.pop(key)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))


def load_workflow(serialized: str, spec_json: str) -> BpmnWorkflow:
    dct = json.loads(serialized, cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)
    # The registry passes objects that are not dicts through unchanged, so the
    # cached spec objects can stand in for their serialized form.
    dct["spec"], dct["subprocess_specs"] = _spec_objects(spec_json)
    return SERIALIZER.from_dict(dct)
