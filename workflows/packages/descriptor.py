"""The descriptor (`bpmn/<code>/service.json`): everything of a line that is not BPMN.

Its format is the JSON Schema `service.schema.json` beside this file (the reference for
designers); this module reads it into small objects the engine and the web pages use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = json.loads((Path(__file__).with_name("service.schema.json")).read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA)

OFFICE, REGION, BIDANG, REGION_BIDANG, CITIZEN = "office", "region", "bidang", "region_bidang", "citizen"


def text(value: Any, lang: str = "id") -> str:
    """A descriptor text ({"id", "en"}) in one language; plain strings pass through."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("id") or "")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class LetterType:
    code: str
    name: dict[str, str]
    template: str
    number_pattern: str
    valid_for: str | None = None

    @property
    def label(self) -> str:
        return self.name["id"]


@dataclass(frozen=True)
class RoleDecl:
    name: str
    scope: str

    @property
    def is_citizen(self) -> bool:
        return self.scope == CITIZEN


@dataclass(frozen=True)
class DocumentDecl:
    field: str
    label: dict[str, str]
    required: bool = False
    kinds: tuple[str, ...] = ("pdf", "jpeg", "png")


@dataclass
class Descriptor:
    raw: dict[str, Any]
    code: str = field(init=False)

    def __post_init__(self) -> None:
        self.code = self.raw["code"]

    @property
    def name(self) -> dict[str, str]:
        return self.raw["name"]

    @property
    def process(self) -> str:
        return self.raw["process"]

    @property
    def catalogue(self) -> dict[str, Any]:
        return self.raw.get("catalogue", {})

    @property
    def start(self) -> dict[str, Any]:
        return self.raw.get("start", {})

    @property
    def public_start(self) -> bool:
        return bool(self.start.get("public")) and self.start.get("channel", "application") == "application"

    @property
    def officer_start_roles(self) -> list[str]:
        return list(self.start.get("roles", [])) if self.start.get("channel", "application") == "application" else []

    @cached_property
    def roles(self) -> dict[str, RoleDecl]:
        return {r["name"]: RoleDecl(r["name"], r["scope"]) for r in self.raw.get("roles", [])}

    @cached_property
    def letter_types(self) -> dict[str, LetterType]:
        return {
            item["type"]: LetterType(item["type"], item["name"], item["template"], item["number"],
                                     item.get("valid_for"))
            for item in self.raw.get("letters", [])
        }

    @cached_property
    def documents(self) -> list[DocumentDecl]:
        return [
            DocumentDecl(d["field"], d["label"], bool(d.get("required")),
                         tuple(d.get("kinds") or ("pdf", "jpeg", "png")))
            for d in self.raw.get("documents", [])
        ]

    @property
    def tracking(self) -> list[dict[str, Any]]:
        return self.raw.get("tracking", [])

    def stage_of(self, status: str, lang: str = "id") -> tuple[int, str] | None:
        """(stage index, stage label) of a case status, from the tracking stages."""
        for index, stage in enumerate(self.tracking):
            if status in stage["statuses"]:
                return index, text(stage["stage"], lang)
        return None

    @property
    def register(self) -> dict[str, Any] | None:
        return self.raw.get("register")

    def panels_for(self, task_name: str | None) -> list[dict[str, Any]]:
        panels = self.raw.get("panels", {})
        return list(panels.get(task_name or "kasus", panels.get("*", [])))


def schema_errors(raw: Any) -> list[str]:
    """Every way a descriptor departs from service.schema.json, as 'path: message'."""
    messages = []
    for error in sorted(_VALIDATOR.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, error.absolute_path)) or "(akar / root)"
        messages.append(f"{where}: {schema_message(error)}")
    return messages


def schema_texts(error: Any) -> tuple[str, str]:
    """A JSON Schema error as (Indonesian, English): Indonesian for the common checks, followed by
    jsonschema's own English; the English text alone otherwise (used for descriptors and scenarios)."""
    kind, value = error.validator, error.validator_value
    if kind == "required":
        # jsonschema reports each missing name on its own: "'name' is a required property".
        indonesian = f"isian {error.message.split(' is a required property')[0]} wajib diisi"
    elif kind in ("minItems", "minLength") and value == 1:
        indonesian = "tidak boleh kosong"
    elif kind == "enum":
        indonesian = f"harus salah satu dari: {', '.join(map(str, value))}"
    elif kind == "type":
        indonesian = f"jenisnya harus {value}"
    elif kind == "additionalProperties":
        indonesian = "ada isian yang tidak dikenal"
    elif kind == "pattern":
        indonesian = f"bentuknya tidak sesuai pola {value}"
    elif kind in ("minimum", "exclusiveMinimum"):
        indonesian = f"harus paling kecil {value}"
    else:
        return error.message, error.message
    return f"{indonesian} ({error.message})", error.message


def schema_message(error: Any) -> str:
    """A JSON Schema error with Indonesian first for the common checks, then jsonschema's own English."""
    return schema_texts(error)[0]


def parse(data: bytes) -> tuple[Descriptor | None, list[str]]:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [f"bukan JSON yang sah / not valid JSON: {exc}"]
    errors = schema_errors(raw)
    if errors:
        return None, errors
    return Descriptor(raw), []
