"""What changed between two sets of package files, as a designer reads it before publishing:
BPMN/DMN elements by id (type, name), form fields, descriptor keys, letter templates by hash,
and any other file as a whole."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from . import english
from .files import PackageFiles

# Diagram layout (shapes, edges, bounds) moves with every drag: not a change of the process.
_LAYOUT_NS = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
              "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/")


@dataclass
class Change:
    kind: str  # added | removed | changed
    key: str  # element id, field name, descriptor key, file path
    type: str = ""  # element type (userTask, …), or "file"
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "type": self.type, "name": self.name}


@dataclass
class FileDiff:
    path: str
    kind: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "changes": [c.as_dict() for c in self.changes]}


@dataclass
class PackageDiff:
    files: list[FileDiff] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.files

    def as_dict(self) -> dict[str, Any]:
        return {"files": [f.as_dict() for f in self.files]}


def _xml_elements(data: bytes) -> dict[str, tuple[str, str, bytes]]:
    """id → (type, name, canonical content without the children that have ids of their own)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, tuple[str, str, bytes]] = {}
    for node in root.iter(etree.Element):
        element_id = node.get("id")
        if not element_id or etree.QName(node).namespace in _LAYOUT_NS:
            continue
        own = copy.deepcopy(node)
        for child in list(own.iter(etree.Element))[1:]:
            if child.get("id") and child.getparent() is not None:
                child.getparent().remove(child)
        for child in own.iter(etree.Element):
            child.text = child.text.strip() if child.text else child.text
            child.tail = None
        found[element_id] = (etree.QName(node).localname, node.get("name") or "", etree.tostring(own, method="c14n"))
    return found


def _xml_changes(old: bytes | None, new: bytes | None) -> list[Change]:
    before, after = _xml_elements(old or b"<x/>"), _xml_elements(new or b"<x/>")
    changes = []
    for element_id in sorted(set(before) | set(after)):
        a, b = before.get(element_id), after.get(element_id)
        if a is None:
            changes.append(Change("added", element_id, b[0], b[1]))
        elif b is None:
            changes.append(Change("removed", element_id, a[0], a[1]))
        elif a[2] != b[2]:
            changes.append(Change("changed", element_id, b[0], b[1] or a[1]))
    return changes


def _json(data: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads((data or b"{}").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _dict_changes(before: dict[str, Any], after: dict[str, Any], kind: str, prefix: str = "") -> list[Change]:
    changes = []
    for key in sorted(set(before) | set(after), key=str):
        if key not in before:
            changes.append(Change("added", prefix + key, kind))
        elif key not in after:
            changes.append(Change("removed", prefix + key, kind))
        elif before[key] != after[key]:
            changes.append(Change("changed", prefix + key, kind))
    return changes


def _form_changes(old: bytes | None, new: bytes | None) -> list[Change]:
    """Fields (JSON Schema properties, or UI schema entries) added, removed or changed; the rest by key."""
    before, after = _json(old), _json(new)
    if "properties" in before or "properties" in after:
        fields = _dict_changes(before.get("properties", {}), after.get("properties", {}), "field")
        required = set(before.get("required", [])) ^ set(after.get("required", []))
        touched = {c.key for c in fields}
        fields += [Change("changed", name, "field") for name in sorted(required - touched)]
        rest = {k: v for k, v in before.items() if k not in ("properties", "required")}
        return fields + _dict_changes(rest, {k: v for k, v in after.items() if k not in ("properties", "required")},
                                      "key")
    return _dict_changes(before, after, "field")


def _descriptor_changes(old: bytes | None, new: bytes | None) -> list[Change]:
    """Top-level keys, and one level down inside objects (catalogue.summary, start.form…)."""
    before, after = _json(old), _json(new)
    changes = []
    for change in _dict_changes(before, after, "key"):
        a, b = before.get(change.key), after.get(change.key)
        if change.kind == "changed" and isinstance(a, dict) and isinstance(b, dict):
            changes += _dict_changes(a, b, "key", prefix=change.key + ".")
        else:
            changes.append(change)
    return changes


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()[:12]


def diff_files(old: PackageFiles, new: PackageFiles) -> PackageDiff:
    """Every file that differs between two versions of one package, with what changed inside."""
    result = PackageDiff()
    for path in sorted(set(old.files) | set(new.files)):
        a, b = old.files.get(path), new.files.get(path)
        if a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        if path.endswith((".bpmn", ".dmn")):
            changes = _xml_changes(a, b)
        elif path.endswith("/service.json") and path.count("/") == 2:
            changes = _descriptor_changes(a, b)
        elif path.startswith("forms/"):
            changes = _form_changes(a, b)
        elif path == f"bpmn/{new.code}/{english.FILE}":  # the English table: which texts changed
            changes = _dict_changes(_json(a), _json(b), "key")
        else:  # letters and scenario tests: the file as a whole, by content hash
            changes = [Change(kind, path, "file", f"{_digest(a) if a else '-'} → {_digest(b) if b else '-'}")]
        result.files.append(FileDiff(path, kind, changes))
    return result
