"""The LKS register (Lembaga Kesejahteraan Sosial): every LKS that applied, its permits
(izin operasional, tanda daftar, izin pengumpulan sumbangan), their status and history.

The register is written by the `izin_lks` process itself, in the engine step's
transaction: `lks_register(...)` when an application starts (an LKS is known by its
legal-entity decree number, so later applications join the same row), and
`lks_permit_update(status, surat=None, valid_until=None)` as the permit is issued,
refused, nears its end or expires. `permit_validity(duration)` gives the end date
printed on the letter and the moment the process marks the permit expired.

The history of a permit is its case's audit chain (status changes), shown on the
register page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, Case, utcnow
from .issued_letters import SETTINGS as LETTER_SETTINGS
from .issued_letters import LetterType, office_today, register_letter_type
from .principal import Principal
from .scripting import ScriptContext, ScriptFunction, register_script_function
from .timeplan import time_after

PERMIT_TYPES = {
    "tanda_daftar": "Tanda Daftar LKS",
    "izin_operasional": "Izin Operasional LKS",
    "izin_sumbangan": "Izin Pengumpulan Sumbangan",
}
# One numbering sequence per permit type (letter type "lks_<jenis>"), one template (izin_lks.docx).
for _code, _label, _pattern in (
    ("lks_tanda_daftar", "Tanda Daftar LKS", "460/{seq:04d}/TD-LKS/DINSOS/{bulan_romawi}/{tahun}"),
    ("lks_izin_operasional", "Izin Operasional LKS", "460/{seq:04d}/IO-LKS/DINSOS/{bulan_romawi}/{tahun}"),
    ("lks_izin_sumbangan", "Izin Pengumpulan Sumbangan", "460/{seq:04d}/PUB/DINSOS/{bulan_romawi}/{tahun}"),
):
    register_letter_type(LetterType(_code, _label, _pattern))

STATUS_LABELS = {
    "diajukan": "Dalam proses",
    "berlaku": "Berlaku",
    "segera_berakhir": "Segera berakhir",
    "kedaluwarsa": "Kedaluwarsa",
    "ditolak": "Ditolak",
    "dibatalkan": "Dibatalkan",
    "dicabut": "Dicabut",
}


class Lks(Base):
    __tablename__ = "lks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Normalised legal-entity decree number (SK Kemenkumham): what makes two applications the same LKS.
    legal_number: Mapped[str] = mapped_column(String(80), unique=True)
    address: Mapped[str] = mapped_column(String(500))
    region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    chairman: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    permits: Mapped[list[LksPermit]] = relationship(back_populates="lks", order_by="LksPermit.id")


class LksPermit(Base):
    __tablename__ = "lks_permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    lks_id: Mapped[int] = mapped_column(ForeignKey("lks.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    permit_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="diajukan")
    # The issued letter (table `letter`); no foreign key because the letter table comes from a sibling migration.
    letter_id: Mapped[int | None] = mapped_column(Integer)
    letter_number: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lks: Mapped[Lks] = relationship(back_populates="permits")
    case: Mapped[Case] = relationship()

    @property
    def type_label(self) -> str:
        return PERMIT_TYPES.get(self.permit_type, self.permit_type)

    def current_status(self, today: date | None = None, letter_status: str | None = None) -> str:
        """The stored status, corrected by the calendar and the letter: an issued permit whose end date
        has passed is expired even before the process's own timer has run; a revoked letter is revoked."""
        if letter_status == "revoked":
            return "dicabut"
        today = today or office_today()
        if self.status in ("berlaku", "segera_berakhir") and self.valid_until and today > self.valid_until:
            return "kedaluwarsa"
        return self.status

    def status_label(self, today: date | None = None, letter_status: str | None = None) -> str:
        return STATUS_LABELS.get(self.current_status(today, letter_status), self.status)


def normalise_legal_number(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip().upper())


def register(
    session: Session, case: Case, name: str, legal_number: str, address: str, region_code: str | None,
    chairman: str, permit_type: str,
) -> Lks:
    """Find or create the LKS (by decree number; name, address and chairman are refreshed) and add the permit."""
    if permit_type not in PERMIT_TYPES:
        raise ValueError(f"Jenis izin LKS tidak dikenal: {permit_type}")
    key = normalise_legal_number(legal_number)
    lks = session.scalar(select(Lks).where(Lks.legal_number == key))
    now = utcnow()
    if lks is None:
        lks = Lks(legal_number=key, name=name, address=address, region_code=region_code, chairman=chairman,
                  created_at=now)
        session.add(lks)
    else:
        lks.name, lks.address, lks.region_code, lks.chairman = name, address, region_code, chairman
    lks.updated_at = now
    session.flush()
    session.add(LksPermit(lks_id=lks.id, case_id=case.id, permit_type=permit_type, status="diajukan",
                          created_at=now, updated_at=now))
    session.flush()
    return lks


def permit_of_case(session: Session, case_id: int) -> LksPermit | None:
    return session.scalar(select(LksPermit).where(LksPermit.case_id == case_id))


def update_permit(
    session: Session, case: Case, status: str, letter: dict[str, Any] | None = None, valid_until: str | None = None
) -> LksPermit:
    if status not in STATUS_LABELS:
        raise ValueError(f"Status izin LKS tidak dikenal: {status}")
    permit = permit_of_case(session, case.id)
    if permit is None:
        raise ValueError(f"Kasus {case.reference} tidak tercatat di daftar LKS.")
    permit.status = status
    if letter:
        permit.letter_id = letter.get("id")
        permit.letter_number = letter.get("nomor")
        permit.issued_on = office_today()
    if valid_until:
        permit.valid_until = date.fromisoformat(valid_until[:10])
    permit.updated_at = utcnow()
    return permit


def permit_validity(duration: str) -> dict[str, str]:
    """End of a permit that starts today: the date printed on the letter (`berlaku_sampai`, office
    calendar) and the moment it is marked expired (`berakhir_pada`, UTC). A whole-day duration (P3Y,
    P3M) runs to the end of its last office day; a duration with a time part (PT40S, tests) is exact."""
    if "T" in duration.upper():
        end = datetime.fromisoformat(time_after(duration))
        return {"berlaku_sampai": end.astimezone(LETTER_SETTINGS.office_tz).date().isoformat(),
                "berakhir_pada": end.isoformat()}
    today = office_today()
    start = datetime.combine(today, time(), tzinfo=LETTER_SETTINGS.office_tz)
    last_day = (datetime.fromisoformat(time_after(duration, start)).astimezone(LETTER_SETTINGS.office_tz)
                - timedelta(days=1)).date()
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LETTER_SETTINGS.office_tz)
    return {"berlaku_sampai": last_day.isoformat(), "berakhir_pada": end.astimezone(UTC).isoformat()}


@dataclass
class RegisterRow:
    lks: Lks
    permits: list[LksPermit]


def register_query(principal: Principal):  # noqa: ANN201 (a Select)
    query = select(Lks).order_by(Lks.name)
    if principal.region_code and not principal.reads_everything:
        query = query.where(
            (Lks.region_code == principal.region_code) | Lks.region_code.like(principal.region_code + ".%")
        )
    return query


def can_read_register(principal: Principal) -> bool:
    return principal.reads_everything or principal.can_work


@register_script_function("lks_register")
def _lks_register(ctx: ScriptContext) -> ScriptFunction:
    def lks_register(name: str, legal_number: str, address: str, region_code: str, chairman: str,
                     permit_type: str) -> int:
        return register(ctx.session, ctx.case, name, legal_number, address, region_code, chairman, permit_type).id

    return lks_register


@register_script_function("lks_permit_update")
def _lks_permit_update(ctx: ScriptContext) -> ScriptFunction:
    def lks_permit_update(status: str, letter: dict[str, Any] | None = None, valid_until: str | None = None) -> None:
        update_permit(ctx.session, ctx.case, status, letter, valid_until)

    return lks_permit_update


@register_script_function("permit_validity")
def _permit_validity(ctx: ScriptContext) -> ScriptFunction:
    return permit_validity
