"""DTKS (Data Terpadu Kesejahteraan Sosial): one row per NIK, imported from CSV.

`import_csv` checks the whole file while loading it. A file that cannot be read
(wrong header, not UTF-8, NUL bytes, broken CSV) changes nothing; rows with a bad
NIK or a missing field are skipped and reported with their line number and reason
(the rules: `dtks_checks`). On PostgreSQL the raw lines are COPYed into a staging
table and checked and upserted in SQL (`dtks_sql`); a file that path cannot read
exactly like Python's csv module, and every file on SQLite, is checked row by row
here and upserted in batches. Both give the same report for the same file.
Re-importing the same file changes nothing (rows that did not change are not
rewritten), so an import can simply be run again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import DateTime, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, utcnow
from .dtks_checks import (
    COLUMNS,
    DUPLICATE,
    DtksFileRefused,
    ImportReport,
    Rejected,
    column_count_reason,
    header_columns,
    refuse_broken,
    row_error,
)
from .dtks_columns import Outcome, import_columns
from .dtks_sql import import_staged
from .scripting import ScriptContext, register_script_function

BATCH = 5000
__all__ = ["Dtks", "DtksFileRefused", "ImportReport", "Rejected", "import_csv", "import_rows", "lookup"]


class Dtks(Base):
    __tablename__ = "dtks"

    # Compared as bytes on PostgreSQL (migration 0033): a NIK is ASCII digits, and a locale's comparison
    # costs several times more in the primary key's build and in every lookup. SQLite compares bytes anyway.
    nik: Mapped[str] = mapped_column(String(16).with_variant(String(16, collation="C"), "postgresql"),
                                     primary_key=True)
    no_kk: Mapped[str] = mapped_column(String(16))  # not indexed: nothing looks rows up by it (migration 0029)
    nama: Mapped[str] = mapped_column(String(200))
    alamat: Mapped[str | None] = mapped_column(String(500))
    kode_wilayah: Mapped[str | None] = mapped_column(String(20))
    desil: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def _rows(stream: IO[bytes], report: ImportReport) -> Iterator[tuple[Any, ...]]:
    """Good rows as tuples in COLUMNS order, checked one by one; rejected ones go to the report.

    Raises DtksFileRefused (the stream must be seekable: it is read once for its bytes first)."""
    refuse_broken(stream)
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        reader = csv.reader(text_stream)
        header = header_columns(next(reader, []))
        seen: set[str] = set()
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            report.rows += 1
            if len(values) != len(header):
                report.rejected.append(Rejected(line, column_count_reason(len(values), len(header))))
                continue
            row = {h: v.strip() for h, v in zip(header, values, strict=True)}
            error = row_error(row)
            if error is None and row["nik"] in seen:
                error = DUPLICATE
            if error:
                report.rejected.append(Rejected(line, error))
                continue
            seen.add(row["nik"])
            report.accepted += 1
            yield (
                row["nik"], row["no_kk"], row["nama"], row.get("alamat") or None,
                row.get("kode_wilayah") or None, int(row["desil"]) if row.get("desil") else None,
            )
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


def import_rows(session: Session, stream: IO[bytes]) -> ImportReport:
    """Check the file row by row in Python and upsert the good rows (not committed)."""
    report = ImportReport()
    rows = _rows(stream, report)
    if session.get_bind().dialect.name == "postgresql":
        _import_postgres(session, rows, report)
    else:
        _import_generic(session, rows, report)
    return report


def import_csv(session: Session, stream: IO[bytes]) -> ImportReport:
    """Import a DTKS CSV (a seekable binary stream) in one transaction; raises DtksFileRefused
    (nothing changed) for a broken file."""
    try:
        report = ImportReport()
        if session.get_bind().dialect.name != "postgresql" or not _import_in_sql(session, stream, report):
            report = import_rows(session, stream)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _import_in_sql(session: Session, stream: IO[bytes], report: ImportReport) -> bool:
    """The file checked and written in SQL (PostgreSQL): fields split by COPY's CSV parser where it reads
    the file as Python's csv does, else by SQL from the raw lines; False when it must go row by row."""
    outcome = import_columns(session, stream, report)
    if outcome is Outcome.RAW_LINES:
        return import_staged(session, stream, report)
    return outcome is Outcome.DONE


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
