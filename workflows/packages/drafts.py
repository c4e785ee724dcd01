"""The designer's drafts: a package's files being edited on the server, started from the latest
published version, then checked, tried, published as the next version, or discarded.

A draft is not deployed: running and new cases never see it. One open draft per package keeps
two designers from overwriting each other's work unseen. Every publish and rollback is recorded in
the package's own hash-chained history (`PackageEvent`), the way `workflows.audit` chains a case's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from lxml import etree
from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..audit import GENESIS
from ..db import Base, Case, ProcessDefinition, utcnow
from ..errors import LigatError, NotFound
from ..script_checks import Problem
from . import english
from .checks import _is_docx, check_package
from .files import AREAS, PackageFiles, _check_path, from_archive
from .store import DeployResult, ServicePackage, deploy_package, files_of, latest_package

MAX_FILE_BYTES = 5 * 1024 * 1024
# Text files a designer edits in the browser; letters are uploaded as .docx.
EDITABLE = (".bpmn", ".dmn", ".json")


class DraftError(LigatError):
    """A draft change was refused; `message_id` / `message_en` say why, nothing was stored."""

    def __init__(self, message_id: str, message_en: str):
        super().__init__(f"{message_id} ({message_en})")
        self.message_id = message_id
        self.message_en = message_en


class PackageDraft(Base):
    """The open draft of one package: its files as one archive, and where it started."""

    __tablename__ = "package_draft"
    __table_args__ = (UniqueConstraint("code", name="uq_package_draft_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    base_version: Mapped[int] = mapped_column(Integer)
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))

    def files(self) -> PackageFiles:
        return from_archive(self.archive)


class PackageEvent(Base):
    """Append-only history of a package (draft started or discarded, published, rolled back), chained per
    package code by SHA-256."""

    __tablename__ = "package_event"
    __table_args__ = (UniqueConstraint("code", "seq", name="uq_package_event_code_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_json or "{}")


def _event_digest(event: PackageEvent) -> str:
    body = json.dumps({"code": event.code, "seq": event.seq,
                       "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
                       "actor": event.actor, "action": event.action, "data": event.data_json,
                       "prev": event.prev_hash}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record_event(session: Session, code: str, actor: str, action: str, data: dict[str, Any]) -> PackageEvent:
    """Add one event to the package's chain inside the caller's transaction."""
    last = session.execute(select(PackageEvent.seq, PackageEvent.hash).where(PackageEvent.code == code)
                           .order_by(PackageEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    event = PackageEvent(code=code, seq=seq + 1, occurred_at=utcnow(), actor=actor, action=action,
                         data_json=json.dumps(data, sort_keys=True, ensure_ascii=False), prev_hash=prev)
    event.hash = _event_digest(event)
    session.add(event)
    return event


def package_events(session: Session, code: str) -> list[PackageEvent]:
    return list(session.scalars(select(PackageEvent).where(PackageEvent.code == code).order_by(PackageEvent.seq)))


def verify_events(events: list[PackageEvent]) -> bool:
    """True when the chain is whole: no event edited, removed or reordered."""
    prev = GENESIS
    for expected, event in enumerate(events, start=1):
        if event.seq != expected or event.prev_hash != prev or _event_digest(event) != event.hash:
            return False
        prev = event.hash
    return True


def verify_package_chains(session: Session) -> tuple[int, list[str]]:
    """Check every package's history; return (events checked, codes whose chain is broken)."""
    events = list(session.scalars(select(PackageEvent).order_by(PackageEvent.code, PackageEvent.seq)))
    broken = [code for code, chain in groupby(events, key=lambda e: e.code) if not verify_events(list(chain))]
    return len(events), broken


# --- versions --------------------------------------------------------------------------------


@dataclass
class VersionInfo:
    package: ServicePackage
    cases: int
    running: int
    latest: bool


def package_versions(session: Session, code: str) -> list[VersionInfo]:
    """Every version of a package, newest first, with how many cases started (and still run) on each."""
    return versions_by_code(session, [code]).get(code, [])


def versions_by_code(session: Session, codes: list[str] | None = None) -> dict[str, list[VersionInfo]]:
    """`package_versions` for several packages (every one when `codes` is None) in two queries."""
    query = select(ServicePackage).order_by(ServicePackage.code, ServicePackage.version.desc())
    if codes is not None:
        query = query.where(ServicePackage.code.in_(codes))
    rows = list(session.scalars(query))
    counts = {pid: (total, running) for pid, total, running in session.execute(
        select(ProcessDefinition.package_id, func.count(Case.id),
               func.count(Case.id).filter(Case.completed.is_(False)))
        .join(Case, Case.process_definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.package_id.in_([r.id for r in rows]))
        .group_by(ProcessDefinition.package_id))}
    out: dict[str, list[VersionInfo]] = {}
    for r in rows:
        versions = out.setdefault(r.code, [])
        versions.append(VersionInfo(r, *counts.get(r.id, (0, 0)), latest=not versions))
    return out


def version_of(session: Session, code: str, version: int) -> ServicePackage:
    row = session.scalar(select(ServicePackage).where(ServicePackage.code == code, ServicePackage.version == version))
    if row is None:
        raise NotFound(f"Paket '{code}' versi {version} tidak ada. (Package '{code}' version {version} not found.)")
    return row


def published(session: Session, code: str) -> ServicePackage:
    latest = latest_package(session, code)
    if latest is None:
        raise NotFound(f"Paket '{code}' tidak ada. (Package '{code}' not found.)")
    return latest


# --- drafts ----------------------------------------------------------------------------------


def draft_of(session: Session, code: str) -> PackageDraft | None:
    return session.scalar(select(PackageDraft).where(PackageDraft.code == code))


def draft_codes(session: Session) -> set[str]:
    """The packages that have an open draft (one query, without the drafts' archives)."""
    return set(session.scalars(select(PackageDraft.code)))


def start_draft(session: Session, code: str, actor: str) -> PackageDraft:
    """Open the package's draft with a copy of its latest published files (commits)."""
    latest = published(session, code)
    if draft_of(session, code) is not None:
        raise DraftError(f"Paket '{code}' sudah punya draf terbuka; lanjutkan atau buang draf itu dulu.",
                         f"Package '{code}' already has an open draft; continue it or discard it first.")
    draft = PackageDraft(code=code, base_version=latest.version, archive=files_of(latest).to_archive(),
                         author=actor, updated_by=actor)
    session.add(draft)
    record_event(session, code, actor, "draft_started", {"base_version": latest.version})
    session.commit()
    return draft


def discard_draft(session: Session, draft: PackageDraft, actor: str) -> None:
    record_event(session, draft.code, actor, "draft_discarded", {"base_version": draft.base_version})
    session.delete(draft)
    session.commit()


def _current_files(session: Session, draft: PackageDraft) -> PackageFiles:
    """The draft's files read again under a row lock: two saves of different files both stay."""
    session.refresh(draft, with_for_update=True)
    return draft.files()


def _save(session: Session, draft: PackageDraft, files: PackageFiles, actor: str) -> None:
    draft.archive = files.to_archive()
    draft.updated_at = utcnow()
    draft.updated_by = actor
    session.commit()


def check_file(path: str, data: bytes) -> None:
    """What can be checked of one file alone: XML well-formed, JSON an object, a letter a real .docx."""
    if len(data) > MAX_FILE_BYTES:
        raise DraftError("Berkas terlalu besar (maks. 5 MB).", "File too large (max 5 MB).")
    if path.endswith((".bpmn", ".dmn")):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise DraftError(f"XML tidak sah: {exc}", f"Invalid XML: {exc}") from exc
    elif path.endswith(".json"):
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DraftError(f"JSON tidak sah: {exc}", f"Invalid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise DraftError("Isi JSON harus sebuah objek {…}.", "The JSON content must be an object {…}.")
    elif path.endswith(".docx"):
        if not _is_docx(data):
            raise DraftError("Berkas bukan dokumen Word .docx yang sah.",
                             "The file is not a valid Word .docx document.")
    else:
        raise DraftError("Jenis berkas tidak dikenal: hanya .bpmn, .dmn, .json dan .docx.",
                         "Unknown file type: only .bpmn, .dmn, .json and .docx.")


def _allowed_path(code: str, path: str) -> str:
    checked = _check_path(path, code)
    area = path.split("/")[0]
    suffixes = {"bpmn": (".bpmn", ".dmn", ".json"), "forms": (".json",), "letters": (".docx",)}
    if checked is None or area not in AREAS or not path.endswith(suffixes[area]):
        raise DraftError(f"Jalur berkas '{path}' tidak sah untuk paket '{code}'. Pakai bpmn/{code}/… (.bpmn, .dmn, "
                         f".json), forms/{code}/… (.json) atau letters/{code}/… (.docx).",
                         f"File path '{path}' is not valid for package '{code}'. Use bpmn/{code}/… (.bpmn, .dmn, "
                         f".json), forms/{code}/… (.json) or letters/{code}/… (.docx).")
    return checked


def put_file(session: Session, draft: PackageDraft, path: str, data: bytes, actor: str) -> None:
    """Add or replace one file of the draft (commits); refused files change nothing."""
    _allowed_path(draft.code, path)
    check_file(path, data)
    files = _current_files(session, draft)
    files.files[path] = data
    _save(session, draft, files, actor)


def delete_file(session: Session, draft: PackageDraft, path: str, actor: str) -> None:
    files = _current_files(session, draft)
    if path not in files.files:
        raise NotFound(f"Berkas '{path}' tidak ada di draf. (File '{path}' is not in the draft.)")
    if path == f"bpmn/{draft.code}/service.json":
        raise DraftError("Deskriptor service.json tidak bisa dihapus.",
                         "The service.json descriptor cannot be deleted.")
    del files.files[path]
    _save(session, draft, files, actor)


def rename_file(session: Session, draft: PackageDraft, path: str, new_path: str, actor: str) -> None:
    files = _current_files(session, draft)
    if path not in files.files:
        raise NotFound(f"Berkas '{path}' tidak ada di draf. (File '{path}' is not in the draft.)")
    _allowed_path(draft.code, new_path)
    if path.rsplit(".", 1)[-1] != new_path.rsplit(".", 1)[-1] or path.endswith("service.json"):
        raise DraftError("Nama baru harus berjenis sama, dan service.json tidak bisa diganti namanya.",
                         "The new name must keep the file type, and service.json cannot be renamed.")
    if new_path in files.files:
        raise DraftError(f"Berkas '{new_path}' sudah ada.", f"File '{new_path}' already exists.")
    files.files[new_path] = files.files.pop(path)
    _save(session, draft, files, actor)


# --- check, try, publish, roll back ----------------------------------------------------------


@dataclass
class Finding:
    """One line of a draft's check: a problem (blocks publishing) or a warning."""

    level: str  # error | warning
    file: str
    element_id: str
    element_name: str | None
    message_id: str
    message_en: str
    line: int | None = None

    @classmethod
    def of(cls, level: str, problem: Problem) -> Finding:
        return cls(level, problem.file, problem.element_id, problem.element_name, problem.message_id,
                   problem.message_en, problem.line)


def check_files(files: PackageFiles) -> list[Finding]:
    """The deploy's checks (descriptor, BPMN/DMN, lanes, forms, letters, scripts) on a copy of the files."""
    checked = check_package(PackageFiles(files.code, dict(files.files)))
    return ([Finding.of("error", p) for p in checked.problems]
            + [Finding.of("warning", w) for w in checked.warnings])


def english_with_missing(files: PackageFiles) -> bytes:
    """The package's English table (bpmn/<code>/en.json) with an empty entry added for every text it does not
    cover yet, for the designer to fill in; entries already written stay as they are."""
    checked = check_package(PackageFiles(files.code, dict(files.files)))
    current = files.get("bpmn", english.FILE)
    _, errors = english.parse(current)
    if errors:
        raise DraftError(errors[0], errors[0])
    raw = json.loads(current) if current else {}
    for item in checked.user_texts:
        raw.setdefault(item.text, "")
    return (json.dumps(raw, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass
class TryResult:
    results: list[Any] = field(default_factory=list)


def try_files(files: PackageFiles) -> TryResult:
    """Run the package's scenario tests (bpmn/<code>/tests/*.json) in a throw-away database."""
    from ..scenarios import run_scenarios

    return TryResult(list(run_scenarios(PackageFiles(files.code, dict(files.files)))))


def publish_draft(session: Session, draft: PackageDraft, actor: str) -> DeployResult:
    """Deploy the draft as the next version (or refuse with every problem: DeployError, nothing stored),
    record `package_published`, close the draft. Running cases keep the version they started on."""
    files = draft.files()
    result = deploy_package(session, files, actor)
    if not result.created:
        raise DraftError(f"Isi draf sama dengan versi {result.package.version} yang sudah terbit; tidak ada yang "
                         f"diterbitkan. Untuk memakainya lagi, kembalikan versi itu.",
                         f"The draft's content equals published version {result.package.version}; nothing was "
                         f"published. To use it again, roll back to that version.")
    record_event(session, draft.code, actor, "package_published", {
        "version": result.package.version, "content_hash": result.package.content_hash,
        "base_version": draft.base_version})
    session.delete(draft)
    session.commit()
    return result


def roll_back(session: Session, code: str, version: int, actor: str) -> DeployResult:
    """Publish an earlier version's files again as the new latest version (running cases keep theirs)."""
    old = version_of(session, code, version)
    latest = published(session, code)
    if old.id == latest.id:
        raise DraftError(f"Versi {version} sudah versi terbaru.", f"Version {version} is already the latest.")
    result = deploy_package(session, files_of(old), actor, republish=True)
    record_event(session, code, actor, "package_rolled_back", {
        "version": result.package.version, "content_hash": result.package.content_hash, "from_version": version})
    session.commit()
    return result
