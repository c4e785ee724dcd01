"""DTKS import on PostgreSQL: the file's lines are COPYed as they are into a staging
table and every row is checked in SQL, so no Python runs per row.

Python only streams the bytes (checking UTF-8 and NUL on the way, escaping them for
COPY's text format). PostgreSQL splits each line into fields (Python csv's rules for
a record on one line: quoted fields, doubled quotes, text after a closing quote),
checks them with the rules of `dtks_checks`, reports rejected lines and writes the
accepted rows (an UPDATE of the changed ones, an INSERT of the new ones). A file this
path cannot read exactly as Python's csv module would (a quoted field running over
several lines, a lone carriage return, a field longer than csv's limit) is left to
the row-by-row path: `import_staged` then rolls its work back and returns False.
"""

from __future__ import annotations

import re
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import utcnow
from .dtks_checks import (
    ALAMAT_MAX,
    CHUNK,
    COLUMNS,
    DESIL_INVALID,
    DESIL_MAX,
    DESIL_MIN,
    DUPLICATE,
    FIELD_LIMIT,
    KK_INVALID,
    NAMA_MAX,
    NIK_INVALID,
    PROVINCE_CODES,
    REGION_INVALID,
    REQUIRED,
    TOO_LONG,
    WHITESPACE,
    ByteCheck,
    DtksFileRefused,
    ImportReport,
    Rejected,
    column_count_reason,
    empty_reason,
    header_columns,
    refuse_broken,
)

# One field of a one-line record, followed by the comma appended to every line: either quoted
# (doubled quotes inside; the closing quote is one not followed by another; text after it up
# to the comma is kept as it is, as Python's csv does) or unquoted (not starting with a quote).
# The two branches cannot both match, so a line splits one way only.
_QUOTED = r'"((?:[^"]|"")*)"(?!")([^,]*)'
_UNQUOTED = r'((?:[^",][^,]*)?)'
FIELD_RE = f"(?:{_QUOTED}|{_UNQUOTED}),"
LINE_RE = f"^(?:{FIELD_RE})*$"
_LINE = re.compile(LINE_RE)
_FIELD = re.compile(FIELD_RE)


def split_line(line: str) -> list[str] | None:
    """The fields of a one-line CSV record as Python's csv reads them, or None if a quote stays open."""
    if not line:
        return []  # an empty line is a record without fields (string_to_array says the same)
    if _LINE.fullmatch(line + ",") is None:
        return None
    return [m[1].replace('""', '"') + m[2] if m[3] is None else m[3] for m in _FIELD.finditer(line + ",")]


def _fields_sql() -> str:
    """SQL: the text array of the fields of `body` (one line, without its line break)."""
    return (
        "CASE WHEN strpos(body, '\"') = 0 THEN string_to_array(body, ',') ELSE ARRAY("
        "SELECT CASE WHEN m[3] IS NULL THEN replace(m[1], '\"\"', '\"') || m[2] ELSE m[3] END "
        "FROM regexp_matches(body || ',', :field_re, 'g') WITH ORDINALITY AS t(m, i) ORDER BY i) END"
    )


# The formats as shapes: every ASCII digit becomes 9 (`translate`, much cheaper in PostgreSQL than a
# regular expression), so a value fits a format when its shape is one of the format's shapes.
_AS_NINES = "translate({}, '0123456789', '9999999999')"
DIGITS16_SHAPE = "9" * 16
REGION_SHAPES = ("99", "99.99", "99.99.99", "99.99.99.9999")


def _nik_ok_sql(n: str) -> str:
    """SQL: the NIK is valid (same rules as `dtks_checks.nik_is_valid`), given `n`, the NIK as a
    bigint (NULL unless it is 16 ASCII digits): its parts are read by arithmetic, not by substrings."""
    def part(start: int, end: int) -> str:  # digits start..end-1 of the 16
        return f"({n} / {10 ** (16 - end)} % {10 ** (end - start)})"

    province, regency, district = part(0, 2), part(2, 4), part(4, 6)
    day, month, year, serial = part(6, 8), part(8, 10), part(10, 12), part(12, 16)
    known = ", ".join("true" if f"{code:02d}" in PROVINCE_CODES else "false" for code in range(100))
    # The century is read as lokal does (up to this year's two digits: 20yy, else 19yy); either way
    # the year is a leap year exactly when yy is divisible by 4 (2000 is one, 1900 cannot occur).
    month_days = (f"(ARRAY[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[{month}] "
                  f"+ ({month} = 2 AND {year} % 4 = 0)::int")
    return (
        f"CASE WHEN {n} IS NULL THEN false ELSE (ARRAY[{known}])[{province} + 1] "
        f"AND {regency} <> 0 AND {district} <> 0 AND {serial} <> 0 AND {month} BETWEEN 1 AND 12 "
        f"AND (CASE WHEN {day} > 40 THEN {day} - 40 ELSE {day} END) BETWEEN 1 AND {month_days} END"
    )


def _reason_sql(width: int) -> str:
    """SQL: the reason a split and trimmed row is rejected, or NULL (duplicates are found afterwards)."""
    empty = " ".join(f"WHEN {name} = '' THEN :empty_{name}" for name in REQUIRED)
    return (
        f"CASE WHEN cardinality(f) <> {width} THEN :count_head || cardinality(f) || :count_tail "
        f"{empty} "
        f"WHEN NOT ({_nik_ok_sql('nik_number')}) THEN :nik_invalid "
        f"WHEN {_AS_NINES.format('no_kk')} <> :digits16 THEN :kk_invalid "
        f"WHEN kode_wilayah <> '' AND {_AS_NINES.format('kode_wilayah')} <> ALL(:region_shapes) THEN :region_invalid "
        "WHEN desil <> '' AND CASE WHEN translate(desil, '0123456789', '') = '' "
        "THEN desil::numeric NOT BETWEEN :desil_min AND :desil_max ELSE true END THEN :desil_invalid "
        "WHEN char_length(nama) > :nama_max OR char_length(alamat) > :alamat_max THEN :too_long END"
    )


def _column_sql(header: list[str], name: str) -> str:
    return f"btrim(f[{header.index(name) + 1}], :ws)" if name in header else "''::text"


def _check_params(width: int) -> dict[str, Any]:
    count_head, count_tail = column_count_reason(-1, width).split("-1")
    return {
        "count_head": count_head, "count_tail": count_tail,
        **{f"empty_{name}": empty_reason(name) for name in REQUIRED},
        "ws": WHITESPACE, "field_re": FIELD_RE, "line_re": LINE_RE, "digits16": DIGITS16_SHAPE,
        "region_shapes": list(REGION_SHAPES),
        "nik_invalid": NIK_INVALID, "kk_invalid": KK_INVALID, "region_invalid": REGION_INVALID,
        "desil_invalid": DESIL_INVALID, "desil_min": DESIL_MIN, "desil_max": DESIL_MAX, "too_long": TOO_LONG,
        "nama_max": NAMA_MAX, "alamat_max": ALAMAT_MAX, "field_limit": FIELD_LIMIT,
    }


def _read_header(stream: IO[bytes], check: ByteCheck) -> list[str] | None:
    """The header's fields from the first line, or None when the file needs the row-by-row path."""
    first = stream.readline(FIELD_LIMIT)
    whole_file = not first.endswith(b"\n")
    if whole_file and stream.read(1):
        return None  # a header longer than any field may be
    check.feed(first, final=whole_file)
    line = first.removeprefix(b"\xef\xbb\xbf").removesuffix(b"\n").removesuffix(b"\r")
    if b"\r" in line or check.bad_utf8 is not None or check.nul is not None:
        return None
    return split_line(line.decode("utf-8"))


def _copy_lines(session: Session, stream: IO[bytes], check: ByteCheck) -> bool:
    """COPY the remaining lines into dtks_raw, one row per line; False if a lone CR or a broken byte was seen."""
    raw = session.connection().connection.driver_connection
    carry = b""
    chunk = stream.read(CHUNK)
    with raw.cursor() as cursor, cursor.copy("COPY dtks_raw (body) FROM STDIN") as copy:
        while chunk:
            following = stream.read(CHUNK)  # read ahead: the last chunk must not end inside a character
            check.feed(chunk, final=not following)
            if check.bad_utf8 is not None or check.nul is not None:
                return False
            data = carry + chunk
            carry = b""
            if following and data.endswith(b"\r"):  # its \n may start the next chunk
                data, carry = data[:-1], b"\r"
            if data.count(b"\r") != data.count(b"\r\n"):
                return False  # a line ended by a lone CR: Python's csv reads that differently
            # COPY's text format: a backslash escapes, a tab separates columns; CRLF ends a line like LF.
            copy.write(data.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\r\n", b"\n"))
            chunk = following
    return True


def _upsert(session: Session) -> tuple[int, int]:
    """Write the accepted rows of dtks_rows into dtks: (updated, inserted); unchanged rows are not rewritten."""
    # Imports are the only writers of dtks: one at a time (readers are not blocked), so a plain
    # INSERT of the new NIKs cannot collide, and it is much cheaper than INSERT ... ON CONFLICT.
    session.execute(text("LOCK TABLE dtks IN SHARE ROW EXCLUSIVE MODE"))
    now = {"now": utcnow()}
    updated = session.execute(text(
        "UPDATE dtks SET no_kk = r.no_kk, nama = r.nama, alamat = r.alamat, kode_wilayah = r.kode_wilayah, "
        "desil = r.desil, updated_at = :now FROM (SELECT nik, no_kk, nama, NULLIF(alamat, '') AS alamat, "
        "NULLIF(kode_wilayah, '') AS kode_wilayah, NULLIF(desil, '')::numeric::int AS desil "
        "FROM dtks_rows WHERE reason IS NULL) AS r WHERE dtks.nik = r.nik "
        "AND (dtks.no_kk, dtks.nama, dtks.alamat, dtks.kode_wilayah, dtks.desil) IS DISTINCT FROM "
        "(r.no_kk, r.nama, r.alamat, r.kode_wilayah, r.desil)"
    ), now).rowcount
    inserted = session.execute(text(
        "INSERT INTO dtks (nik, no_kk, nama, alamat, kode_wilayah, desil, updated_at) "
        "SELECT nik, no_kk, nama, NULLIF(alamat, ''), NULLIF(kode_wilayah, ''), NULLIF(desil, '')::numeric::int, :now "
        "FROM dtks_rows AS r WHERE reason IS NULL AND NOT EXISTS (SELECT FROM dtks WHERE dtks.nik = r.nik) "
        "ORDER BY nik"  # the primary key's index then grows at its end instead of everywhere
    ), now).rowcount
    return updated, inserted


def import_staged(session: Session, stream: IO[bytes], report: ImportReport) -> bool:
    """Check and upsert the file in SQL; False (nothing done) when it must go row by row.

    Raises DtksFileRefused like the row-by-row path, for the same files and with the same message."""
    stream.seek(0)
    check = ByteCheck()
    values = _read_header(stream, check)
    if values is None:
        return False
    try:
        header = header_columns(values)
    except DtksFileRefused:
        refuse_broken(stream)  # a file that is not UTF-8 text is refused for that first
        raise
    savepoint = session.begin_nested()
    session.execute(text("SET LOCAL work_mem = '64MB'"))
    session.execute(text("SET LOCAL temp_buffers = '256MB'"))  # staging pages stay in memory (if set in time)
    session.execute(text(
        "CREATE TEMP TABLE dtks_raw (n bigint GENERATED ALWAYS AS IDENTITY, body text) ON COMMIT DROP"
    ))
    if not _copy_lines(session, stream, check):
        savepoint.rollback()
        refuse_broken(stream)
        return False
    params = _check_params(len(header))
    columns = ", ".join(f"{_column_sql(header, name)} AS {name}" for name in COLUMNS)
    # `odd`: a line this path cannot split as Python's csv would (an open quote runs on; an over-long line).
    # OFFSET 0 keeps each subquery a step of its own: flattened, every use of a field would split the line again.
    width = len(header)
    all_empty = " AND ".join(f"{name} = ''" for name in COLUMNS)
    session.execute(text(
        "CREATE TEMP TABLE dtks_rows ON COMMIT DROP AS "
        f"SELECT line, odd, nik, no_kk, nama, alamat, kode_wilayah, desil, {_reason_sql(width)} AS reason "
        f"FROM (SELECT *, CASE WHEN {_AS_NINES.format('nik')} = :digits16 THEN nik::bigint END AS nik_number "
        f"FROM (SELECT line, odd, f, {columns} FROM ("
        "  SELECT n + 1 AS line, (octet_length(body) > :field_limit AND char_length(body) > :field_limit) "
        "    OR (strpos(body, '\"') > 0 AND (body || ',') !~ :line_re) AS odd, "
        f"   {_fields_sql()} AS f FROM dtks_raw OFFSET 0) AS split OFFSET 0) AS named OFFSET 0) AS numbered "
        # A row of empty fields is skipped like a blank line (with the right width, its trimmed fields say so).
        f"WHERE odd OR NOT CASE WHEN cardinality(f) = {width} THEN {all_empty} "
        "ELSE btrim(array_to_string(f, ''), :ws) = '' END"
    ), params)
    rows, odd = session.execute(text("SELECT count(*), coalesce(bool_or(odd), false) FROM dtks_rows")).one()
    if odd:
        savepoint.rollback()
        return False
    duplicates = session.scalars(text(
        "SELECT line FROM (SELECT line, nik = lag(nik) OVER (ORDER BY nik, line) AS again "
        "FROM dtks_rows WHERE reason IS NULL) AS ordered WHERE again"
    )).all()
    if duplicates:
        session.execute(text("UPDATE dtks_rows SET reason = :dup WHERE line = ANY(:lines)"),
                        {"dup": DUPLICATE, "lines": list(duplicates)})
    report.rows = rows
    report.rejected = [Rejected(line, reason) for line, reason in session.execute(text(
        "SELECT line, reason FROM dtks_rows WHERE reason IS NOT NULL ORDER BY line"
    ))]
    report.accepted = rows - len(report.rejected)
    report.updated, report.inserted = _upsert(session)
    savepoint.commit()
    report.checked_in_sql = True
    return True

