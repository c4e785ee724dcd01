"""The one engine set-up. The web app (app/engine_config.py) and anything else that runs the
engine (a script, a test without Flask) call `configure` once with an `EngineConfig`; nothing
else sets the engine's module settings.

It also loads every module that offers script functions or tables, so a deploy check knows
every function a diagram may call and every engine step has them, whoever started first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# Modules that add tables and script functions (issue_letter, register_entry, time_after, …).
ENGINE_MODULES = ("applicant_links", "audit_checks", "counting", "documents", "dtks", "issued_letters", "migration",
                  "persons", "registers", "satisfaction", "signature_checks", "timeplan", "whatsapp.models")

# Storage areas of the engine's own files: uploads, issued letters (report media come from the app).
UPLOADS = "documents"
LETTERS = "letters"


@dataclass
class EngineConfig:
    upload_dir: Path
    letter_dir: Path | None = None  # default: beside the uploads; both outside the web root
    max_document_bytes: int = 5 * 1024 * 1024
    public_url: str = "http://127.0.0.1:5000"  # letters' QR codes and applicants' links point here
    notify_channel: str = "log"
    office_holidays: str | Iterable[str | date] | None = None  # the office's own days off (ISO dates)
    signer_lookup: Callable | None = None  # (session, username) → issued_letters.Signer
    extra_storage: dict[str, Path] = field(default_factory=dict)  # more storage areas (e.g. report media)
    letterhead_address: str = "Kota Jayapura, Papua"  # the letterhead's address line ({{kop_alamat}})


def load_modules() -> None:
    for name in ENGINE_MODULES:
        importlib.import_module(f"workflows.{name}")


def configure(config: EngineConfig) -> None:
    load_modules()
    from . import applicant_links, cases, documents, durations, issued_letters, storage

    storage.configure(documents.AREA, config.upload_dir)
    storage.configure(issued_letters.AREA, config.letter_dir or config.upload_dir)
    for area, root in config.extra_storage.items():
        storage.configure(area, root)
    documents.SETTINGS.max_bytes = config.max_document_bytes
    issued_letters.SETTINGS.public_url = config.public_url
    issued_letters.SETTINGS.letterhead_address = config.letterhead_address
    applicant_links.SETTINGS.public_url = config.public_url
    if config.signer_lookup is not None:
        issued_letters.SETTINGS.signer_lookup = config.signer_lookup
    cases.SETTINGS.notify_channel = config.notify_channel
    # A bad date stops the start-up with a message naming it, rather than miscounting every SLA.
    durations.SETTINGS.office_holidays = durations.parse_dates(config.office_holidays)
