"""SpiffWorkflow's converters of a case's tasks, with one UUID object per task id and its text kept.

SpiffWorkflow's TaskConverter (3.2) parses each task id three times on load (as the key of the workflow's task
map, as the task's own id, as its parent's child and its child's parent), each a distinct UUID object; every
later lookup of a task by id (parent, children, the engine's walks) then hashes and compares UUIDs in Python,
as two equal but distinct UUIDs are not the same object. Here every spelling of an id is parsed once and the
same object serves everywhere: fewer parses, and a dict lookup that finds its key by identity without
calling UUID.__eq__. On save, an id's text is looked up by its number instead of formatted by UUID.__str__
(a Python method, called four times a task), and each task's parent is looked up once instead of four times.
What is restored, and the JSON saved, are unchanged (SpiffWorkflow's key order included).
"""

from __future__ import annotations

from copy import copy
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


@lru_cache(maxsize=16_384)
def task_id(text: str) -> UUID:
    """The UUID of a task id as stored, one object per id while it is in use (ids are immutable values)."""
    return UUID(text)


@lru_cache(maxsize=16_384)
def _id_text(number: int) -> str:
    text = f"{number:032x}"  # UUID.__str__, without making a UUID
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def id_text(task_uuid: UUID) -> str:
    """str(task_uuid), remembered for the ids in use."""
    return _id_text(task_uuid.int)


class CaseTaskConverter(TaskConverter):
    """TaskConverter of SpiffWorkflow 3.2, ids through `task_id` and `id_text`."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        parent = task.parent
        data = task.data
        if parent is None:
            delta = {}
        else:
            # Only the task's own changes to its parent's data are stored (DeepMerge.get_updated_keys and
            # get_deleted_keys, inline).
            before = parent.data
            updates = {key: value for key, value in data.items() if key not in before or value != before[key]}
            delta = {"updates": updates, "deletions": [key for key in before if key not in data]}
            data = {}
        internal = task.internal_data
        return {
            "id": _id_text(task.id.int),
            "parent": _id_text(task._parent.int) if parent is not None else None,
            "children": [_id_text(child.int) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            # An empty dict converts to a new empty dict (registry.convert): most tasks' internal data is empty.
            "internal_data": {} if type(internal) is dict and not internal else self.registry.convert(internal),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Any:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        parent_id = dct["parent"]
        if self.target_class is Task and task_spec:  # a spec not found: Task.__init__ puts a StartTask in
            task = _restored_task(workflow, task_spec, dct, task_id(dct["id"]),
                                  task_id(parent_id) if parent_id is not None else None)
        else:
            task = self.target_class(workflow, task_spec, state=dct["state"], id=task_id(dct["id"]))
            task._parent = task_id(parent_id) if parent_id is not None else None
            task._children = [task_id(child) for child in dct["children"]]
            task.last_state_change = dct["last_state_change"]
            task.triggered = dct["triggered"]
        # An empty dict restores as a new empty dict: most tasks' internal data and changes are empty.
        internal = dct["internal_data"]
        task.internal_data = {} if internal == {} else self.registry.restore(internal)
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = workflow.tasks.get(task._parent) if delta else None  # Task.parent, once
        if parent is not None:
            data = _copy_data(parent.data)
            updates = delta.get("updates", {})
            if updates != {}:
                data.update(self.registry.restore(updates))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _restored_task(workflow: Any, task_spec: Any, dct: dict[str, Any], uuid: UUID, parent: UUID | None) -> Task:
    """Task(workflow, task_spec, state=…, id=…) with its stored attributes, without Task.__init__: it would set
    each of them first (a clock read, a parent lookup) only for TaskConverter.from_dict to overwrite them. The
    same attributes, in the same order (the pickle of a task and its `__dict__` are unchanged)."""
    task = Task.__new__(Task)
    workflow.tasks[uuid] = task
    task.__dict__.update({
        "id": uuid, "workflow": workflow, "_parent": parent, "_children": [task_id(c) for c in dct["children"]],
        "_state": dct["state"], "triggered": dct["triggered"], "task_spec": task_spec,
        "thread_id": Task.thread_id_pool, "data": {}, "internal_data": {},
        "last_state_change": dct["last_state_change"],
    })
    return task


def _copy_data(data: dict[str, Any]) -> dict[str, Any]:
    """DeepMerge.merge({}, data): a new dict whose dict, list and set values are copied one level down."""
    return {key: copy(value) if isinstance(value, (dict, list, set)) else value for key, value in data.items()}


class CaseWorkflowConverter(BpmnWorkflowConverter):
    """BpmnWorkflowConverter of SpiffWorkflow 3.2, the task map keyed by the tasks' own id objects."""

    def mapping_to_dict(self, mapping: dict, **kwargs: Any) -> dict[str, Any]:
        return {id_text(k) if type(k) is UUID else str(k): self.registry.convert(v, **kwargs)
                for k, v in mapping.items()}

    def from_dict(self, dct: dict[str, Any]) -> Any:
        spec = self.registry.restore(dct.pop("spec"))
        subprocess_specs = self.mapping_from_dict(dct.pop("subprocess_specs", {}))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = {task_id(k): self.registry.restore(v, workflow=workflow) for k, v in dct["tasks"].items()}
        workflow.task_tree = workflow.tasks.get(task_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow
