"""Public letter verification: the address in a letter's QR code.

Shows only what lets anyone check a paper letter: number, date, type, status
(valid / revoked / expired), the holder's masked name and NIK, the SHA-256 of
the issued file and the state of the PDF's signature (workflows/signing.py). The
token in the address is random (not the number), so letters cannot be enumerated.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext

from workflows import issued_letters, signature_checks, signing, storage

from .extensions import db
from .ratelimit import limiter, setting

verification = Blueprint("verification", __name__)

STATUS_TEXT = {
    "valid": lazy_gettext("SAH: surat ini tercatat dan berlaku."),
    "revoked": lazy_gettext("DICABUT: surat ini tidak berlaku lagi."),
    "expired": lazy_gettext("KEDALUWARSA: masa berlaku surat ini telah habis."),
}


@verification.get("/verifikasi/<token>")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def verify(token: str):  # noqa: ANN201
    letter = issued_letters.by_token(db.session, token)
    if letter is None:
        return render_template("portal/verifikasi.html", letter=None), 404
    status = letter.public_status()
    # The stored PDF read and hashed on every view (a file changed on the server shows as broken); its
    # signature validated once per content.
    signature = _signature(letter.pdf_key) if letter.pdf_key else None
    response = render_template("portal/verifikasi.html", letter=letter, status=status, status_text=STATUS_TEXT[status],
                               signature=signature)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _signature(pdf_key: str) -> signing.SignatureState:
    """A stored PDF gone from the server reads as broken, not as an error page."""
    try:
        return signature_checks.signature_state(db.session, storage.read(pdf_key))
    except OSError:
        return signing.SignatureState(signing.BROKEN)
