"""The approver's letter preview as a file, for the task page and the task API alike.

The caller has checked that the person may work on the task (the task page's own rule). The preview shows
the holder's full NIK and KK, as the letter will: every file served is logged in `file_access`
(object `letter_preview`, the task's id). The PDF is made by LibreOffice with a time limit
(LIGAT_LETTER_PREVIEW_TIMEOUT seconds); where it is not installed or fails, the caller offers the .docx.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

import letters
from workflows import letter_preview
from workflows.db import InboxTask
from workflows.documents import log_access
from workflows.principal import Principal

from .extensions import db
from .views.berkas import LETTER_MIME

log = logging.getLogger(__name__)
OBJECT_TYPE = "letter_preview"


# Shown as they are, in both languages, like the engine's errors (the page around them is translated).
NOT_INSTALLED = ("PDF pratinjau tidak dapat dibuat: LibreOffice tidak terpasang di server ini. Unduh pratinjau "
                 "dalam bentuk .docx. (The PDF preview cannot be made: LibreOffice is not installed on this "
                 "server. Download the .docx preview.)")
FAILED = ("PDF pratinjau tidak dapat dibuat: konversi gagal atau melebihi batas waktu. Unduh pratinjau dalam "
          "bentuk .docx. (The PDF preview cannot be made: the conversion failed or took too long. Download "
          "the .docx preview.)")


class PdfUnavailable(Exception):
    """No PDF can be made here now; `str()` says why, in Indonesian and English."""


@dataclass(frozen=True)
class PreviewFile:
    data: bytes
    mime: str
    name: str


def letter_choices(row: InboxTask) -> list[tuple[str, str]]:
    """(letter type, its name) of each letter the open task's completion may issue."""
    from workflows.packages import package_of_case

    types = letter_preview.letter_types_after(row)
    if not types:
        return []
    declared = package_of_case(db.session, row.case).descriptor.letter_types
    return [(code, declared[code].label if code in declared else code) for code in types]


def pdf_on_offer() -> bool:
    return letters.soffice_path() is not None


def preview_file(row: InboxTask, principal: Principal, letter_type: str, variant: str) -> PreviewFile:
    """The marked preview (`pdf` or `docx`), logged and committed. Raises NotFound (no such letter after
    this task), LigatError (the case's data cannot fill the letter yet) or PdfUnavailable."""
    made = letter_preview.preview(db.session, row, principal.username, letter_type)
    data = made.document
    if variant == "pdf":
        timeout = float(current_app.config["LIGAT_LETTER_PREVIEW_TIMEOUT"])
        try:
            data = letters.to_pdf(made.document, timeout=timeout)
        except letters.PdfConversionError:
            log.exception("Pratinjau PDF tugas id=%s tidak dapat dibuat", row.id)  # the id only: no personal data
            raise PdfUnavailable(FAILED) from None
        if data is None:
            raise PdfUnavailable(NOT_INSTALLED)
    log_access(db.session, row.case_id, OBJECT_TYPE, row.id, principal.username, variant)
    db.session.commit()
    return PreviewFile(data, LETTER_MIME[variant], f"pratinjau-{letter_type}-{row.case.reference}.{variant}")
