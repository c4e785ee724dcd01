"""Errors the engine layer raises; each message is shown to a person as is."""


class LigatError(Exception):
    """Base class: `str(error)` is a message in Bahasa Indonesia."""


class DeployError(LigatError):
    """A BPMN/DMN file was refused; nothing was deployed."""


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
    """A script, expression or gateway of the process model failed; nothing was saved."""
