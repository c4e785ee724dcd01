"""What a migration request asks for, read the same way from the page's form and the API's JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from workflows.migration import CaseFilter, MigrationInvalid, parse_filter

FILTER_FIELDS = ("status", "task", "started_from", "started_to", "cases")


@dataclass
class MigrationRequest:
    from_version: int
    to_version: int
    chosen: CaseFilter
    expected: dict[int, int] | None = None


def _version(raw: Any, name_id: str, name_en: str) -> int:
    message = f"Pilih {name_id} berupa nomor versi. (Choose the {name_en} as a version number.)"
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise MigrationInvalid(message) from None
    if value < 1:
        raise MigrationInvalid(message)
    return value


def _expected(raw: Any) -> dict[int, int] | None:
    """case id → lock version seen in the preview ({"12": 3, …} or its JSON text)."""
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    try:
        if not isinstance(raw, dict):
            raise ValueError
        return {int(key): int(value) for key, value in raw.items()}
    except (TypeError, ValueError):
        raise MigrationInvalid("Daftar kasus pratinjau tidak terbaca; buat pratinjau lagi. "
                               "(The previewed case list cannot be read; preview again.)") from None


def read(values: dict[str, Any], filter_values: dict[str, Any] | None = None) -> MigrationRequest:
    """From a flat form (filter fields beside the versions) or a JSON body (filter under `filter`)."""
    filters = filter_values if filter_values is not None else {k: values.get(k) for k in FILTER_FIELDS}
    if not isinstance(filters, dict):
        raise MigrationInvalid("Saringan harus berupa objek. (The filter must be an object.)")
    return MigrationRequest(
        from_version=_version(values.get("from_version"), "versi asal", "source version"),
        to_version=_version(values.get("to_version"), "versi tujuan", "target version"),
        chosen=parse_filter(filters),
        expected=_expected(values.get("expected")),
    )
