"""Errors of the letters package; `str(error)` is a message in Bahasa Indonesia, fit to show an officer.

They do not derive from `workflows.errors` on purpose: `letters` is a leaf package (`app` and `workflows` import
it, it imports neither).
"""

from __future__ import annotations


class LetterError(Exception):
    """Base class of every error this package raises on purpose."""


class LetterTemplateNotFound(LetterError, LookupError):
    """The named template is not in `letters/templates/` (or the name is not a template name at all)."""

    def __init__(self, name: str, available: list[str]):
        pilihan = ", ".join(available) or "(tidak ada)"
        super().__init__(f"Templat surat '{name}' tidak ditemukan. Templat yang tersedia: {pilihan}.")
        self.name = name
        self.available = available


class LetterFieldsMissing(LetterError, ValueError):
    """Some placeholders of the template have no (or only a blank) value: the letter is not issued with gaps."""

    def __init__(self, template: str, fields: list[str]):
        daftar = ", ".join(fields)
        super().__init__(f"Surat '{template}' belum dapat dibuat karena isian berikut masih kosong: {daftar}.")
        self.template = template
        self.fields = fields


class LetterTemplateInvalid(LetterError, ValueError):
    """The template itself is broken: a `{{` that is not a valid placeholder, or no place for the QR code."""


class PdfConversionError(LetterError, RuntimeError):
    """LibreOffice is installed but did not produce a PDF (failed or timed out)."""
