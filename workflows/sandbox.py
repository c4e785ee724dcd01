"""The restricted environment designer-written Python runs in (RestrictedPython).

Every script task, pre/post script, gateway condition, timer and `dueIn` expression, message
payload and DMN cell is compiled by RestrictedPython and run with:

- `ALLOWED_BUILTINS` only (the same list `script_checks` checks against at deploy);
- attribute access through RestrictedPython's `safer_getattr` (no `_name`, no frame or code
  attributes, no `str.format`), item access that refuses `_name` keys;
- LIGAT's script functions (workflows.scripting) and `variable(name, default)`, the documented
  way to read a process variable that may be absent (it replaces `globals().get(name)`).

A refused operation raises `ScriptRefused` (a LigatError): the engine step fails whole and the
message names what was refused. Compiled code is cached per source text.
"""

from __future__ import annotations

import builtins
import functools
import operator
import re
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from .errors import LigatError

# Python builtins a designer may call (checked at deploy, the only ones present at run time).
ALLOWED_BUILTINS: frozenset[str] = frozenset(
    {
        "abs", "all", "any", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float",
        "format", "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "ord",
        "pow", "range", "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
        "Exception", "KeyError", "TypeError", "ValueError",
    }
)  # fmt: skip

# Functions the sandbox itself gives every piece of Python (beside the registered script functions).
VARIABLE_FUNCTION = "variable"

# Builtins that open a way out of the sandbox (code, files, frames, the namespace): named in the
# message instead of a bare NameError, at deploy and at run time.
FORBIDDEN_BUILTINS: dict[str, tuple[str, str]] = {
    name: (f"fungsi '{name}' tidak diizinkan di skrip LIGAT ({why_id})",
           f"function '{name}' is not allowed in LIGAT scripts ({why_en})")
    for names, why_id, why_en in (
        (("open", "input", "print", "breakpoint", "help", "exit", "quit"), "berkas/terminal", "files/terminal"),
        (("eval", "exec", "compile", "__import__"), "menjalankan kode lain", "runs other code"),
        (("getattr", "setattr", "delattr", "hasattr", "vars", "dir", "type", "object", "super",
          "memoryview", "classmethod", "staticmethod", "property", "id", "callable", "issubclass"),
         "akses atribut tak langsung", "indirect attribute access"),
        (("globals", "locals"), f"pakai {VARIABLE_FUNCTION}(\"nama\", bawaan)",
         f"use {VARIABLE_FUNCTION}(\"name\", default)"),
    )
    for name in names
}


class ScriptRefused(LigatError):
    """Designer Python tried something the sandbox does not allow; nothing was saved."""

    def __init__(self, what_id: str, what_en: str, where: tuple[str, str] = ("", "")):
        self.what_id, self.what_en, self.where = what_id, what_en, where
        super().__init__(f"Skrip proses ditolak{where[0]}: {what_id}. Tidak ada yang disimpan; hubungi perancang "
                         f"proses. (Process script refused{where[1]}: {what_en}. Nothing was saved.)")

    def located(self, element_id: str, name: str | None, line: int | None) -> ScriptRefused:
        """The same refusal naming the diagram element (and the line inside its script)."""
        element = element_id + (f" ({name})" if name else "")
        return ScriptRefused(self.what_id, self.what_en, (f" di {element}" + (f" baris {line}" if line else ""),
                                                          f" at {element}" + (f" line {line}" if line else "")))


def _refused(what_id: str, what_en: str) -> ScriptRefused:
    return ScriptRefused(what_id, what_en)


def refusal_in(exc: BaseException) -> ScriptRefused | None:
    """The ScriptRefused behind an engine error (SpiffWorkflow wraps what a script raises)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ScriptRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _forbidden(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        message_id, message_en = FORBIDDEN_BUILTINS[name]
        raise _refused(message_id, message_en)

    return refuse


def _getattr(obj: Any, name: str) -> Any:
    refused = _refused(f"akses atribut '{name}' tidak diizinkan", f"access to attribute '{name}' is not allowed")
    try:
        return safer_getattr_raise(obj, name)
    except (NotImplementedError, TypeError) as exc:
        raise refused from exc
    except AttributeError as exc:
        if str(name).startswith("_") or "restricted name" in str(exc):
            raise refused from exc
        raise


def _getitem(obj: Any, key: Any) -> Any:
    if isinstance(key, str) and key.startswith("_"):
        raise _refused(f"akses kunci '{key}' tidak diizinkan", f"access to key '{key}' is not allowed")
    return obj[key]


def _write(obj: Any) -> Any:
    # Dicts and lists of the process data are written freely; any other object only through its methods.
    return full_write_guard(obj)


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
    "&=": operator.iand, "^=": operator.ixor,
}  # fmt: skip


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise _refused(f"operator '{op}' tidak diizinkan", f"operator '{op}' is not allowed")
    return _INPLACE[op](x, y)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _safe_builtins() -> dict[str, Any]:
    safe = {name: getattr(builtins, name) for name in ALLOWED_BUILTINS}
    safe.update({name: _forbidden(name) for name in FORBIDDEN_BUILTINS})
    safe.update({"None": None, "True": True, "False": False})
    return safe


# The guard functions RestrictedPython's compiled code calls; they are removed from the task data
# after every script like every other function.
SANDBOX_GLOBALS: Mapping[str, Any] = {
    "__builtins__": _safe_builtins(),
    "_getattr_": _getattr,
    "_getitem_": _getitem,
    "_write_": _write,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_print_": PrintCollector,
}

_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)


def restricted_errors(source: str, mode: str) -> list[tuple[int | None, str]]:
    """RestrictedPython's own compile errors of a piece of Python: (line, English message)."""
    result = compile_restricted_exec(source) if mode == "exec" else compile_restricted_eval(source)
    out = []
    for error in result.errors:
        match = _LINE.match(error)
        if match:
            out.append((int(match.group(1)), match.group(2).strip()))
        else:
            out.append((None, error))
    return out


@functools.lru_cache(maxsize=2048)
def _compiled(source: str, mode: str) -> CodeType:
    result = (compile_restricted_exec(source, "<string>") if mode == "exec"
              else compile_restricted_eval(source, "<string>"))
    if result.errors or result.code is None:
        # Reached only when a check was skipped (a package stored before the sandbox): refuse at run time.
        detail = "; ".join(result.errors) or "tidak dapat dikompilasi"
        raise _refused(detail, detail)
    return result.code


class SandboxEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment with RestrictedPython's compile and guards."""

    def __init__(self, environment_globals: dict[str, Any] | None = None):
        super().__init__({**SANDBOX_GLOBALS, **(environment_globals or {})})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        my_globals = dict(external_context or {})
        my_globals.update(context)
        # The guards last: no process variable may stand in for one.
        my_globals.update(self.globals)
        my_globals[VARIABLE_FUNCTION] = _variable(my_globals)
        # eval() drops leading spaces and tabs of a string; compile() does not.
        return eval(_compiled(expression.lstrip(" \t"), "eval"), my_globals)  # noqa: S307 (restricted code)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        external_context = dict(external_context or {})
        self.check_for_overwrite(context, external_context)
        code = _compiled(script, "exec")
        context.update(self.globals)
        context.update(external_context)
        context[VARIABLE_FUNCTION] = _variable(context)
        try:
            exec(code, context)  # noqa: S102 (restricted code)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for name in ("_print", "printed"):
                context.pop(name, None)
        return True


def _variable(namespace: dict[str, Any]) -> Callable[..., Any]:
    def variable(name: str, default: Any = None) -> Any:
        """A process variable, or `default` when the case does not have it."""
        if not isinstance(name, str) or name.startswith("_"):
            raise _refused(f"nama variabel '{name}' tidak sah", f"invalid variable name '{name}'")
        return namespace.get(name, default)

    return variable
