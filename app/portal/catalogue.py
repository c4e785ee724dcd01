"""The public service catalogue and the PMKS categories with their icons.

Each deployed service package brings its catalogue entry (service.json → catalogue, one entry
per variant where it has them); `forms/layanan.json` lists the office's services that do not
run in LIGAT yet, so the public still learns their requirements.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

import forms
from workflows.packages import Descriptor, latest_packages, text

from ..views.display import bidang_label

PLANNED_FILE = forms.FORMS_DIR / "layanan.json"


@lru_cache(maxsize=1)
def planned_services() -> list[dict[str, Any]]:
    """Services of the office not yet running in LIGAT (forms/layanan.json)."""
    return json.loads(PLANNED_FILE.read_text(encoding="utf-8"))["layanan"]


def apply_url(descriptor: Descriptor, preset: dict[str, str] | None = None) -> str | None:
    """Where the public starts this line: the report form, the generic application page, or nowhere."""
    start = descriptor.start
    if start.get("channel") == "report":
        return "/lapor"
    if not descriptor.public_start:
        return None
    query = urlencode(preset or {})
    return f"/layanan/{descriptor.code}/ajukan" + (f"?{query}" if query else "")


def _entries(descriptor: Descriptor, lang: str) -> list[dict[str, Any]]:
    cat = descriptor.catalogue
    base = {
        "proses": descriptor.process,
        "paket": descriptor.code,
        "tempat": text(cat.get("where"), lang),
        "biaya": text(cat.get("cost"), lang),
        "bidang": bidang_label(cat.get("bidang")),
        "urutan": cat.get("order", 100),
    }
    variants = cat.get("variants") or [None]
    out = []
    for variant in variants:
        source = variant or cat
        out.append({
            **base,
            "kode": variant["code"] if variant else descriptor.code,
            "nama": text(variant["name"] if variant else descriptor.name, lang),
            "ikon": source.get("icon") or cat.get("icon") or "",
            "ringkasan": text(source.get("summary"), lang),
            "persyaratan": [text(item, lang) for item in source.get("requirements") or cat.get("requirements", [])],
            "waktu": text(source.get("duration") or cat.get("duration"), lang),
            "sla": source.get("sla") or cat.get("sla"),
            "ajukan": apply_url(descriptor, variant.get("preset") if variant else None),
        })
    return out


def services(session: Session, lang: str = "id") -> list[dict[str, Any]]:
    """Every entry of the catalogue: the deployed lines first (in their order), then the planned ones."""
    running = [entry for package in latest_packages(session) for entry in _entries(package.descriptor, lang)]
    running.sort(key=lambda e: (e["urutan"], e["nama"]))
    codes = {e["kode"] for e in running}
    return running + [s for s in planned_services() if s["kode"] not in codes]


def service(session: Session, code: str, lang: str = "id") -> dict[str, Any] | None:
    return next((s for s in services(session, lang) if s["kode"] == code), None)


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
