"""The functions a process designer may call from script tasks.

Scripts and expressions run restricted (workflows.sandbox: RestrictedPython, safe builtins
only). They get a small, documented set of functions bound to the case being
run; what they do is recorded as effects and applied by the engine step in the
same transaction as the new workflow state.

Built in:
    set_status(status, note=None)   public status of the case (shown to citizens)
    notify_reporter(message)        message to the reporter, unless anonymous
    notify(recipient, message)      message to a phone number
    mark_escalated(reason)          flag the case as escalated
    next_number(name)               next value of a gap-free yearly counter
    variable(name, default=None)    a process variable, or default when the case lacks it
                                    (given by the sandbox; replaces `globals().get(name)`)

Other packages add functions with `register_script_function`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .sandbox import VARIABLE_FUNCTION, SandboxEnvironment, refusal_in

ScriptFunction = Callable[..., Any]
_REGISTRY: dict[str, Callable[[ScriptContext], ScriptFunction]] = {}


@dataclass
class Effect:
    kind: str  # status, notify_reporter, notify, escalated
    args: dict[str, Any]


@dataclass
class ScriptContext:
    """What a script may touch: the case being run and the open session."""

    session: Any
    case: Any
    actor: str
    effects: list[Effect] = field(default_factory=list)


def register_script_function(name: str) -> Callable:
    """Decorator: `factory(ctx) -> function` becomes callable by that name in scripts."""

    def wrap(factory: Callable[[ScriptContext], ScriptFunction]) -> Callable:
        _REGISTRY[name] = factory
        return factory

    return wrap


@register_script_function("set_status")
def _set_status(ctx: ScriptContext) -> ScriptFunction:
    def set_status(status: str, note: str | None = None) -> None:
        ctx.effects.append(Effect("status", {"status": status, "note": note}))

    return set_status


@register_script_function("notify_reporter")
def _notify_reporter(ctx: ScriptContext) -> ScriptFunction:
    def notify_reporter(message: str) -> None:
        ctx.effects.append(Effect("notify_reporter", {"message": message}))

    return notify_reporter


@register_script_function("notify")
def _notify(ctx: ScriptContext) -> ScriptFunction:
    def notify(recipient: str, message: str) -> None:
        ctx.effects.append(Effect("notify", {"recipient": recipient, "message": message}))

    return notify


@register_script_function("mark_escalated")
def _mark_escalated(ctx: ScriptContext) -> ScriptFunction:
    def mark_escalated(reason: str) -> None:
        ctx.effects.append(Effect("escalated", {"reason": reason}))

    return mark_escalated


@register_script_function("next_number")
def _next_number(ctx: ScriptContext) -> ScriptFunction:
    from .sequences import next_value

    def next_number(name: str) -> int:
        return next_value(ctx.session, name)

    return next_number


def script_functions(ctx: ScriptContext) -> dict[str, ScriptFunction]:
    """Every registered script function bound to one case's context (the engine's and a letter preview's)."""
    return {name: factory(ctx) for name, factory in _REGISTRY.items()}


def script_function_names() -> frozenset[str]:
    """Names a designer may call from scripts and expressions (checked at deploy)."""
    return frozenset(_REGISTRY) | {VARIABLE_FUNCTION}


class CaseScriptEngine(PythonScriptEngine):
    """A script engine bound to one case for one engine step."""

    def __init__(self, ctx: ScriptContext):
        super().__init__(environment=SandboxEnvironment())
        self.ctx = ctx
        self._functions = script_functions(ctx)

    def validate(self, expression):  # noqa: ANN001
        # A DMN table asks this of every cell at every evaluation (twice for a cell such as `< 5`): the answer
        # depends on the text alone, so it is parsed once per text.
        error = _parse_error(expression)
        if error is not None:
            raise error[0](*error[1])

    def execute(self, task, script, external_context=None):  # noqa: ANN001 (Spiff's signature)
        context = dict(self._functions)
        context.update(external_context or {})
        try:
            return super().execute(task, script, context)
        except SpiffWorkflowException as exc:
            _raise_located(exc, task)
            raise

    def evaluate(self, task, expression, external_context=None):  # noqa: ANN001
        context = dict(self._functions)
        context.update(external_context or {})
        try:
            return super().evaluate(task, expression, context)
        except SpiffWorkflowException as exc:
            _raise_located(exc, task)
            raise


@lru_cache(maxsize=4096)
def _parse_error(expression: str) -> tuple[type[SyntaxError], tuple[Any, ...]] | None:
    """The class and arguments of the SyntaxError `ast.parse` raises for a text (a new error is raised each
    time, so no traceback is shared between evaluations), or None when it parses."""
    try:
        ast.parse(expression)
    except SyntaxError as exc:
        return type(exc), exc.args
    return None


def _raise_located(exc: SpiffWorkflowException, task: Any) -> None:
    """A sandbox refusal surfaces as itself, naming the element and line, not as a generic step failure."""
    refused = refusal_in(exc)
    if refused is None or refused.where[0]:
        return
    spec = getattr(task, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "?"
    line = getattr(exc, "line_number", None) or None
    raise refused.located(element, getattr(spec, "bpmn_name", None), line) from exc
