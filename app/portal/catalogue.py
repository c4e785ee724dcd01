"""The public service catalogue (forms/layanan.json) and the PMKS categories with their icons."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import forms

CATALOGUE_FILE = forms.FORMS_DIR / "layanan.json"


@lru_cache(maxsize=1)
def services() -> list[dict[str, Any]]:
    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["layanan"]


def service(code: str) -> dict[str, Any] | None:
    return next((s for s in services() if s["kode"] == code), None)


def service_for_process(process_id: str) -> dict[str, Any] | None:
    return next((s for s in services() if s.get("proses") == process_id), None)


def categories() -> list[dict[str, Any]]:
    return forms.pmks_categories()


def category(code: str | None) -> dict[str, Any] | None:
    return next((c for c in categories() if c["kode"] == code), None)


def category_name(code: str | None) -> str:
    found = category(code)
    return found["nama"] if found else (code or "–")


def is_sensitive(code: str | None) -> bool:
    """Categories whose reports are always confidential (victims, children in conflict with the law...)."""
    found = category(code)
    return bool(found and found.get("sensitif"))
