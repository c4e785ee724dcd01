"""Errors the engine layer raises; each message is shown to a person as is."""

from __future__ import annotations


class LigatError(Exception):
    """Base class: `str(error)` is a message in Bahasa Indonesia."""


class DeployError(LigatError):
    """A package (or one of its files) was refused; nothing was deployed.

    `problems` lists every problem found (each names its file and element id), so a designer
    fixes them all in one round.
    """

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])

    @classmethod
    def of(cls, code: str, problems: list) -> DeployError:
        lines = [f"Paket '{code}' ditolak, {len(problems)} masalah; tidak ada yang di-deploy. "
                 f"(Package '{code}' refused, {len(problems)} problem(s); nothing was deployed.)"]
        lines += [f"- {p}" for p in problems]
        return cls("\n".join(lines), problems)


class NotFound(LigatError):
    pass


class Forbidden(LigatError):
    pass


class TaskUnavailable(LigatError):
    """The task is done, cancelled, or claimed by someone else."""


class ConcurrentUpdate(LigatError):
    """Someone else changed the case first; the caller's change was not applied."""


class FormInvalid(LigatError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Isian formulir belum benar.")
        self.errors = errors


class ProcessError(LigatError):
    """A script, expression or gateway of the process model failed; nothing was saved.

    `element_id` names the failing element and `reason` the engine's own words, when known, so a
    designer's tool (the scenario runner) can point at the element instead of quoting the message."""

    def __init__(self, message: str, element_id: str | None = None, reason: str = ""):
        super().__init__(message)
        self.element_id, self.reason = element_id, reason
