"""DTKS import on PostgreSQL, fast path: PostgreSQL's own CSV parser splits the fields.

The lines after the header are COPYed in CSV format straight into a staging table with one text
column per header column and the line number as an identity, so the checks read columns instead of
splitting each line in SQL. PostgreSQL's CSV reading agrees with Python's csv module only for some
files, so this path takes a file only when it has no quote at all (a quote inside a field, or a quoted
field running over several lines, reads differently or shifts line numbers), no line starting with
`\\.` (COPY's end-of-data mark) and no lone CR, and when every line has the header's number of fields
and the same line end, LF or CRLF (COPY raises otherwise). Any other file is rolled back to a
savepoint and read by the raw-line path of `dtks_sql`, which gives the same report; so does this one.
Into an empty dtks the checks do not look for a NIK given twice: the primary key does, and only if it
finds one is the file checked again with the sort that says which lines to reject.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import IO, Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from .dtks_checks import COLUMNS, DUPLICATE, ByteCheck, DtksFileRefused, ImportReport, Rejected, header_columns
from .dtks_sql import (
    FENCE,
    LINE_CACHE,
    Copied,
    begin_import,
    check_params,
    digits_sql,
    lock_for_import,
    read_header,
    reason_sql,
    size_memory,
    stream_lines,
    upsert_once_each,
)


class Outcome(Enum):
    DONE = "done"
    RAW_LINES = "raw lines"  # nothing done: the raw-line path of dtks_sql can read the file
    ROW_BY_ROW = "row by row"  # nothing done: only Python's csv module reads it right


class _Declined(Exception):
    """Streaming saw something COPY's CSV format would read otherwise than Python's csv module."""


def import_columns(session: Session, stream: IO[bytes], report: ImportReport) -> Outcome:
    """Check and upsert the file with COPY's CSV parser, or say which path must read it instead."""
    stream.seek(0)
    check = ByteCheck()
    values = read_header(stream, check)
    try:
        header = header_columns(values) if values is not None else None
    except DtksFileRefused:
        header = None
    if header is None:
        return Outcome.RAW_LINES  # that path refuses the file, or leaves it to the row path, as before
    savepoint = begin_import(session)
    table = f"dtks_cols_{uuid.uuid4().hex[:12]}"
    # The header is line 1: the identity counts lines, as no record here runs over two lines.
    session.execute(text(
        f"CREATE UNLOGGED TABLE {table} (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2 {LINE_CACHE}), "
        + ", ".join(f"{name} text" for name in header) + ")"
    ))
    try:
        copied = _copy_fields(session, stream, check, table, header)
    except (_Declined, psycopg.DataError):  # DataError: a line with another number of fields, mostly
        savepoint.rollback()
        return Outcome.RAW_LINES
    size_memory(session, copied.rows)
    params = check_params(len(header))
    # Into an empty dtks the duplicates need no sort of their own (a third of the checks' work, and its
    # last step runs in one process): the primary key refuses a NIK accepted twice, and then the rows
    # are rolled back and the file checked again with the sort, which finds which lines to reject.
    written = _check_and_write(session, table, header, copied, params, report, sort=not lock_for_import(session))
    if written is None:
        written = _check_and_write(session, table, header, copied, params, report, sort=True)
    if not written:
        savepoint.rollback()
        return Outcome.ROW_BY_ROW  # a field longer than Python's csv allows: it refuses the file
    session.execute(text(f"DROP TABLE {table}"))
    savepoint.commit()
    report.checked_in_sql = True
    return Outcome.DONE


def _check_and_write(session: Session, table: str, header: list[str], copied: Copied, params: dict[str, Any],
                     report: ImportReport, sort: bool) -> bool | None:
    """Check the staged lines, fill the report and write the accepted rows: True. False (nothing written)
    for a field longer than Python's csv module reads. Without `sort` (duplicates not looked for),
    None when the primary key found a NIK accepted twice: the rows are rolled back."""
    excluded = session.execute(text(_excluded_sql(table, header, copied.trim, duplicates=sort)), params).all()
    if any(odd for _, _, _, odd in excluded):
        return False
    rejected = [Rejected(line, reason if again is False else DUPLICATE) for line, reason, again, _ in excluded
                if again is not None]
    rows = copied.rows - (len(excluded) - len(rejected))  # blank lines are not counted
    written = upsert_once_each(
        session, _accepted_sql(table, header, copied.trim, bool(excluded)), table, rows - len(rejected),
        {"ws": params["ws"], "excluded": [line for line, _, _, _ in excluded]}, duplicates_found=sort,
    )
    if written is None:
        return None
    report.rows, report.rejected, report.accepted = rows, rejected, rows - len(rejected)
    report.updated, report.inserted = written
    return True


def _copy_fields(session: Session, stream: IO[bytes], check: ByteCheck, table: str,
                 header: list[str]) -> Copied:
    """COPY the remaining lines into `table` in CSV format; raises _Declined (COPY aborted) when the
    bytes need the raw-line path, psycopg.DataError when COPY refuses a line."""
    raw = session.connection().connection.driver_connection
    seen = Copied()
    columns = ", ".join(header)
    # FORCE_NOT_NULL: an empty field is '' (as in Python), not NULL.
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({columns}))"
    with raw.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for data in stream_lines(stream, check, seen, keep_crlf=True):
                if seen.quotes or seen.end_marker:
                    raise _Declined
                copy.write(data)
            if seen.declined:
                raise _Declined
        seen.rows = cursor.rowcount
    return seen


def _value_sql(header: list[str], name: str, trim: bool) -> str:
    """SQL: a column's value as Python's check sees it (stripped when the file may need it)."""
    if name not in header:
        return "''::text"
    return f"btrim({name}, :ws)" if trim else name


def _excluded_sql(table: str, header: list[str], trim: bool, duplicates: bool = True) -> str:
    """SQL: (line, reason, again, odd) of each line not to be written, in line order. `again`: NULL for
    a line skipped as blank (all its fields empty), true for a later line of a NIK already accepted,
    false for a line with a reason. `odd`: a field longer than Python's csv module reads. Without
    `duplicates`, later lines of a NIK are not looked for (the primary key finds them).

    The checks run in parallel workers below the sort the duplicates need; the fence keeps the trimmed
    values from being computed again at each use."""
    values = ", ".join(f"{_value_sql(header, name, trim)} AS {name}" for name in COLUMNS)
    odd = " OR ".join(f"(octet_length({name}) > :field_limit AND char_length({name}) > :field_limit)"
                      for name in header)
    blank = " AND ".join(f"{name} = ''" for name in COLUMNS)
    checked = (
        f"SELECT line, odd, {blank} AS blank, nik_number, {reason_sql(len(header))} AS reason, {FENCE.format(2)} FROM ("
        f"SELECT *, CASE WHEN {digits_sql('nik', 16)} THEN nik::bigint END AS nik_number, {FENCE.format(1)} FROM ("
        f"SELECT line, {len(header)} AS cols, {values}, {odd} AS odd, {FENCE.format(0)} FROM {table}"
        ") AS named) AS numbered"
    )
    if not duplicates:
        # The fence's column in the condition keeps it out of the subquery, where `reason` would be computed
        # twice (once to filter, once to return); the condition holds exactly when one of the others does.
        return (f"SELECT line, reason, CASE WHEN NOT blank THEN false END AS again, odd FROM ({checked}) AS checked "
                "WHERE reason IS NOT NULL OR odd OR fence_2 IS NULL ORDER BY line")
    return (
        "SELECT line, reason, CASE WHEN NOT blank THEN again IS TRUE END AS again, odd FROM ("
        "SELECT line, reason, odd, blank, reason IS NULL AND key = lag(key) OVER (ORDER BY key, line) AS again "
        # One bigint to sort by: an accepted row's NIK, or minus the line of a rejected one (never equal
        # to a NIK or to another key), so a NIK equal to the one before is a later line of it.
        "FROM (SELECT *, CASE WHEN reason IS NULL THEN nik_number ELSE -line END AS key FROM ("
        f"{checked}) AS checked) AS keyed) AS ordered "
        "WHERE reason IS NOT NULL OR again OR odd ORDER BY line"
    )


def _accepted_sql(table: str, header: list[str], trim: bool, excluding: bool) -> str:
    """SQL: the rows to write, as dtks's columns: every line not excluded (rejected or blank)."""
    def value(name: str) -> str:
        return _value_sql(header, name, trim)

    where = " WHERE line NOT IN (SELECT unnest(CAST(:excluded AS bigint[])))" if excluding else ""
    return (
        f"SELECT {value('nik')} AS nik, {value('no_kk')} AS no_kk, {value('nama')} AS nama, "
        f"NULLIF({value('alamat')}, '') AS alamat, NULLIF({value('kode_wilayah')}, '') AS kode_wilayah, "
        f"NULLIF({value('desil')}, '')::int AS desil FROM {table}{where}"
    )

