"""Registers a service line keeps (the LKS register: organisations and their permits), as data.

A package declares its register in service.json (`register`): its code and name, the label
of the key that makes two applications the same entry (an LKS's legal-entity decree
number), the kinds of record (permit types), the statuses with their labels, which statuses
count as in force (they read as expired once `valid_until` has passed) and which status a
revoked letter shows. The process writes the register in its own engine step:

    register_entry(key, name, region_code, kind, data=None)   find or create the entry (by key;
                                                              name, region and data refreshed) and
                                                              add this case's record (initial status)
    register_update(status, letter=None, valid_until=None)    this case's record: new status, the
                                                              issued letter, the end of validity

A record's history is its case's audit chain (status changes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, Case, utcnow
from .errors import LigatError
from .issued_letters import office_today
from .packages import package_of_definition
from .packages.descriptor import text
from .scripting import ScriptContext, ScriptFunction, register_script_function


class RegisterEntry(Base):
    __tablename__ = "register_entry"
    __table_args__ = (UniqueConstraint("register", "key", name="uq_register_entry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[str] = mapped_column(String(60), index=True)
    # Normalised key (upper case, single spaces): what makes two applications the same entry.
    key: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    records: Mapped[list[RegisterRecord]] = relationship(back_populates="entry", order_by="RegisterRecord.id")

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_json or "{}")


class RegisterRecord(Base):
    __tablename__ = "register_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entry.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    letter_id: Mapped[int | None] = mapped_column(Integer)
    letter_number: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped[RegisterEntry] = relationship(back_populates="records")
    case: Mapped[Case] = relationship()


@dataclass(frozen=True)
class RegisterSpec:
    """A register as a package declares it."""

    raw: dict[str, Any]

    @property
    def code(self) -> str:
        return self.raw["code"]

    def name(self, lang: str = "id") -> str:
        return text(self.raw.get("name"), lang)

    def key_label(self, lang: str = "id") -> str:
        return text(self.raw.get("key_label"), lang)

    def kind_label(self, kind: str, lang: str = "id") -> str:
        return text(self.raw.get("kinds", {}).get(kind), lang) or kind

    def status_label(self, status: str, lang: str = "id") -> str:
        return text(self.raw.get("statuses", {}).get(status), lang) or status

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.raw.get("fields", [])

    def current_status(self, record: RegisterRecord, letter_status: str | None = None,
                       today: date | None = None) -> str:
        """The stored status, corrected by the calendar and the letter: a record in force whose end
        date has passed is expired even before the process's own timer has run; a revoked letter
        shows the revoked status."""
        if letter_status == "revoked" and self.raw.get("revoked_status"):
            return self.raw["revoked_status"]
        today = today or office_today()
        if (record.status in self.raw.get("active_statuses", []) and record.valid_until
                and today > record.valid_until and self.raw.get("expired_status")):
            return self.raw["expired_status"]
        return record.status


def normalise_key(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip().upper())


def spec_of_case(session: Session, case: Case) -> RegisterSpec:
    package = package_of_definition(session, case.definition)
    raw = package.descriptor.register if package else None
    if not raw:
        raise LigatError("Paket layanan ini tidak menyatakan daftar (service.json → register). "
                         "(This service package declares no register.)")
    return RegisterSpec(raw)


def add_entry(session: Session, case: Case, key: str, name: str, region_code: str | None, kind: str,
              data: dict[str, Any] | None = None) -> RegisterEntry:
    spec = spec_of_case(session, case)
    if kind not in spec.raw.get("kinds", {}):
        raise LigatError(f"Jenis '{kind}' tidak dinyatakan di daftar {spec.code}. (Unknown record kind.)")
    normalised = normalise_key(key)
    entry = session.scalar(
        select(RegisterEntry).where(RegisterEntry.register == spec.code, RegisterEntry.key == normalised)
    )
    now = utcnow()
    if entry is None:
        entry = RegisterEntry(register=spec.code, key=normalised, created_at=now)
        session.add(entry)
    entry.name, entry.region_code, entry.updated_at = name, region_code, now
    entry.data_json = json.dumps(data or {}, ensure_ascii=False)
    session.flush()
    session.add(RegisterRecord(entry_id=entry.id, case_id=case.id, kind=kind,
                               status=spec.raw.get("initial_status", "diajukan"), created_at=now, updated_at=now))
    session.flush()
    return entry


def record_of_case(session: Session, case_id: int) -> RegisterRecord | None:
    return session.scalar(select(RegisterRecord).where(RegisterRecord.case_id == case_id))


def update_record(session: Session, case: Case, status: str, letter: dict[str, Any] | None = None,
                  valid_until: str | None = None) -> RegisterRecord:
    spec = spec_of_case(session, case)
    if status not in spec.raw.get("statuses", {}):
        raise LigatError(f"Status '{status}' tidak dinyatakan di daftar {spec.code}. (Unknown register status.)")
    record = record_of_case(session, case.id)
    if record is None:
        raise LigatError(f"Kasus {case.reference} tidak tercatat di daftar {spec.code}. (Case not in the register.)")
    record.status = status
    if letter:
        record.letter_id = letter.get("id")
        record.letter_number = letter.get("nomor")
        record.issued_on = office_today()
    if valid_until:
        record.valid_until = date.fromisoformat(valid_until[:10])
    record.updated_at = utcnow()
    return record


@register_script_function("register_entry")
def _register_entry(ctx: ScriptContext) -> ScriptFunction:
    def register_entry(key: str, name: str, region_code: str | None, kind: str,
                       data: dict[str, Any] | None = None) -> int:
        return add_entry(ctx.session, ctx.case, key, name, region_code, kind, data).id

    return register_entry


@register_script_function("register_update")
def _register_update(ctx: ScriptContext) -> ScriptFunction:
    def register_update(status: str, letter: dict[str, Any] | None = None, valid_until: str | None = None) -> None:
        update_record(ctx.session, ctx.case, status, letter, valid_until)

    return register_update
