"""Scenario tests stored in a package (`bpmn/<code>/tests/*.json`): their format is the JSON Schema
`scenario.schema.json` beside this file, checked at deploy like the descriptor. The runner is
workflows.scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .files import PackageFiles

SCHEMA = json.loads((Path(__file__).with_name("scenario.schema.json")).read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA)
TESTS = "tests/"


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
        where = "/" + "/".join(map(str, error.absolute_path))
        if error.validator == "oneOf" and isinstance(error.instance, dict):
            kinds = "complete, fire_timer, message, expect"
            message_id = f"langkah harus memuat tepat satu dari {kinds} dengan isian yang dikenal"
            message_en = f"a step holds exactly one of {kinds}, with known fields only"
        else:
            message_id = message_en = error.message
        problems.append((where, message_id, message_en))
    return (raw if not problems else None), problems


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
