"""Signature validations kept by the PDF's hash, so the public verification page (no login) does not run a
full pyHanko validation on every view.

A result is keyed by the SHA-256 of the PDF bytes and of the trusted certificate: the page still reads the
stored PDF and hashes it on every view, so a file changed on the server has another hash, is validated
afresh and reads as broken; a new office certificate is another key, so no old result is reused for it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import signing
from .db import Base, utcnow

NO_TRUST = "-"  # no certificate configured: nothing is trusted


class SignatureCheck(Base):
    __tablename__ = "signature_check"

    pdf_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    trust: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the trusted certificate
    state: Mapped[str] = mapped_column(String(12))
    signer: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def _trust_key() -> str:
    if not signing.SETTINGS.enabled:
        return NO_TRUST
    return hashlib.sha256(signing.SETTINGS.cert_path.read_bytes()).hexdigest()


def signature_state(session: Session, pdf: bytes) -> signing.SignatureState:
    """The PDF's signature state, validated once per (file, trusted certificate); commits a new result."""
    key = (hashlib.sha256(pdf).hexdigest(), _trust_key())
    kept = session.get(SignatureCheck, key)
    if kept is not None:
        return signing.SignatureState(kept.state, kept.signer, kept.signed_at)
    state = signing.signature_state(pdf)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two first views at once validate both; the first result is kept and the other adds nothing.
    session.execute(insert(SignatureCheck).values(
        pdf_sha256=key[0], trust=key[1], state=state.state, signer=(state.signer or None) and state.signer[:300],
        signed_at=state.signed_at, checked_at=utcnow(),
    ).on_conflict_do_nothing())
    session.commit()
    return state
