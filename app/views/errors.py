"""Engine errors → what a person sees."""

from __future__ import annotations

from flask import abort, flash

from workflows.errors import Forbidden, NotFound


def abort_for(error: Exception) -> None:
    if isinstance(error, NotFound):
        abort(404, description=str(error))
    if isinstance(error, Forbidden):
        abort(403, description=str(error))


def flash_error(error: Exception) -> None:
    flash(str(error), "danger")
