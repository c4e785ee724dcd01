"""Issued PDF letters signed with the office's certificate (PAdES, pyHanko), and the state of a
PDF's signature for the public verification page.

The certificate and key come from settings (`LIGAT_SIGNING_CERT`, `LIGAT_SIGNING_KEY`, PEM files);
where none are configured, a demo certificate for the office is generated once into the var
directory (`ensure_demo_certificate`), so every installation signs. A PDF reader then shows who
signed and whether the file changed after signing. No Flask here.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

T = TypeVar("T")
FIELD_NAME = "TandaTanganDinas"
VALID, BROKEN, UNSIGNED, UNTRUSTED = "valid", "broken", "unsigned", "untrusted"


@dataclass
class SigningSettings:
    """Set once by the application (app/engine_config.py). No certificate: letters are not signed."""

    cert_path: Path | None = None
    key_path: Path | None = None
    key_password: bytes | None = None
    location: str = "Indonesia"

    @property
    def enabled(self) -> bool:
        return self.cert_path is not None and self.key_path is not None


SETTINGS = SigningSettings()


def ensure_demo_certificate(directory: Path, office_name: str) -> tuple[Path, Path]:
    """A self-signed certificate and key for the office, made once (PEM, key readable by the owner only)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "demo-sertifikat.pem", directory / "demo-kunci.pem"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, office_name),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{office_name} (sertifikat demo)"),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _outside_event_loop(function: Callable[..., T], *args: object) -> T:
    """pyHanko's blocking calls start their own asyncio loop, which fails inside a running one (an
    async server, a test driving a browser): run them on a thread of their own there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _signer():  # noqa: ANN202
    from pyhanko.sign import signers

    return signers.SimpleSigner.load(str(SETTINGS.key_path), str(SETTINGS.cert_path),
                                     key_passphrase=SETTINGS.key_password)


def sign_pdf(pdf: bytes, reason: str) -> bytes:
    """The PDF with a PAdES signature of the office's certificate over the whole file."""
    return _outside_event_loop(_sign, pdf, reason)


def _sign(pdf: bytes, reason: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, reason=reason, location=SETTINGS.location,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    out = signers.PdfSigner(meta, signer=_signer()).sign_pdf(writer)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureState:
    state: str  # valid, broken, untrusted, unsigned
    signer: str | None = None  # the certificate's common name
    signed_at: datetime | None = None  # naive UTC, the time the signer's software reported


def _trusted() -> list:
    from pyhanko.keys import load_cert_from_pemder

    return [load_cert_from_pemder(str(SETTINGS.cert_path))] if SETTINGS.enabled else []


def signature_state(pdf: bytes) -> SignatureState:
    """Whether the PDF carries the office's signature over an unchanged file."""
    return _outside_event_loop(_state, pdf)


def _state(pdf: bytes) -> SignatureState:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError):
        return SignatureState(BROKEN)
    if not signatures:
        return SignatureState(UNSIGNED)
    signature = signatures[0]
    context = ValidationContext(trust_roots=_trusted(), allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception:  # noqa: BLE001 (a mangled signature must read as broken, whatever pyHanko raises)
        return SignatureState(BROKEN)
    signer = status.signing_cert.subject.native.get("common_name") if status.signing_cert else None
    reported = status.signer_reported_dt
    signed_at = reported.astimezone(UTC).replace(tzinfo=None) if reported else None  # naive UTC, as stored times
    if not status.intact or not status.valid or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureState(BROKEN, signer, signed_at)
    if not status.trusted:
        return SignatureState(UNTRUSTED, signer, signed_at)
    return SignatureState(VALID, signer, signed_at)
