"""Deploy-time checks of the Python written inside BPMN and DMN files.

SpiffWorkflow only compiles a script or an expression when a case reaches it, so a
typo in a rarely taken branch would surface weeks after deployment, in front of a
citizen. This module finds every piece of designer Python in a file and reports all
problems at once, in Bahasa Indonesia and English:

- a script or expression that does not compile (with the line inside it);
- a call `foo(...)` to a plain name that is neither a LIGAT script function (passed in
  as `functions`), an allowed builtin (`ALLOWED_BUILTINS`) nor a name the piece itself
  defines or assigns;
- what the sandbox (workflows.sandbox, RestrictedPython) refuses at run time: `import` /
  `from ... import`, names and attributes starting with `_` (`x.__class__`, `__builtins__`,
  `obj._private`), builtins that reach code, files or the namespace (`open`, `eval`, `getattr`,
  `globals`, ...: see `FORBIDDEN_BUILTINS`) and every other construct RestrictedPython's own
  compiler refuses (frame attributes such as `gi_frame`, `a[i] += 1`, ...), from the same
  compile the run uses, so check and run follow one rule.

BPMN pieces checked: script task bodies, Spiff `preScript` / `postScript`, sequence-flow
conditions, timer expressions (`timeDuration`, `timeDate`, `timeCycle`, reported on the
event, not on its event definition), conditional-event conditions, Spiff message
payloads, the `dueIn` task property (Spiff or Camunda; LIGAT evaluates it, the other
properties are names), `loopCardinality`, `completionCondition` and `loopCondition`.
Scripts compile as "exec"; everything else as "eval", after stripping leading spaces and
tabs as `eval()` does. Camunda listener scripts (`camunda:script`) are not checked:
SpiffWorkflow never runs them.

DMN: input expressions and output entries compile as expressions. Input entries get the
same treatment SpiffWorkflow's DMNEngine gives them before evaluating: `-` or no text
matches anything; a `?` outside quotes is replaced by the input value
(`4 < ? < 6`); text that parses on its own is compared with `(input) == (text)`; other
text is appended to the input expression (`< 5` gives `kategori< 5`). Two traps of that
scheme are reported too: a comma list (`"a", "b"`, FEEL's "one of") is compared as a
tuple, and text starting with a word (`in (...)`, `not in`, `is`) is glued to the input
expression without a space (`kategoriin (...)`); `? in (...)` is the working spelling.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from lxml import etree

from .parsing import BPMN_NS, NS
from .sandbox import ALLOWED_BUILTINS, FORBIDDEN_BUILTINS, restricted_errors

__all__ = ["ALLOWED_BUILTINS", "Problem", "check_bpmn", "check_dmn"]

@dataclass(frozen=True)
class Problem:
    """One problem in one piece of Python, tied to the BPMN/DMN element that holds it."""

    file: str
    element_id: str
    element_name: str | None
    message_id: str
    message_en: str
    line: int | None = None

    def __str__(self) -> str:
        name = f" ({self.element_name})" if self.element_name else ""
        return f"{self.file} · {self.element_id}{name}: {self.message_id} ({self.message_en})"


@dataclass(frozen=True)
class _Kind:
    label_id: str
    label_en: str
    mode: str  # "exec" or "eval"
    # False for DMN input entries: what gets compiled there is Spiff's rewrite, not the cell's own lines.
    has_lines: bool = True


_SCRIPT = _Kind("skrip", "script", "exec")
_PRE_SCRIPT = _Kind("preScript", "preScript", "exec")
_POST_SCRIPT = _Kind("postScript", "postScript", "exec")
_CONDITION = _Kind("kondisi alur", "flow condition", "eval")
_TIMER = _Kind("ekspresi timer", "timer expression", "eval")
_EVENT_CONDITION = _Kind("kondisi event", "event condition", "eval")
_PAYLOAD = _Kind("messagePayload", "messagePayload", "eval")
_DUE_IN = _Kind("properti dueIn", "dueIn property", "eval")
_CARDINALITY = _Kind("loopCardinality", "loopCardinality", "eval")
_COMPLETION = _Kind("completionCondition", "completionCondition", "eval")
_LOOP_CONDITION = _Kind("loopCondition", "loopCondition", "eval")
_DMN_INPUT = _Kind("ekspresi input DMN", "DMN input expression", "eval")
_DMN_INPUT_ENTRY = _Kind("entri input DMN", "DMN input entry", "eval", has_lines=False)
_DMN_OUTPUT_ENTRY = _Kind("entri output DMN", "DMN output entry", "eval")

_BPMN_KINDS = {
    "script": _SCRIPT,
    "preScript": _PRE_SCRIPT,
    "postScript": _POST_SCRIPT,
    "conditionExpression": _CONDITION,
    "timeDuration": _TIMER,
    "timeDate": _TIMER,
    "timeCycle": _TIMER,
    "condition": _EVENT_CONDITION,
    "messagePayload": _PAYLOAD,
    "property": _DUE_IN,
    "loopCardinality": _CARDINALITY,
    "completionCondition": _COMPLETION,
    "loopCondition": _LOOP_CONDITION,
}

_BPMN_XPATH = " | ".join(
    (
        "//bpmn:scriptTask/bpmn:script",
        "//spiffworkflow:preScript",
        "//spiffworkflow:postScript",
        "//bpmn:sequenceFlow/bpmn:conditionExpression",
        "//bpmn:timerEventDefinition/bpmn:timeDuration",
        "//bpmn:timerEventDefinition/bpmn:timeDate",
        "//bpmn:timerEventDefinition/bpmn:timeCycle",
        "//bpmn:conditionalEventDefinition/bpmn:condition",
        "//spiffworkflow:messagePayload",
        "//spiffworkflow:property[@name='dueIn']",
        "//camunda:property[@name='dueIn']",
        "//bpmn:loopCardinality",
        "//bpmn:completionCondition",
        "//bpmn:loopCondition",
    )
)

# SpiffWorkflow's DMNEngine: a `?` outside quotes stands for the input value.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_DMN_INPUT_NAME = "dmninputexpr"
_OPERATOR_START = re.compile(r"\s*(<|>|=|!|in\b|not\b|is\b)")


_UNDERSCORE_ERROR = re.compile(r'^"[^"]*" is an invalid (variable|attribute) name because it starts with "_"')
_UNDERSCORE_REASON = (" (nama yang diawali _ tertutup bagi skrip)", " (names starting with _ are closed to scripts)")
_RESTRICTED_ID = (
    (re.compile(r'^"([^"]+)" is a restricted name, that is forbidden to access in RestrictedPython\.?$'),
     "nama '{0}' terlarang (bagian dalam Python)"),
    (re.compile(r"^Augmented assignment of object items and slices is not allowed\.?$"),
     "penugasan gabungan (+= dan sejenisnya) pada item atau irisan tidak diizinkan; tulis x[k] = x[k] + 1"),
    (re.compile(r"^Augmented assignment of attributes is not allowed\.?$"),
     "penugasan gabungan (+= dan sejenisnya) pada atribut tidak diizinkan"),
    (re.compile(r'^"([^"]+)" is a reserved name\.?$'), "nama '{0}' dicadangkan sandbox"),
    (re.compile(r"^(\w+) statements are not allowed\.?$"), "pernyataan {0} tidak diizinkan"),
)


def _restricted_id(message: str) -> str:
    """RestrictedPython's English message in Bahasa Indonesia (unknown ones quoted as they are)."""
    for pattern, text in _RESTRICTED_ID:
        match = pattern.match(message)
        if match:
            return text.format(*match.groups())
    return f"konstruksi tidak diizinkan ({message})"


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _multiline(source: str) -> bool:
    """Whether a line number helps: a leading newline (common in modeler output) counts."""
    return "\n" in source.rstrip()


def defined_names(tree: ast.AST) -> set[str]:
    """Names a piece of Python assigns (also used by the unset-variable check, packages/variables.py)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.alias):
            # The import itself is reported; calling what it brought in is not a second problem.
            names.add(node.asname or node.name.split(".")[0])
    return names


class _Checker:
    """Turns pieces of Python into Problems for one file."""

    def __init__(self, file: str, functions: Collection[str]):
        self.file = file
        self.functions = frozenset(functions)
        self.offered = ", ".join(sorted(self.functions)) or "-"
        self.problems: list[Problem] = []

    def add(self, element: tuple[str, str | None], line: int | None, message_id: str, message_en: str) -> None:
        self.problems.append(Problem(self.file, element[0], element[1], message_id, message_en, line))

    @staticmethod
    def prefixes(kind: _Kind, line: int | None, extra: tuple[str, str] = ("", "")) -> tuple[str, str]:
        where_id = f" baris {line}" if line else ""
        where_en = f" line {line}" if line else ""
        return f"{kind.label_id}{extra[0]}{where_id}", f"{kind.label_en}{extra[1]}{where_en}"

    def syntax_error(
        self,
        element: tuple[str, str | None],
        kind: _Kind,
        err: SyntaxError | ValueError,
        show_line: bool,
        extra: tuple[str, str] = ("", ""),
    ) -> None:
        line = err.lineno if isinstance(err, SyntaxError) and err.lineno and err.lineno > 0 else None
        line = line if kind.has_lines else None
        message = err.msg if isinstance(err, SyntaxError) else str(err)
        pid, pen = self.prefixes(kind, line if show_line else None, extra)
        self.add(element, line, f"{pid} tidak dapat dikompilasi: {message}", f"{pen} does not compile: {message}")

    def compile(
        self, element: tuple[str, str | None], kind: _Kind, source: str, extra: tuple[str, str] = ("", "")
    ) -> ast.AST | None:
        """Compile like SpiffWorkflow will; report a failure and return None."""
        if kind.mode == "eval":
            # eval() drops leading spaces and tabs before compiling; compile() does not.
            source = source.lstrip(" \t")
        try:
            with warnings.catch_warnings():
                # Warnings such as "invalid escape sequence" are not deploy problems; keep them off the log.
                warnings.simplefilter("ignore")
                compile(source, f"<{element[0]}>", kind.mode)
                tree = ast.parse(source, mode=kind.mode)
        except (SyntaxError, ValueError) as err:
            self.syntax_error(element, kind, err, _multiline(source), extra)
            return None
        self.restricted(element, kind, source, _multiline(source), extra)
        return tree

    def restricted(
        self, element: tuple[str, str | None], kind: _Kind, source: str, multiline: bool, extra: tuple[str, str]
    ) -> None:
        """What RestrictedPython's compiler refuses, except what `walk` reports in its own words."""
        for line, message in restricted_errors(source, kind.mode):
            if _UNDERSCORE_ERROR.match(message) or message.startswith(("Eval calls", "Exec calls")):
                continue  # reported by walk (underscore names, forbidden builtins)
            line = line if kind.has_lines else None
            pid, pen = self.prefixes(kind, line if multiline else None, extra)
            self.add(element, line, f"{pid}: ditolak sandbox: {_restricted_id(message)}",
                     f"{pen}: refused by the sandbox: {message}")

    def walk(
        self,
        element: tuple[str, str | None],
        kind: _Kind,
        tree: ast.AST,
        multiline: bool,
        extra: tuple[str, str] = ("", ""),
    ) -> None:
        """Report unknown calls, imports and dunder access in a compiled piece."""
        defined = defined_names(tree)
        allowed = self.functions | ALLOWED_BUILTINS | defined
        reported_calls: set[str] = set()
        nodes = sorted(
            (n for n in ast.walk(tree) if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset)
        )
        for node in nodes:
            line = node.lineno
            pid, pen = self.prefixes(kind, line if multiline else None, extra)
            if isinstance(node, ast.Import | ast.ImportFrom):
                if isinstance(node, ast.Import):
                    modules = ", ".join(alias.name for alias in node.names)
                else:
                    modules = "." * node.level + (node.module or "")
                self.add(
                    element,
                    line,
                    f"{pid}: tidak boleh mengimpor modul ({modules})",
                    f"{pen}: imports are not allowed ({modules})",
                )
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                why_id, why_en = ("", "") if _is_dunder(node.attr) else _UNDERSCORE_REASON
                self.add(
                    element,
                    line,
                    f"{pid}: akses atribut {node.attr} tidak diizinkan{why_id}",
                    f"{pen}: access to attribute {node.attr} is not allowed{why_en}",
                )
            elif isinstance(node, ast.Name) and node.id.startswith("_"):
                why_id, why_en = ("", "") if _is_dunder(node.id) else _UNDERSCORE_REASON
                self.add(
                    element,
                    line,
                    f"{pid}: akses nama {node.id} tidak diizinkan{why_id}",
                    f"{pen}: access to name {node.id} is not allowed{why_en}",
                )
            elif (
                isinstance(node, ast.Name)
                and node.id in FORBIDDEN_BUILTINS
                and node.id not in defined
                and node.id not in reported_calls
            ):
                reported_calls.add(node.id)
                message_id, message_en = FORBIDDEN_BUILTINS[node.id]
                self.add(element, line, f"{pid}: {message_id}", f"{pen}: {message_en}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id not in allowed
                and node.func.id not in reported_calls
                and not node.func.id.startswith("_")  # already reported as underscore access
                and node.func.id not in FORBIDDEN_BUILTINS  # reported with its reason
            ):
                name = node.func.id
                reported_calls.add(name)
                self.add(
                    element,
                    line,
                    f"{pid} memanggil fungsi '{name}' yang tidak disediakan LIGAT; "
                    f"fungsi yang tersedia: {self.offered}",
                    f"{pen} calls function '{name}', which LIGAT does not offer; available: {self.offered}",
                )

    def check(self, element: tuple[str, str | None], kind: _Kind, source: str | None) -> None:
        if source is None:
            return
        tree = self.compile(element, kind, source)
        if tree is not None:
            self.walk(element, kind, tree, _multiline(source))

    def check_input_entry(
        self, element: tuple[str, str | None], row: int, text: str | None, input_expr: str | None
    ) -> None:
        """An input entry as SpiffWorkflow's DMNEngine.evaluate rewrites it."""
        if text is None or text == "-":
            return
        kind = _DMN_INPUT_ENTRY
        extra = (f" (aturan {row})", f" (rule {row})")
        pid, pen = self.prefixes(kind, None, extra)
        # Without an input expression Spiff falls back to the repr of a value: any literal will do here.
        left = input_expr if input_expr is not None else _DMN_INPUT_NAME
        substituted = _QUESTION_MARK.sub(_DMN_INPUT_NAME, text)
        if _DMN_INPUT_NAME in substituted:
            tree = self.compile(element, kind, substituted, extra)
            if tree is not None:
                self.walk(element, kind, tree, False, extra)
            return
        try:
            tree = ast.parse(text)
            needs_eq = True
        except SyntaxError as err:
            try:
                tree = ast.parse(f"v {text}")
                needs_eq = False
            except SyntaxError as err_v:
                self.syntax_error(element, kind, err_v if _OPERATOR_START.match(text) else err, False, extra)
                return
        if needs_eq:
            body = tree.body if isinstance(tree, ast.Module) else []
            if len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Tuple):
                self.add(
                    element,
                    None,
                    f'{pid} berupa daftar dengan koma; SpiffWorkflow membandingkan input dengan tuple sehingga '
                    f'tidak cocok dengan nilai tunggal: tulis ? in ({text.strip()})',
                    f"{pen} is a comma list; SpiffWorkflow compares the input with a tuple, so it will not match "
                    f"a single value: write ? in ({text.strip()})",
                )
                return
            combined = f"({left}) == ({text})"
        else:
            if input_expr and re.search(r"\w$", input_expr) and re.match(r"\w", text):
                self.add(
                    element,
                    None,
                    f"{pid} diawali kata '{text.split()[0]}'; SpiffWorkflow menempelkannya pada ekspresi input "
                    f"tanpa spasi ({input_expr}{text.split()[0]} ...): tulis ? {text.strip()}",
                    f"{pen} starts with the word '{text.split()[0]}'; SpiffWorkflow glues it to the input "
                    f"expression without a space ({input_expr}{text.split()[0]} ...): write ? {text.strip()}",
                )
                return
            combined = left + text
        if self.compile(element, kind, combined, extra) is not None:
            # Walk the designer's own text: the input expression is checked on its own.
            self.walk(element, kind, tree, False, extra)


def _localname(node: etree._Element) -> str:
    return etree.QName(node).localname


def element_owner(node: etree._Element) -> tuple[str, str | None]:
    """The flow element, sequence flow or process a piece of Python belongs to."""
    for ancestor in node.iterancestors():
        if etree.QName(ancestor).namespace != BPMN_NS or not ancestor.get("id"):
            continue
        local = _localname(ancestor)
        if local == "extensionElements" or local.endswith(("EventDefinition", "LoopCharacteristics")):
            continue
        return ancestor.get("id"), ancestor.get("name") or None
    return node.get("id") or "?", node.get("name") or None


def check_bpmn(root: etree._Element, file: str, functions: Collection[str]) -> list[Problem]:
    """Every problem in the Python of one BPMN document (either dialect), in document order."""
    checker = _Checker(file, functions)
    for node in root.xpath(_BPMN_XPATH, namespaces=NS):
        kind = _BPMN_KINDS[_localname(node)]
        source = node.get("value") if kind is _DUE_IN else node.text
        checker.check(element_owner(node), kind, source)
    return checker.problems


def _children(node: etree._Element, local: str) -> Iterator[etree._Element]:
    return (child for child in node if isinstance(child.tag, str) and _localname(child) == local)


def _text(node: etree._Element) -> str | None:
    text = next(_children(node, "text"), None)
    return text.text if text is not None else None


def check_dmn(root: etree._Element, file: str, functions: Collection[str]) -> list[Problem]:
    """Every problem in the Python of one DMN document's decision tables."""
    checker = _Checker(file, functions)
    for table in root.iter():
        if not isinstance(table.tag, str) or _localname(table) != "decisionTable":
            continue
        inputs: list[tuple[str | None, str | None]] = []  # (expression, column label)
        for column in _children(table, "input"):
            label = column.get("label") or column.get("name") or None
            expression_node = next(_children(column, "inputExpression"), None)
            expression = _text(expression_node) if expression_node is not None else None
            if expression is not None:
                element = (expression_node.get("id") or column.get("id") or "?", label)
                tree = checker.compile(element, _DMN_INPUT, expression)
                if tree is not None:
                    checker.walk(element, _DMN_INPUT, tree, _multiline(expression))
                else:
                    # Already reported; entries are then checked against a stand-in value.
                    expression = None
            inputs.append((expression, label))
        outputs = [column.get("label") or column.get("name") or None for column in _children(table, "output")]
        for row, rule in enumerate(_children(table, "rule"), start=1):
            extra = (f" (aturan {row})", f" (rule {row})")
            for index, entry in enumerate(_children(rule, "inputEntry")):
                expression, label = inputs[index] if index < len(inputs) else (None, None)
                checker.check_input_entry((entry.get("id") or "?", label), row, _text(entry), expression)
            for index, entry in enumerate(_children(rule, "outputEntry")):
                text = _text(entry)
                if not text:
                    continue
                element = (entry.get("id") or "?", outputs[index] if index < len(outputs) else None)
                tree = checker.compile(element, _DMN_OUTPUT_ENTRY, text, extra)
                if tree is not None:
                    checker.walk(element, _DMN_OUTPUT_ENTRY, tree, _multiline(text), extra)
    return checker.problems
