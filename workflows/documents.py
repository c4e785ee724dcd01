"""Documents uploaded for a case (KTP, KK, SKTM, …), reusable by every service line.

A file is accepted by its content, never its name: the first bytes must be those
of a PDF, JPEG or PNG, and it must fit the size limit. Images are decoded and
re-encoded (workflows/images.py: no EXIF/GPS, no appended bytes, truncated ones
refused); a PDF must open, must not be encrypted and must carry no active content
(JavaScript, launch or submit actions, embedded files, XFA forms). It is stored outside the
web root under a random name (workflows/storage.py); the table keeps who
uploaded it, the original name, type, size and SHA-256. A file is served only to
someone who may see its case, and every download is logged.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import filetype
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import images, storage
from .db import Base, Case, utcnow
from .errors import LigatError, NotFound
from .principal import Principal
from .visibility import can_view_case

AREA = "documents"
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EXECUTABLE_KINDS = {"exe", "elf", "dmg", "macho", "dex", "crx", "swf", "wasm", "sh", "msi", "class"}


@dataclass
class DocumentSettings:
    """Set once by the application (config LIGAT_MAX_DOCUMENT_BYTES)."""

    max_bytes: int = 5 * 1024 * 1024


SETTINGS = DocumentSettings()


class UploadRefused(LigatError):
    """The file is not accepted; the message says why, fit to show the uploader."""


class CaseDocument(Base):
    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # the form field: ktp, kk, sktm, …
    original_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FileAccess(Base):
    """One download of a case's file (an uploaded document or an issued letter)."""

    __tablename__ = "file_access"
    __table_args__ = (Index("ix_file_access_accessed_at", "accessed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(20))  # document, letter, media (a report's photo/video), history
    object_id: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str | None] = mapped_column(String(10))  # docx / pdf for letters
    username: Mapped[str] = mapped_column(String(100))
    accessed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


storage.owned_by(AREA, CaseDocument.storage_key)


@dataclass(frozen=True)
class CheckedFile:
    mime: str
    extension: str
    data: bytes  # what is stored: a re-encoded image, or the PDF as sent


DOCUMENT_MAX_SIDE = 3000  # a KTP or KK scan stays legible
# PDF names that run something or carry a file inside: refused in documents residents upload.
ACTIVE_PDF_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia"})
ACTIVE_PDF_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute",
                                "/Rendition"})


def _pdf_problem(data: bytes) -> str | None:
    """Why a PDF is refused (Indonesian. (English.)), or None. Every object is read, compressed
    object streams included, so an action hidden in one is found too."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "PDF dikunci dengan kata sandi. (The PDF is password-protected.)"
        numbers = {num for generation in reader.xref.values() for num in generation} | set(reader.xref_objStm)
        objects = [reader.trailer["/Root"].get_object()] + [reader.get_object(num) for num in sorted(numbers)]
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        del exc
        return "PDF rusak atau tidak dapat dibaca. (The PDF is corrupt or unreadable.)"
    pending = list(objects)
    seen = 0
    while pending and seen < 200_000:  # bounded: a crafted file cannot keep the check busy
        obj, seen = pending.pop(), seen + 1
        if isinstance(obj, IndirectObject) or obj is None:
            continue  # every numbered object is in `objects` already
        if isinstance(obj, ArrayObject):
            pending.extend(obj)
            continue
        if not isinstance(obj, DictionaryObject):
            continue
        pending.extend(obj.values())  # direct dictionaries inside (an inline /OpenAction, /AA)
        if ACTIVE_PDF_KEYS & set(obj.keys()) or obj.get("/S") in ACTIVE_PDF_ACTIONS:
            return ("PDF memuat konten aktif (JavaScript, aksi otomatis atau berkas tersisip); cetak ulang ke PDF "
                    "atau pindai sebagai gambar. (The PDF holds active content: JavaScript, automatic actions or "
                    "embedded files; print it to a new PDF or scan it as an image.)")
    return None


def _safe_name(name: str) -> str:
    base = (name or "berkas").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:255] or "berkas"


def check_upload(data: bytes, original_name: str, max_bytes: int | None = None) -> CheckedFile:
    """Accept PDF, JPEG or PNG by content and size; raise UploadRefused with the reason otherwise."""
    name = _safe_name(original_name)
    limit = max_bytes or SETTINGS.max_bytes
    if not data:
        raise UploadRefused(f"Berkas '{name}' kosong. (The file is empty.)")
    if len(data) > limit:
        raise UploadRefused(
            f"Berkas '{name}' terlalu besar ({len(data) // 1024} KB); batasnya {limit // 1024} KB. "
            f"(File too large.)"
        )
    kind = filetype.guess(data)
    if kind is not None and kind.extension in EXECUTABLE_KINDS:
        raise UploadRefused(
            f"Berkas '{name}' ditolak: isinya adalah program ({kind.extension.upper()}), bukan dokumen. "
            "Unggah PDF, JPEG atau PNG. (File refused: it is an executable, not a PDF, JPEG or PNG.)"
        )
    if kind is None or kind.mime not in ALLOWED:
        found = kind.mime if kind else "tidak dikenal"
        raise UploadRefused(
            f"Berkas '{name}' ditolak: isinya bukan PDF, JPEG atau PNG (terbaca: {found}). "
            "(File refused: content is not PDF, JPEG or PNG.)"
        )
    if kind.mime == "application/pdf":
        problem = _pdf_problem(data)
        if problem:
            raise UploadRefused(f"Berkas '{name}' ditolak: {problem}")
        return CheckedFile(kind.mime, "pdf", data)
    try:
        clean = images.reencode(data, DOCUMENT_MAX_SIDE, keep_png=True, quality=90)
    except images.ImageRefused as exc:
        raise UploadRefused(f"Berkas '{name}' ditolak: {exc}") from exc
    return CheckedFile(clean.media_type, clean.extension, clean.data)


def add(
    session: Session, case_id: int | None, kind: str, original_name: str, data: bytes, uploaded_by: str,
    checked: CheckedFile | None = None,
) -> CaseDocument:
    """Check (unless `checked` is the result of check_upload on these bytes), store and record one
    upload inside the caller's transaction (the caller commits)."""
    checked = checked or check_upload(data, original_name)
    data = checked.data
    key = storage.store(session, AREA, data, checked.extension)
    document = CaseDocument(
        case_id=case_id,
        kind=kind,
        original_name=_safe_name(original_name),
        mime=checked.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by=uploaded_by,
    )
    session.add(document)
    session.flush()
    session.info.setdefault(NEW_DOCUMENTS, set()).add(document.id)
    return document


# Ids of the documents stored in the session's current transaction: a task's file field may only name one
# of these (a file uploaded with this very step), never an id typed into a form or a JSON body.
NEW_DOCUMENTS = "ligat_new_documents"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_new_documents(session: Session) -> None:
    session.info.pop(NEW_DOCUMENTS, None)


def uploaded_now(session: Session, document_id: object, case_id: int) -> bool:
    document = session.get(CaseDocument, document_id) if isinstance(document_id, int) else None
    return (document is not None and document.id in session.info.get(NEW_DOCUMENTS, set())
            and document.case_id == case_id)


def staged(session: Session, document_id: int, kind: str) -> CaseDocument:
    """A file kept from an earlier, refused try of a start form: stored, of that field, and not yet
    part of any case (it joins the case being started)."""
    document = session.get(CaseDocument, document_id)
    if document is None or document.case_id is not None or document.kind != kind:
        raise UploadRefused("Berkas yang diunggah sebelumnya tidak ditemukan; unggah lagi. "
                            "(The earlier upload was not found; upload it again.)")
    return document


STAGED_KEPT = timedelta(hours=6)  # a refused start form's files wait this long for the form to be sent again


def remove_stale_staged(session: Session, older_than: timedelta = STAGED_KEPT) -> int:
    """Delete files kept from refused start forms that never became part of a case (rows and files).
    Commits; returns how many were removed."""
    stale = list(session.scalars(select(CaseDocument).where(
        CaseDocument.case_id.is_(None), CaseDocument.uploaded_at < utcnow() - older_than,
    ).limit(500)))
    keys = [document.storage_key for document in stale]
    for document in stale:
        session.delete(document)
    session.commit()
    for key in keys:  # after the commit: a rolled-back delete must not lose a file still listed
        storage.path_of(key).unlink(missing_ok=True)
    return len(stale)


def for_case(session: Session, case_id: int) -> list[CaseDocument]:
    return list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.id)))


def latest_by_kind(session: Session, case_id: int) -> dict[str, CaseDocument]:
    """The current file of each kind (a re-upload after a return replaces the earlier one)."""
    result: dict[str, CaseDocument] = {}
    for document in for_case(session, case_id):
        result[document.kind] = document
    return result


def log_access(
    session: Session, case_id: int | None, object_type: str, object_id: int, username: str, variant: str | None = None
) -> None:
    session.add(
        FileAccess(case_id=case_id, object_type=object_type, object_id=object_id, variant=variant, username=username)
    )


def download(session: Session, document_id: int, principal: Principal) -> tuple[CaseDocument, bytes]:
    """The file, for someone allowed to see its case; the download is logged and committed."""
    document = session.get(CaseDocument, document_id)
    if document is None or document.case_id is None:
        raise NotFound("Berkas tidak ditemukan.")
    case = session.get(Case, document.case_id)
    if case is None or not can_view_case(principal, case):
        # Not revealed to exist, like a case outside one's region.
        raise NotFound("Berkas tidak ditemukan.")
    data = storage.read(document.storage_key)
    log_access(session, case.id, "document", document.id, principal.username)
    session.commit()
    return document, data


__all__ = [
    "AREA",
    "CaseDocument",
    "CheckedFile",
    "FileAccess",
    "UploadRefused",
    "add",
    "check_upload",
    "download",
    "for_case",
    "latest_by_kind",
    "log_access",
]
