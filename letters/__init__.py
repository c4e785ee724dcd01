"""Letters: fill a service package's .docx templates (`letters/<code>/`), add the verification QR code, make a PDF.

Pure functions over bytes and strings (no Flask, no database), so the engine's script tasks, the web app and
tests use the same code. Numbering sequences, storage and the public verification page live in the callers;
this package formats the number, renders the document and hashes it.

    nomor = letter_number("400.9/{seq:04d}/DINSOS/{bulan_romawi}/{tahun}", 42, date(2026, 11, 23))
    docx_bytes = fill_docx(template_bytes, {"nomor": nomor, ...}, qr_payload="https://.../verifikasi/...")
    digest = sha256_hex(docx_bytes)
    pdf_bytes = to_pdf(docx_bytes)  # None where LibreOffice is not installed

Office staff may edit the templates in Word; see `letters/README.md` for the placeholder rules.
"""

from __future__ import annotations

import hashlib

from .errors import LetterError, LetterFieldsMissing, LetterTemplateInvalid, LetterTemplateNotFound, PdfConversionError
from .formatting import format_tanggal, letter_number, mask_name, mask_nik, preview_number, roman_month
from .pdf import soffice_path, to_pdf
from .preview import mark_preview
from .render import QR_FIELD, fill_docx, qr_png, template_fields


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of an issued file: the verification page shows it so a copy can be checked against the record."""
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "QR_FIELD",
    "LetterError",
    "LetterFieldsMissing",
    "LetterTemplateInvalid",
    "LetterTemplateNotFound",
    "PdfConversionError",
    "fill_docx",
    "format_tanggal",
    "letter_number",
    "mask_name",
    "mask_nik",
    "mark_preview",
    "preview_number",
    "qr_png",
    "roman_month",
    "sha256_hex",
    "soffice_path",
    "template_fields",
    "to_pdf",
]
