"""Walks of a case's task tree: SpiffWorkflow's order and pruning, at a fraction of its cost.

A step walks its case's task tree about eight times: SpiffWorkflow looks for ready tasks at every pass of
`do_engine_steps` and for waiting ones after every task it runs, and the step reads every task before and
after. SpiffWorkflow's iterator spends some fifty Python calls a task on depth bookkeeping and filter objects;
`walk` visits the same tasks in the same order (depth first; a subprocess's tree before its task's own
children; a branch not entered when its task's state is below what the question can find, nor below the
iterator's depth limit) in a few. Only the common questions (by state, manual flag and spec name, from the root
or a given task) take it: any other keyword goes to SpiffWorkflow's own iterator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import logger as _workflow_logger

# SpiffWorkflow's TaskIterator default: it descends no deeper than this.
MAX_DEPTH = 1000
_SIMPLE = frozenset({"state", "manual", "spec_name"})


def walk(first: Any, state: int = TaskState.ANY_MASK, manual: bool | None = None, spec_name: str | None = None,
         subprocesses: dict | None = None) -> Iterator[Any]:
    """The tasks under `first` (itself included) with a state in `state` (and the manual flag or spec name
    asked), in SpiffWorkflow's depth-first order. `subprocesses`: the top workflow's, to descend into them as
    BpmnTaskIterator does; None for the plain TaskIterator. Lazy like SpiffWorkflow's: a task's children are
    read when it is reached, before it is handed out, and a task is matched when reached."""
    # The iterator's pruning: a branch below a task in a lower state holds nothing the question can find.
    if state & TaskState.PREDICTED_MASK:
        min_state = TaskState.MAYBE
    elif state & TaskState.DEFINITE_MASK:
        min_state = TaskState.FUTURE
    else:
        min_state = TaskState.COMPLETED
    # Into a finished subprocess only when finished tasks are asked for (BpmnTaskIterator's rule).
    finished_asked = not state <= TaskState.FINISHED_MASK
    stack = [(first, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        task, depth = pop()
        sub = subprocesses.get(task.id) if subprocesses else None
        task_state = task._state
        if (task._children or sub is not None) and (task_state >= min_state or sub is not None) and depth < MAX_DEPTH:
            tasks = task.workflow.tasks  # Task.children, without its property and list
            for child in reversed(task._children):
                push((tasks.get(child), depth + 1))
            if sub is not None and (finished_asked or task_state < TaskState.FINISHED_MASK):
                push((sub.task_tree, depth + 1))  # last pushed, first visited
        if (task_state & state and (manual is None or task.task_spec.manual == manual)
                and (spec_name is None or task.task_spec.name == spec_name)):
            yield task


class CaseWorkflow(BpmnWorkflow):
    """SpiffWorkflow's BpmnWorkflow with its task-tree walks done by `walk` (serialized as a BpmnWorkflow)."""

    def get_tasks(self, first_task: Any = None, **kwargs: Any) -> list[Any]:
        if kwargs.keys() <= _SIMPLE:
            return list(walk(first_task or self.task_tree, subprocesses=self.subprocesses, **kwargs))
        return super().get_tasks(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        # Workflow.update_waiting_tasks with the plain TaskIterator (no subprocesses), lazily as it does: a
        # waiting task updated may change the ones after it.
        for task in walk(self.task_tree, TaskState.WAITING):
            task.task_spec._update(task)

    def collect_log_extras(self, dct: dict | None = None) -> dict:
        # Workflow.collect_log_extras with its list of every task done by `walk` (get_tasks): SpiffWorkflow builds it
        # whenever its logger's own level is below INFO (unset, as it is under the app's "spiff" logger), for a
        # line it logs at INFO; twice a case (workflow made, workflow completed). Built here only when that line
        # is made.
        extra = dct or {}
        extra.update({"workflow_spec": self.spec.name, "success": self.success, "completed": self.completed,
                      "root": self.task_tree.id})
        # Every caller hands the extras to an INFO line: where that line is not made (the app sets "spiff" to
        # WARNING), the list of every task would be walked for nothing.
        if _workflow_logger.level < 20 and _workflow_logger.isEnabledFor(logging.INFO):
            extra.update({"tasks": [t.id for t in self.get_tasks()]})
        return extra
