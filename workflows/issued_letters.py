"""Issued letters: one mechanism for every service line (PBI-JKN, LKS permits, COTA, …).

A BPMN script task calls `issue_letter(letter_type, fields)`; the letter type is declared
in the case's service package (`service.json` → `letters`: name, template, number pattern,
validity). Inside the engine step's transaction it takes the next number of the letter
type's yearly gap-free counter, fills the package version's .docx template with the number,
the date in Indonesian, the signer (the person completing the approval) and a QR
code of the public verification URL, stores the file outside the web root and
records a `letter` row and a `letter_issued` audit event. If the step fails,
all of it (number included) is rolled back and the file removed.

The PDF is made with LibreOffice later (`ensure_pdf`, on first download or by the
scheduler), so a conversion of several seconds never holds the number lock; it is signed
(PAdES) with the office's certificate (workflows/signing.py).

The verification page shows only what the row holds: number, date, type, status
(valid / revoked / expired), the holder's masked name and NIK, and the SHA-256
of the issued file. Revocation is allowed to the head of office and admins and
is written into the case's audit chain.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

import letters

from . import audit, durations, signing, storage
from .db import Base, Case, utcnow
from .errors import Forbidden, LigatError, NotFound
from .packages import LetterType, files_of, package_of_definition
from .principal import ADMIN, HEAD_OF_OFFICE, Principal
from .scripting import Effect, ScriptContext, register_script_function
from .sequences import next_value
from .visibility import can_view_case

log = logging.getLogger(__name__)
AREA = "letters"
REVOKER_ROLES = frozenset({HEAD_OF_OFFICE, ADMIN})


@dataclass(frozen=True)
class Signer:
    name: str
    nip: str
    position: str


def _default_signer(session: Session, username: str) -> Signer:
    return Signer(name=username, nip="-", position="Kepala Dinas Sosial")


@dataclass
class LetterSettings:
    """Set once by the application: public address for the QR code, office time zone, signer lookup."""

    public_url: str = "http://127.0.0.1:5000"
    verify_path: str = "/verifikasi/"
    signer_lookup: Callable[[Session, str], Signer] = _default_signer
    # {{kop_alamat}}: the office's address, telephone and e-mail (the app sets it; config.py's default here)
    letterhead_address: str = "Kota Jayapura, Papua"

    @property
    def office_tz(self) -> tzinfo:
        # One time-zone setting for the engine layer: it lives with the work calendar.
        return durations.SETTINGS.office_tz

    def verification_url(self, token: str) -> str:
        return self.public_url.rstrip("/") + self.verify_path + token


SETTINGS = LetterSettings()
PLAIN_SIGNER = "ligat_plain_signer"  # session.info key


class Letter(Base):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    letter_type: Mapped[str] = mapped_column(String(40), index=True)
    template: Mapped[str] = mapped_column(String(60))
    # The letter type's name as its package version declared it when the letter was issued.
    type_label: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    holder_name_masked: Mapped[str] = mapped_column(String(200))
    holder_nik_masked: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="valid")  # valid, revoked
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date, index=True)  # the date printed on the letter (office time)
    issued_by: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date)
    docx_key: Mapped[str] = mapped_column(String(200))
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    # When the scheduler last failed to make its PDF: such letters wait behind the others (migration 0035).
    pdf_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    def public_status(self, today: date | None = None) -> str:
        """valid, revoked or expired (valid_until has passed)."""
        if self.status == "revoked":
            return "revoked"
        today = today or office_today()
        if self.valid_until is not None and today > self.valid_until:
            return "expired"
        return "valid"


storage.owned_by(AREA, Letter.docx_key, Letter.pdf_key)


@dataclass
class IssuedLetter:
    letter: Letter
    url: str
    extras: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """What a script gets back (JSON-safe, kept in the process variables)."""
        return {"id": self.letter.id, "nomor": self.letter.number, "url_verifikasi": self.url,
                "sha256": self.letter.sha256}


def office_today() -> date:
    return datetime.now(UTC).astimezone(SETTINGS.office_tz).date()


def _valid_until(issued_on: date, value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if "-" not in value:  # a duration (P1Y, "30 hari kerja"), not a date (2027-01-31)
        start = datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=SETTINGS.office_tz)
        return durations.add_duration(start, value).date()
    return date.fromisoformat(value)


@dataclass(frozen=True)
class RenderedLetter:
    """A filled letter template: what `issue` stores and what a preview shows."""

    kind: LetterType
    document: bytes
    issued_on: date
    valid_until: date | None


def letter_kind(session: Session, case: Case, letter_type: str) -> tuple[LetterType, bytes]:
    """The case's package version's declaration of a letter type and its template; refused (before any number
    is taken) when the type is not declared or its template is missing."""
    package = package_of_definition(session, case.definition)
    kind = package.descriptor.letter_types.get(letter_type) if package else None
    if kind is None:
        declared = ", ".join(sorted(package.descriptor.letter_types)) if package else "-"
        raise LigatError(
            f"Jenis surat '{letter_type}' tidak dinyatakan di paket layanan ini (service.json → letters). "
            f"Yang ada: {declared}. (Letter type not declared in this service package.)"
        )
    template = files_of(package).get("letters", kind.template)
    if template is None:
        raise LigatError(f"Templat surat '{kind.template}' tidak ada di paket. (Letter template missing.)")
    return kind, template


def render(
    session: Session,
    kind: LetterType,
    template: bytes,
    actor: str,
    fields: dict[str, Any],
    *,
    number: str,
    qr_payload: str,
    valid_until: str | date | None = None,
    url: str = "",
    issued_on: date | None = None,
) -> RenderedLetter:
    """Fill a letter type's template: the one way a letter is rendered, for issuing and for a preview.
    `actor` is the approving officer (the signer), `url` the verification address the text may show,
    `issued_on` the date printed (today in office time unless the caller numbered it for another day)."""
    if valid_until is None:
        valid_until = kind.valid_for
    issued_on = issued_on or office_today()
    # A scenario run's throw-away database has no user table: it signs with the plain signer.
    lookup = _default_signer if session.info.get(PLAIN_SIGNER) else SETTINGS.signer_lookup
    signer = lookup(session, actor)
    values = {
        "tanggal": letters.format_tanggal(issued_on),
        "jabatan_penandatangan": signer.position,
        "nama_penandatangan": signer.name,
        "nip_penandatangan": signer.nip,
        "kop_alamat": SETTINGS.letterhead_address,
        **{k: ("" if v is None else str(v)) for k, v in fields.items()},
        "nomor": number,
        "url_verifikasi": url,
    }
    until = _valid_until(issued_on, valid_until)
    if until is not None:
        values.setdefault("berlaku_sampai", letters.format_tanggal(until))
    try:
        document = letters.fill_docx(template, values, qr_payload=qr_payload, name=kind.template)
    except letters.LetterError as exc:
        raise LigatError(str(exc)) from exc
    return RenderedLetter(kind, document, issued_on, until)


def issue(
    session: Session,
    case: Case,
    actor: str,
    letter_type: str,
    fields: dict[str, Any],
    *,
    holder_name: str | None = None,
    holder_nik: str | None = None,
    valid_until: str | date | None = None,
) -> IssuedLetter:
    """Number, render, store and record one letter inside the caller's transaction."""
    kind, template = letter_kind(session, case, letter_type)
    # The counter row stays locked until this transaction ends: concurrent approvals queue here.
    today = office_today()
    seq = next_value(session, f"letter:{letter_type}", today.year)
    number = letters.letter_number(kind.number_pattern, seq, today)
    token = secrets.token_urlsafe(18)
    url = SETTINGS.verification_url(token)
    rendered = render(session, kind, template, actor, fields, number=number, qr_payload=url,
                      valid_until=valid_until, url=url, issued_on=today)
    holder_name = holder_name or str(fields.get("nama") or "")
    holder_nik = holder_nik or fields.get("nik")
    letter = Letter(
        number=number,
        letter_type=letter_type,
        template=kind.template,
        type_label=kind.label,
        case_id=case.id,
        holder_name_masked=letters.mask_name(holder_name) or "–",
        holder_nik_masked=letters.mask_nik(str(holder_nik)) if holder_nik else None,
        sha256=letters.sha256_hex(rendered.document),
        status="valid",
        issued_on=rendered.issued_on,
        issued_by=actor,
        valid_until=rendered.valid_until,
        docx_key=storage.store(session, AREA, rendered.document, "docx"),
        token=token,
    )
    session.add(letter)
    session.flush()
    return IssuedLetter(letter, url)


@register_script_function("issue_letter")
def _issue_letter(ctx: ScriptContext) -> Callable[..., dict[str, Any]]:
    def issue_letter(
        letter_type: str,
        fields: dict[str, Any],
        holder_name: str | None = None,
        holder_nik: str | None = None,
        valid_until: str | None = None,
    ) -> dict[str, Any]:
        issued = issue(
            ctx.session, ctx.case, ctx.actor, letter_type, fields,
            holder_name=holder_name, holder_nik=holder_nik, valid_until=valid_until,
        )
        letter = issued.letter
        ctx.effects.append(
            Effect("letter_issued", {"nomor": letter.number, "jenis": letter.letter_type, "sha256": letter.sha256,
                                     "surat_id": letter.id})
        )
        return issued.as_data()

    return issue_letter


@register_script_function("mask_nik")
def _mask_nik(ctx: ScriptContext) -> Callable[[str], str]:
    return letters.mask_nik


@register_script_function("tanggal_indonesia")
def _tanggal_indonesia(ctx: ScriptContext) -> Callable[[str | date], str]:
    def tanggal_indonesia(value: str | date) -> str:
        """`1990-05-05` → `5 Mei 1990`."""
        return letters.format_tanggal(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))

    return tanggal_indonesia


def for_case(session: Session, case_id: int) -> list[Letter]:
    return list(session.scalars(select(Letter).where(Letter.case_id == case_id).order_by(Letter.id)))


def by_token(session: Session, token: str) -> Letter | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Letter).where(Letter.token == token))


def ensure_pdf(session: Session, letter: Letter) -> bool:
    """Make the PDF once (LibreOffice), signed with the office's certificate where one is set;
    False where LibreOffice is not installed. Commits."""
    if letter.pdf_key:
        return True
    pdf = letters.to_pdf(storage.read(letter.docx_key))
    if pdf is None:
        return False
    if signing.SETTINGS.enabled:
        # Signed before it is stored: the PDF of record is the signed one, its hash the signed file's.
        pdf = signing.sign_pdf(pdf, f"Surat {letter.number} diterbitkan oleh {letter.issued_by}")
    key = storage.store(session, AREA, pdf, "pdf")
    result = session.execute(
        update(Letter)
        .where(Letter.id == letter.id, Letter.pdf_key.is_(None))
        .values(pdf_key=key, pdf_sha256=letters.sha256_hex(pdf))
    )
    if result.rowcount != 1:
        session.rollback()  # someone else made it first; ours is removed with the rollback
    else:
        session.commit()
    session.refresh(letter)
    return True


def render_pending_pdfs(session: Session, limit: int = 20) -> int:
    """PDFs for letters that have none yet (scheduler/CLI); returns how many were made."""
    if letters.soffice_path() is None:
        return 0
    made = 0
    # Letters never failed first, oldest first; then those that failed, the longest ago first: a batch
    # of letters that keep failing would otherwise take every run, and no new letter would get its PDF.
    pending = list(session.scalars(
        select(Letter).where(Letter.pdf_key.is_(None))
        .order_by(Letter.pdf_failed_at.is_not(None), Letter.pdf_failed_at, Letter.id).limit(limit)))
    for letter in pending:
        letter_id = letter.id
        try:
            made += ensure_pdf(session, letter)
        except (OSError, letters.PdfConversionError):
            # One letter that cannot be made (its .docx gone, LibreOffice failing on it) must not stop
            # the others; it is tried again on a later run. The id only: no personal data in logs.
            session.rollback()
            log.exception("PDF surat id=%s tidak dapat dibuat", letter_id)
            session.execute(update(Letter).where(Letter.id == letter_id).values(pdf_failed_at=utcnow()))
            session.commit()
    return made


def download(session: Session, letter_id: int, principal: Principal, variant: str = "docx") -> tuple[Letter, bytes]:
    """The letter's file for someone allowed to see its case; logged and committed."""
    from .documents import log_access

    letter = session.get(Letter, letter_id)
    case = session.get(Case, letter.case_id) if letter else None
    if letter is None or case is None or not can_view_case(principal, case):
        raise NotFound("Surat tidak ditemukan.")
    if variant == "pdf":
        if not ensure_pdf(session, letter):
            raise NotFound("PDF surat belum tersedia di server ini (LibreOffice tidak terpasang).")
        key = letter.pdf_key
    else:
        key = letter.docx_key
    data = storage.read(key)
    log_access(session, case.id, "letter", letter.id, principal.username, variant)
    session.commit()
    return letter, data


def can_revoke(principal: Principal) -> bool:
    return bool(principal.roles & REVOKER_ROLES)


def revoke(session: Session, letter_id: int, principal: Principal, reason: str) -> Letter:
    """Revoke a valid letter (head of office / admin); recorded in the case's audit chain. Commits."""
    if not can_revoke(principal):
        raise Forbidden("Hanya Kepala Dinas atau Admin yang dapat mencabut surat.")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise LigatError("Alasan pencabutan wajib diisi (minimal 5 karakter). (A reason is required.)")
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("Surat tidak ditemukan.")
    try:
        result = session.execute(
            update(Letter)
            .where(Letter.id == letter_id, Letter.status == "valid")
            .values(status="revoked", revoked_at=utcnow(), revoked_by=principal.username, revoke_reason=reason)
        )
        if result.rowcount != 1:
            raise LigatError("Surat ini sudah dicabut. (Already revoked.)")
        audit.append(session, letter.case_id, principal.username, "letter_revoked",
                     {"nomor": letter.number, "alasan": reason})
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        audit.forget_heads(session)
    session.refresh(letter)
    return letter
