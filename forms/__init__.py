"""Task forms: one JSON Schema per user task (optionally a UI schema beside it).

Forms belong to service packages (`forms/<code>/*.schema.json`, `*.uischema.json`); a
BPMN user task names its form with the property `formJsonSchemaFilename`, and a case
reads it from the package version it started with (`workflows.packages.form_of`).
`validate()` checks a submission with the `jsonschema` library and returns field-level
messages in Bahasa Indonesia and English. Only fields the schema declares are kept,
so a form can never overwrite other process variables. Lists shared by every package
(the PMKS categories, `pmks.json`) are referenced from a schema by `"x-sumber"`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from lokal import parse_phone

FORMS_DIR = Path(__file__).resolve().parent


class FormNotFound(LookupError):
    pass


def prepare(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as read from a package, with shared option lists filled in (checked as JSON Schema)."""
    schema = json.loads(json.dumps(schema))  # callers cache the result; never share the package's dict
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict) and prop.get("x-sumber") == "pmks":
            prop["enum"] = [c["kode"] for c in pmks_categories()]
    Draft202012Validator.check_schema(schema)
    return schema


def _field_of(error: ValidationError) -> str:
    if error.validator == "required":
        match = re.search(r"'([^']+)' is a required property", error.message)
        if match:
            return ".".join([*map(str, error.absolute_path), match.group(1)])
    return ".".join(map(str, error.absolute_path)) or "_form"


def _message(error: ValidationError, schema: dict[str, Any]) -> str:
    custom = error.schema.get("x-pesan") if isinstance(error.schema, dict) else None
    if custom and error.validator != "required":
        return custom
    value = error.validator_value
    messages = {
        "required": "Wajib diisi. (Required.)",
        "minLength": f"Minimal {value} karakter. (At least {value} characters.)",
        "maxLength": f"Maksimal {value} karakter. (At most {value} characters.)",
        "enum": "Pilih salah satu pilihan yang tersedia. (Choose one of the options.)",
        "const": "Nilai tidak diperbolehkan. (Value not allowed.)",
        "pattern": "Format tidak sesuai. (Wrong format.)",
        "type": "Jenis isian tidak sesuai. (Wrong type.)",
        "minimum": f"Tidak boleh kurang dari {value}. (Minimum {value}.)",
        "maximum": f"Tidak boleh lebih dari {value}. (Maximum {value}.)",
        "format": "Format tidak sesuai. (Wrong format.)",
        "maxItems": f"Paling banyak {value} pilihan. (At most {value} items.)",
        "minItems": f"Paling sedikit {value} pilihan. (At least {value} items.)",
    }
    if error.validator == "required":
        field = _field_of(error).split(".")[-1]
        prop = schema.get("properties", {}).get(field, {})
        if prop.get("x-pesan-wajib"):
            return prop["x-pesan-wajib"]
    return messages.get(error.validator, "Isian tidak valid. (Invalid value.)")


def clean(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Keep declared fields; turn empty strings into absent values; coerce numbers/booleans."""
    out: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        if key not in data:
            continue
        value = data[key]
        kind = prop.get("type")
        if kind == "array":
            # Several checkboxes of one name arrive as a list (HTML) or a list (JSON); one as a string.
            items = value if isinstance(value, list) else [value]
            out[key] = [v.strip() if isinstance(v, str) else v for v in items if v not in (None, "")]
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
            if kind == "integer" and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
                value = float(value)
            elif kind == "boolean" and value.lower() in ("true", "on", "1", "ya"):
                value = True
            elif kind == "boolean" and value.lower() in ("false", "off", "0", "tidak"):
                value = False
        out[key] = value
    for key, prop in schema.get("properties", {}).items():
        # A box left unticked is a decision too (false, or an empty list): never last round's answer.
        if prop.get("type") in ("boolean", "array") and key not in out and "default" in prop:
            out[key] = prop["default"]
    return out


# Validators of the schemas in use, by the schema object: the packages' forms are cached per process and read
# only, and building a validator cost as much as a validation. The schema is kept with its validator, so an id
# is never taken for another schema's.
_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    found = _VALIDATORS.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    if len(_VALIDATORS) >= 256:
        _VALIDATORS.clear()
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validate(schema: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (clean data, errors by field). Errors empty means valid."""
    cleaned = clean(schema, data)
    errors: dict[str, str] = {}
    for error in _validator(schema).iter_errors(cleaned):
        field = _field_of(error)
        errors.setdefault(field, _message(error, schema))
    _check_not_future(schema, cleaned, errors)
    return cleaned, errors


NOT_FUTURE = "Tanggal tidak boleh setelah hari ini. (The date may not be later than today.)"


def _check_not_future(schema: dict[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    """A date field marked `"x-not-future": true` (a visit or assessment that has taken place) may
    not lie after today in the office's time zone."""
    marked = [f for f, p in schema.get("properties", {}).items() if isinstance(p, dict) and p.get("x-not-future")]
    if not marked:
        return
    from datetime import UTC, date, datetime

    from workflows import durations  # imported here: workflows imports this package

    today = datetime.now(UTC).astimezone(durations.SETTINGS.office_tz).date()
    for field in marked:
        value = cleaned.get(field)
        if field in errors or not isinstance(value, str):
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            continue  # the format check names it
        if day > today:
            errors[field] = NOT_FUTURE


def normalize_phone(cleaned: dict[str, Any], errors: dict[str, str], field: str = "telepon") -> None:
    """Put a valid Indonesian phone number in E.164 form (lokal-id), or record the field's error."""
    if not cleaned.get(field) or field in errors:
        return
    phone = parse_phone(cleaned[field])
    if phone.valid:
        cleaned[field] = phone.e164
    else:
        errors[field] = "Nomor HP tidak valid, contoh: 0812 3456 7890. (Invalid phone number.)"


@lru_cache(maxsize=1)
def pmks_categories() -> list[dict[str, str]]:
    return json.loads((FORMS_DIR / "pmks.json").read_text(encoding="utf-8"))["kategori"]


@lru_cache(maxsize=1)
def shared_english() -> dict[str, str]:
    """English of the shared lists' texts (`en.json` beside them: PMKS category names, the status every
    case starts in), the same kind of table a package keeps in `bpmn/<code>/en.json`."""
    return json.loads((FORMS_DIR / "en.json").read_text(encoding="utf-8"))
