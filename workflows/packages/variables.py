"""Deploy warning for a variable read before anything could set it.

A gateway condition or a script that reads a name no form field, start data, script, DMN output,
message or data object of the package sets fails when a case reaches it (today: at a gateway, in
front of the officer who just submitted a form). It is a warning, not a refusal: data can also
come from outside the diagram (a message's payload, an API), which the package cannot show.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Collection, Iterator

from lxml import etree

from ..parsing import NS, Finding
from ..script_checks import defined_names, element_owner

# What the officers' "deliver a message" action on the case page always sends.
OFFICER_MESSAGE_FIELDS = frozenset({"isi_pesan", "pengirim"})

_READERS = {  # xpath → how the text compiles
    "//bpmn:sequenceFlow/bpmn:conditionExpression": "eval",
    "//bpmn:scriptTask/bpmn:script": "exec",
    "//spiffworkflow:preScript": "exec",
    "//spiffworkflow:postScript": "exec",
}
_SCRIPTS = "//bpmn:scriptTask/bpmn:script|//spiffworkflow:preScript|//spiffworkflow:postScript"
# Elements and attributes whose value is the name of a variable they set.
_SETTER_XPATHS = (
    "//bpmn:dataObject/@id", "//bpmn:dataObject/@name",
    "//bpmn:inputDataItem/@name", "//bpmn:inputDataItem/@id", "//bpmn:outputDataItem/@name",
    "//bpmn:outputDataItem/@id", "//@camunda:elementVariable", "//@camunda:resultVariable",
    "//camunda:outputParameter/@name", "//camunda:formField/@id", "//spiffworkflow:messageVariable/text()",
    "//@spiffworkflow:messageVariable", "//bpmn:startEvent/@camunda:initiator",
    "//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression/text()",
    "//bpmn:correlationPropertyRetrievalExpression/bpmn:messagePath/text()",
)


def _tree(source: str | None, mode: str) -> ast.AST | None:
    if not source or not source.strip():
        return None
    try:
        return ast.parse(source.lstrip(" \t") if mode == "eval" else source, mode=mode)
    except SyntaxError:
        return None  # reported by the script checks


def _loaded(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _payload_keys(source: str | None) -> set[str]:
    """Keys of a Spiff message payload written as a dict literal (what the catching side receives)."""
    tree = _tree(source, "eval")
    if isinstance(tree, ast.Expression) and isinstance(tree.body, ast.Dict):
        return {k.value for k in tree.body.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


def set_names(bpmn_roots: Collection[etree._Element], dmn_roots: Collection[etree._Element],
              schemas: dict[str, dict], start_variables: Collection[str]) -> set[str]:
    """Every variable something in the package sets."""
    names = set(start_variables) | OFFICER_MESSAGE_FIELDS
    for schema in schemas.values():
        names |= set((schema.get("properties") or {}).keys())
    for root in bpmn_roots:
        for xpath in _SETTER_XPATHS:
            for value in root.xpath(xpath, namespaces=NS):
                names |= {part.strip() for part in str(value).split(",") if part.strip().isidentifier()}
        for node in root.xpath(_SCRIPTS, namespaces=NS):
            tree = _tree(node.text, "exec")
            if tree is not None:
                names |= defined_names(tree)
        for node in root.xpath("//spiffworkflow:messagePayload", namespaces=NS):
            names |= _payload_keys(node.text)
    for root in dmn_roots:
        names |= {name for name in root.xpath("//*[local-name()='output']/@name") if name}
    return names


def _readers(root: etree._Element) -> Iterator[tuple[etree._Element, ast.AST]]:
    for xpath, mode in _READERS.items():
        for node in root.xpath(xpath, namespaces=NS):
            tree = _tree(node.text, mode)
            if tree is not None:
                yield node, tree


def unset_variables(bpmn_roots: dict[str, etree._Element], dmn_roots: dict[str, etree._Element],
                    schemas: dict[str, dict], start_variables: Collection[str],
                    functions: Collection[str]) -> list[Finding]:
    """(file, element id, element name, message id, message en) for each variable a condition or script
    reads that nothing sets, once per element."""
    known = set_names(bpmn_roots.values(), dmn_roots.values(), schemas, start_variables)
    known |= set(functions) | set(dir(builtins))
    found: list[Finding] = []
    for file, root in bpmn_roots.items():
        for node, tree in _readers(root):
            element_id, element_name = element_owner(node)
            where = ("", "")
            flow = node.getparent()
            if etree.QName(node).localname == "conditionExpression" and flow.get("sourceRef"):
                # The gateway is what fails in a running case; the flow is where the designer edits the condition.
                gateway = root.xpath("//*[@id=$ref]", ref=flow.get("sourceRef"))
                element_id, element_name = flow.get("sourceRef"), gateway[0].get("name") if gateway else None
                where = (f"syarat alur {flow.get('id')} ", f"the condition of flow {flow.get('id')} ")
            for name in sorted(_loaded(tree) - defined_names(tree) - known):
                found.append((file, element_id, element_name,
                              f"{where[0]}membaca variabel '{name}' yang tidak diisi formulir, data awal, skrip, "
                              "tabel DMN, pesan atau objek data mana pun; kasus akan gagal di sini bila variabel itu "
                              "tidak ada",
                              f"{where[1]}reads variable '{name}' that no form, start data, script, DMN table, message "
                              "or data object sets; a case fails here when it is missing"))
    return found


def descriptor_variables(raw: dict) -> list[str]:
    """Names the descriptor's start puts into a new case besides its form (`start.variables`)."""
    start = raw.get("start") or {}
    variables = start.get("variables") or {}
    return sorted(variables) if isinstance(variables, dict) else []

