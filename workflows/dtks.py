"""DTKS (Data Terpadu Kesejahteraan Sosial): one row per NIK, imported from CSV.

`import_csv` checks the whole file while loading it. A file that cannot be read
(wrong header, not UTF-8, broken CSV) changes nothing; rows with a bad NIK or a
missing field are skipped and reported with their line number and reason. On
PostgreSQL the good rows are streamed with COPY into a temporary staging table
and then upserted in one statement; on SQLite they are upserted in batches.
Re-importing the same file changes nothing (rows that did not change are not
rewritten), so an import can simply be run again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import lokal
from sqlalchemy import DateTime, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, utcnow
from .errors import LigatError
from .scripting import ScriptContext, register_script_function

REQUIRED = ("nik", "no_kk", "nama")
OPTIONAL = ("alamat", "kode_wilayah", "desil")
COLUMNS = REQUIRED + OPTIONAL
_DIGITS16 = re.compile(r"^\d{16}$")
_REGION = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
BATCH = 5000


class Dtks(Base):
    __tablename__ = "dtks"

    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    nama: Mapped[str] = mapped_column(String(200))
    alamat: Mapped[str | None] = mapped_column(String(500))
    kode_wilayah: Mapped[str | None] = mapped_column(String(20))
    desil: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DtksFileRefused(LigatError):
    """The file as a whole cannot be imported; nothing was changed."""


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.accepted - self.inserted - self.updated

    def summary(self) -> str:
        return (
            f"{self.rows} baris dibaca: {self.accepted} diterima ({self.inserted} baru, {self.updated} diperbarui, "
            f"{self.unchanged} tidak berubah), {len(self.rejected)} ditolak."
        )


def _row_error(row: dict[str, str]) -> str | None:
    for name in REQUIRED:
        if not row.get(name):
            return f"kolom '{name}' kosong"
    if not lokal.is_valid_nik(row["nik"]):
        return "NIK tidak valid (16 digit, kode wilayah dan tanggal lahir)"
    if not _DIGITS16.match(row["no_kk"]):
        return "nomor KK harus 16 digit"
    if row.get("kode_wilayah") and not _REGION.match(row["kode_wilayah"]):
        return "kode_wilayah tidak sesuai format Kemendagri"
    if row.get("desil") and not (row["desil"].isdigit() and 1 <= int(row["desil"]) <= 10):
        return "desil harus angka 1 sampai 10"
    if len(row["nama"]) > 200 or len(row.get("alamat") or "") > 500:
        return "nama atau alamat terlalu panjang"
    return None


def _rows(stream: IO[bytes], report: ImportReport) -> Iterator[tuple[Any, ...]]:
    """Good rows as tuples in COLUMNS order; rejected ones go to the report. Raises DtksFileRefused."""
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        reader = csv.reader(text_stream)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        unknown = [h for h in header if h not in COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            raise DtksFileRefused(
                f"Kepala kolom (header) tidak sesuai: wajib {', '.join(REQUIRED)}; boleh {', '.join(OPTIONAL)}. "
                f"Kurang: {', '.join(missing) or '-'}; tidak dikenal: {', '.join(unknown) or '-'}. "
                "Tidak ada data yang diimpor. (Wrong header; nothing imported.)"
            )
        seen: set[str] = set()
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            report.rows += 1
            if len(values) != len(header):
                report.rejected.append(Rejected(line, f"jumlah kolom {len(values)}, seharusnya {len(header)}"))
                continue
            row = {h: v.strip() for h, v in zip(header, values, strict=True)}
            error = _row_error(row)
            if error is None and row["nik"] in seen:
                error = "NIK ganda dalam berkas ini"
            if error:
                report.rejected.append(Rejected(line, error))
                continue
            seen.add(row["nik"])
            report.accepted += 1
            yield (
                row["nik"], row["no_kk"], row["nama"], row.get("alamat") or None,
                row.get("kode_wilayah") or None, int(row["desil"]) if row.get("desil") else None,
            )
    except UnicodeDecodeError as exc:
        raise DtksFileRefused(
            f"Berkas bukan teks UTF-8 (bita ke-{exc.start}). Tidak ada data yang diimpor. "
            "(File is not UTF-8; nothing imported.)"
        ) from exc
    except csv.Error as exc:
        raise DtksFileRefused(f"Berkas CSV rusak: {exc}. Tidak ada data yang diimpor. (Broken CSV.)") from exc
    finally:
        text_stream.detach()


def _import_postgres(session: Session, rows: Iterator[tuple[Any, ...]], report: ImportReport) -> None:
    session.execute(text(
        "CREATE TEMP TABLE dtks_staging (nik varchar(16), no_kk varchar(16), nama varchar(200), "
        "alamat varchar(500), kode_wilayah varchar(20), desil integer) ON COMMIT DROP"
    ))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY dtks_staging ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    result = session.execute(text(
        "INSERT INTO dtks (nik, no_kk, nama, alamat, kode_wilayah, desil, updated_at) "
        "SELECT nik, no_kk, nama, alamat, kode_wilayah, desil, :now FROM dtks_staging "
        "ON CONFLICT (nik) DO UPDATE SET no_kk = EXCLUDED.no_kk, nama = EXCLUDED.nama, alamat = EXCLUDED.alamat, "
        "kode_wilayah = EXCLUDED.kode_wilayah, desil = EXCLUDED.desil, updated_at = EXCLUDED.updated_at "
        "WHERE (dtks.no_kk, dtks.nama, dtks.alamat, dtks.kode_wilayah, dtks.desil) IS DISTINCT FROM "
        "(EXCLUDED.no_kk, EXCLUDED.nama, EXCLUDED.alamat, EXCLUDED.kode_wilayah, EXCLUDED.desil) "
        "RETURNING (xmax = 0) AS inserted"
    ), {"now": utcnow()})
    for (inserted,) in result:
        if inserted:
            report.inserted += 1
        else:
            report.updated += 1


def _flush_batch(session: Session, batch: list[tuple[Any, ...]], report: ImportReport) -> None:
    existing = {
        r[0]: tuple(r)
        for r in session.execute(
            select(Dtks.nik, Dtks.no_kk, Dtks.nama, Dtks.alamat, Dtks.kode_wilayah, Dtks.desil).where(
                Dtks.nik.in_([row[0] for row in batch])
            )
        )
    }
    now = utcnow()
    new = [row for row in batch if row[0] not in existing]
    changed = [row for row in batch if row[0] in existing and existing[row[0]] != row]
    if new:
        session.execute(
            Dtks.__table__.insert(),
            [dict(zip(COLUMNS, row, strict=True)) | {"updated_at": now} for row in new],
        )
    for row in changed:
        session.execute(
            Dtks.__table__.update().where(Dtks.nik == row[0]).values(
                dict(zip(COLUMNS[1:], row[1:], strict=True)) | {"updated_at": now}
            )
        )
    report.inserted += len(new)
    report.updated += len(changed)


def _import_generic(session: Session, rows: Iterator[tuple[Any, ...]], report: ImportReport) -> None:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _flush_batch(session, batch, report)
            batch = []
    if batch:
        _flush_batch(session, batch, report)


def import_csv(session: Session, stream: IO[bytes]) -> ImportReport:
    """Import a DTKS CSV in one transaction; raises DtksFileRefused (nothing changed) for a broken file."""
    report = ImportReport()
    rows = _rows(stream, report)
    try:
        if session.get_bind().dialect.name == "postgresql":
            _import_postgres(session, rows, report)
        else:
            _import_generic(session, rows, report)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def lookup(session: Session, nik: str) -> Dtks | None:
    return session.get(Dtks, nik) if nik else None


@register_script_function("dtks_lookup")
def _dtks_lookup(ctx: ScriptContext):  # noqa: ANN202
    def dtks_lookup(nik: str) -> dict[str, Any] | None:
        row = lookup(ctx.session, nik)
        if row is None:
            return None
        return {"terdaftar": True, "desil": row.desil, "kode_wilayah": row.kode_wilayah}

    return dtks_lookup
