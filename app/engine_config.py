"""Hand the engine layer what it needs from the application's configuration:
where files live (one store, workflows/storage.py, an area per kind: case
documents, issued letters, report media), upload limits, the public address
letters point to, who signs (name, NIP and position from the officer's profile; the office's
certificate that signs the PDF)
and the office's own days off (working-day SLAs)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import bootstrap, issued_letters, signing

from .models import OfficerProfile
from .portal import media


def signer_for(session: Session, username: str) -> issued_letters.Signer:
    """The approving officer as printed under a letter: full name, NIP, position (jabatan)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return issued_letters.Signer(username, "-", "Kepala Dinas Sosial")
    profile = session.scalar(select(OfficerProfile).where(OfficerProfile.user_id == user.id))
    name = f"{user.first_name} {user.last_name}".strip() or username
    return issued_letters.Signer(
        name=name,
        nip=(profile.nip if profile and profile.nip else "-"),
        position=(profile.jabatan if profile and profile.jabatan else "Kepala Dinas Sosial"),
    )


def letterhead_address(config: dict) -> str:
    """The letterhead's second line from the office's settings: address · telephone · e-mail."""
    parts = [config.get("LIGAT_OFFICE_ADDRESS") or ""]
    if config.get("LIGAT_OFFICE_PHONE"):
        parts.append(f"Telepon {config['LIGAT_OFFICE_PHONE']}")
    if config.get("LIGAT_OFFICE_EMAIL"):
        parts.append(f"Pos-el {config['LIGAT_OFFICE_EMAIL']}")
    return "  ·  ".join(p for p in parts if p)


def configure_engine(app: Flask) -> None:
    """The engine's set-up from the app's settings, through the one entry point."""
    config = app.config
    upload_dir = Path(config["LIGAT_UPLOAD_DIR"])
    bootstrap.configure(bootstrap.EngineConfig(
        upload_dir=upload_dir,
        letter_dir=Path(config["LIGAT_LETTER_DIR"]) if config.get("LIGAT_LETTER_DIR") else None,
        max_document_bytes=int(config.get("LIGAT_MAX_DOCUMENT_BYTES") or 5 * 1024 * 1024),
        public_url=config["LIGAT_PUBLIC_URL"],
        notify_channel=config["LIGAT_NOTIFY_CHANNEL"],
        office_holidays=config.get("LIGAT_HARI_LIBUR_KANTOR"),
        signer_lookup=signer_for,
        # citizens' report photos and videos (app/portal/), and photos as sent until re-encoded
        extra_storage={media.AREA: upload_dir, media.RAW_AREA: upload_dir},
        letterhead_address=letterhead_address(config),
    ))
    configure_signing(app)


def configure_signing(app: Flask) -> None:
    """The certificate that signs issued PDF letters: the configured one, or a demo one made once."""
    config = app.config
    if config.get("LIGAT_SIGNING_CERT") and config.get("LIGAT_SIGNING_KEY"):
        cert, key = Path(config["LIGAT_SIGNING_CERT"]), Path(config["LIGAT_SIGNING_KEY"])
    else:
        cert, key = signing.ensure_demo_certificate(Path(config["LIGAT_SIGNING_DEMO_DIR"]),
                                                    config["LIGAT_OFFICE_NAME"])
    password = config.get("LIGAT_SIGNING_KEY_PASSWORD")
    signing.SETTINGS.cert_path, signing.SETTINGS.key_path = cert, key
    signing.SETTINGS.key_password = password.encode() if password else None
