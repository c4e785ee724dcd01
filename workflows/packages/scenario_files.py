"""Scenario tests stored in a package (`bpmn/<code>/tests/*.json`): their format is the JSON Schema
`scenario.schema.json` beside this file, checked at deploy like the descriptor. The runner is
workflows.scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .descriptor import schema_texts
from .files import PackageFiles

SCHEMA = json.loads((Path(__file__).with_name("scenario.schema.json")).read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA)
TESTS = "tests/"
STEP_KINDS = ("complete", "fire_timer", "message", "expect")  # the order of the schema's oneOf


def scenario_names(package: PackageFiles) -> list[str]:
    """File names of the package's scenarios (`tests/<name>.json`), sorted."""
    return [TESTS + name for name in package.names("bpmn", ".json", sub=TESTS)]


def load(package: PackageFiles, name: str) -> tuple[dict[str, Any] | None, list[tuple[str, str, str]]]:
    """One scenario file and its problems as (JSON path, Indonesian, English)."""
    data = package.get("bpmn", name) or b""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [("-", f"bukan JSON yang sah: {exc}", f"not valid JSON: {exc}")]
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        problems += _explain(error)
    return (raw if not problems else None), problems


def _where(error: ValidationError) -> str:
    return "/" + "/".join(map(str, error.absolute_path))


def _explain(error: ValidationError) -> list[tuple[str, str, str]]:
    """A step's `oneOf` error says little: name the step's own mistakes when its kind is clear."""
    if error.validator != "oneOf" or not isinstance(error.instance, dict):
        return [(_where(error), *schema_texts(error))]
    present = [kind for kind in STEP_KINDS if kind in error.instance]
    if len(present) == 1:
        branch = STEP_KINDS.index(present[0])
        inner = [e for e in error.context if e.schema_path and e.schema_path[0] == branch]
        if inner:
            return [(_where(e), *schema_texts(e)) for e in inner]
    kinds = ", ".join(STEP_KINDS)
    return [(_where(error), f"langkah harus memuat tepat satu dari {kinds}",
             f"a step holds exactly one of {kinds}")]


def referenced_elements(scenario: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path, element id or name) of every diagram element a scenario names."""
    found = []
    for index, step in enumerate(scenario.get("steps", [])):
        for key in ("complete", "fire_timer"):
            if key in step:
                found.append((f"/steps/{index}/{key}", step[key]))
        for key in ("waiting", "timers"):
            for item, target in enumerate(step.get("expect", {}).get(key, [])):
                found.append((f"/steps/{index}/expect/{key}/{item}", target))
    for key, ids in scenario.get("path", {}).items():
        found += [(f"/path/{key}/{i}", element) for i, element in enumerate(ids)]
    return found
