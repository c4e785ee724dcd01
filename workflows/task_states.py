"""SpiffWorkflow's task state change, without the log line's extras when that line is not logged.

`Task._set_state` (SpiffWorkflow 3.2.0) builds its log line before asking the logger: the state's name (a
dict made of every state and mask, twice) and `collect_log_extras` (a dict with the parent's and the spec's
details), about twenty Python calls a change, some thirty changes a complaint case, for an INFO line that
the `spiff.task` logger drops (the app keeps the `spiff` loggers at WARNING). `install` replaces the
method with one that asks the logger first: when the line would be logged it runs SpiffWorkflow's own
method, so the records and their extras are SpiffWorkflow's; when not, it makes the same change (the new
state and the moment of the change) and nothing else.

A private method of a pinned library (requirements.txt: SpiffWorkflow==3.2.0): `install` replaces it only
on that version and only when the method is still the one this module was written against (its source
compared), and tests/unit/test_task_states.py checks both, so an upgrade leaves SpiffWorkflow's own method
in place until this is looked at again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import logging
import time

from SpiffWorkflow import task as _spiff_task
from SpiffWorkflow.task import Task

PINNED = "3.2.0"
# `Task._set_state`'s source on the pinned version (what this replacement copies): see source_digest.
SPIFF_SOURCE = "86c4c1d22dc9b70f"
_LOGGER = _spiff_task.logger
_INFO, _DEBUG = logging.INFO, logging.DEBUG
_spiff_set_state = Task._set_state


def source_digest(func: object) -> str:
    """The first 16 hex digits of the sha256 of a function's source ("" when the source cannot be read)."""
    try:
        source = inspect.getsource(func)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _set_state(self: Task, value: int) -> None:
    """`Task._set_state` with its log line built only when the `spiff.task` logger would emit it."""
    if value != self._state:
        if _LOGGER.isEnabledFor(_INFO):
            _spiff_set_state(self, value)
            return
        self.last_state_change = time.time()
        self._state = value
    elif _LOGGER.isEnabledFor(_DEBUG):
        _spiff_set_state(self, value)


def installable() -> bool:
    """True on the pinned SpiffWorkflow whose `_set_state` is the one this module copies."""
    return (importlib.metadata.version("SpiffWorkflow") == PINNED
            and source_digest(_spiff_set_state) == SPIFF_SOURCE)


def install() -> bool:
    """Put the replacement in place (idempotent); False when SpiffWorkflow is not the version it was made for."""
    if Task._set_state is _set_state:
        return True
    if not installable():
        return False
    Task._set_state = _set_state
    return True


INSTALLED = install()
