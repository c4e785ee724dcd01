"""A package's English: `bpmn/<code>/en.json`, one table from each Indonesian text the package shows to
people to its English, e.g. `{"Verifikasi Pengaduan": "Complaint verification"}`.

The texts it covers are those written in the package's files without an English side: BPMN user task
names and case statuses (`caseStatus`, `set_status("…")`), the names of the other elements the process
heatmap shows (events, automatic tasks, gateways, call activities, subprocesses, named sequence flows),
role names, and the forms' titles,
descriptions, option labels (`x-label`, `oneOf`/`anyOf` titles) and UI-schema help. The descriptor's own
texts are already `{"id", "en"}`. A table keyed by the Indonesian text keeps the designer's edit to one
line per text, whatever file or element shows it, and the file is versioned, diffed and checked with the
rest of the package. Shared lists (`forms/pmks.json`) have the same kind of table, `forms/en.json`.

A page in English shows the table's text; a text missing from the table shows in Indonesian. The
package check warns of every text without English (`missing`).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..parsing import NS
from .files import PackageFiles

FILE = "en.json"
# Validation messages follow the app's own convention for error texts: both languages in one text,
# "Indonesian. (English.)"; such a message needs no table entry.
_BILINGUAL = re.compile(r"\(.*[A-Za-z].*\)\s*$")
_SCHEMA_TEXTS = ("title", "description")
_MESSAGES = ("x-pesan", "x-pesan-wajib")
_UI_TEXTS = ("ui:help", "ui:title", "ui:placeholder")
# Named BPMN elements other than user tasks (those come with their process's task metadata) that the
# process heatmap draws and lists: their names are texts people read too.
NAMED_KINDS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
               "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask", "exclusiveGateway",
               "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway", "callActivity",
               "subProcess", "transaction", "sequenceFlow")


@dataclass(frozen=True)
class UserText:
    """One text people read, and where the package has it (file, element or JSON path)."""

    file: str
    where: str
    text: str


def parse(data: bytes | None) -> tuple[dict[str, str], list[str]]:
    """(table, errors) of an `en.json`; no file is an empty table."""
    if data is None:
        return {}, []
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [f"bukan JSON yang sah: {exc} (not valid JSON: {exc})"]
    if not isinstance(value, dict):
        return {}, ["isi harus objek JSON {\"teks Indonesia\": \"English text\"} "
                    "(content must be a JSON object {\"Indonesian text\": \"English text\"})"]
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    if bad:
        return {}, [f"nilai untuk '{bad[0]}' harus teks (the value of '{bad[0]}' must be a string)"]
    return {k: v.strip() for k, v in value.items() if v.strip()}, []


def table_of(package: PackageFiles) -> dict[str, str]:
    """The package's English table (an unreadable file reads as empty: the check reports it)."""
    return parse(package.get("bpmn", FILE))[0]


def _schema_texts(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _schema_texts(item, f"{path}/{index}")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        where = f"{path}/{key}"
        if key in _SCHEMA_TEXTS and isinstance(value, str):
            yield where, value
        elif key in _MESSAGES and isinstance(value, str):
            if not _BILINGUAL.search(value):
                yield where, value
        elif key == "x-label" and isinstance(value, dict):
            yield from ((f"{where}/{k}", v) for k, v in value.items() if isinstance(v, str))
        elif key not in ("enum", "const", "default", "examples", "$schema", "$id", "pattern"):
            yield from _schema_texts(value, where)


def _ui_texts(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _UI_TEXTS and isinstance(value, str):
                yield f"{path}/{key}", value
            else:
                yield from _ui_texts(value, f"{path}/{key}")


def _status_calls(root: etree._Element) -> Iterator[tuple[str, str]]:
    """(element id, status) of each set_status("literal", …) in a diagram's scripts."""
    for node in root.xpath(".//bpmn:scriptTask", namespaces=NS):
        for script in node.xpath("./bpmn:script/text()", namespaces=NS):
            try:
                tree = ast.parse(script)
            except SyntaxError:
                continue  # reported by the script checks
            for call in ast.walk(tree):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "set_status"
                        and call.args and isinstance(call.args[0], ast.Constant)
                        and isinstance(call.args[0].value, str)):
                    yield node.get("id"), call.args[0].value


def _element_names(root: etree._Element) -> Iterator[tuple[str, str]]:
    """(element id, name) of each named element of NAMED_KINDS in a diagram."""
    for kind in NAMED_KINDS:
        for node in root.xpath(f".//bpmn:{kind}[@name]", namespaces=NS):
            name = node.get("name").strip()
            if name:
                yield node.get("id") or kind, node.get("name")


def user_texts(package: PackageFiles, processes: list[Any], bpmn_roots: dict[str, etree._Element],
               roles: list[str]) -> list[UserText]:
    """Every text of the package that people read and that has no English beside it."""
    code = package.code
    found: list[UserText] = []
    for process in processes:
        for task_id, info in process.task_meta.items():
            if ":" in task_id:  # a task of another package's called process: that package's text
                continue
            if info.get("title") and info["title"] != task_id:
                found.append(UserText(process.source_name, task_id, info["title"]))
            if info.get("case_status"):
                found.append(UserText(process.source_name, f"{task_id}/caseStatus", info["case_status"]))
    for name, root in bpmn_roots.items():
        for element_id, status in _status_calls(root):
            found.append(UserText(name, f"{element_id}/set_status", status))
        found += [UserText(name, element_id, text) for element_id, text in _element_names(root)]
    found += [UserText(f"bpmn/{code}/service.json", "roles", role) for role in roles]
    for name in package.names("forms", ".json"):
        try:
            value = json.loads(package.get("forms", name) or b"")
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # reported by the form checks
        walk = _ui_texts if name.endswith(".uischema.json") else _schema_texts
        found += [UserText(f"forms/{code}/{name}", where or "/", text) for where, text in walk(value, "")
                  if text.strip()]
    return found


def missing(texts: list[UserText], table: dict[str, str]) -> list[UserText]:
    """The texts without English, each text once (at its first place)."""
    seen: set[str] = set()
    out = []
    for item in texts:
        if item.text not in table and item.text not in seen:
            seen.add(item.text)
            out.append(item)
    return out


# --- showing a package's texts in English -------------------------------------------------------


def translate(text: str | None, *tables: dict[str, str]) -> str | None:
    """The first table's English for a text, else the text itself (Indonesian is the fallback)."""
    if not text:
        return text
    for table in tables:
        found = table.get(text)
        if found:
            return found
    return text


def localize_schema(schema: dict[str, Any], *tables: dict[str, str]) -> dict[str, Any]:
    """A copy of a form's JSON Schema with its titles, descriptions and option labels in English."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in _SCHEMA_TEXTS + _MESSAGES and isinstance(value, str):
                out[key] = translate(value, *tables)
            elif key == "x-label" and isinstance(value, dict):
                out[key] = {k: translate(v, *tables) if isinstance(v, str) else v for k, v in value.items()}
            elif key in ("enum", "const", "default", "examples", "pattern"):
                out[key] = value
            else:
                out[key] = walk(value)
        return out

    return walk(schema)


def localize_ui(ui: dict[str, Any], *tables: dict[str, str]) -> dict[str, Any]:
    """A copy of a UI schema with its help texts in English."""

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        return {k: translate(v, *tables) if k in _UI_TEXTS and isinstance(v, str) else walk(v)
                for k, v in node.items()}

    return walk(ui)
