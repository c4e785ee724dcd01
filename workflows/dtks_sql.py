"""DTKS import on PostgreSQL: the file's lines are COPYed as they are into a staging
table and every row is checked in SQL, so no Python runs per row. The staging tables are
UNLOGGED (not TEMP: parallel workers can read only ordinary tables), named per import,
created inside the import's transaction and dropped before it commits.

Python only streams the bytes (checking UTF-8 and NUL on the way, escaping them for
COPY's text format). PostgreSQL splits each line into fields (Python csv's rules for
a record on one line: quoted fields, doubled quotes, text after a closing quote),
checks them with the rules of `dtks_checks`, reports rejected lines and writes the
accepted rows (an UPDATE of the changed ones, an INSERT of the new ones; into an empty
table, a big first load builds the indexes after the rows). A file this
path cannot read exactly as Python's csv module would (a quoted field running over
several lines, a lone carriage return, a field longer than csv's limit) is left to
the row-by-row path: `import_staged` then rolls its work back and returns False.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

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


# The staging tables number lines by an identity. Its sequence hands out values to this session in blocks
# (still consecutive: no other session uses it) instead of one locked update per row: a fifth of COPY's CPU.
LINE_CACHE = "CACHE 100000"

# A volatile function in a subquery's select list keeps PostgreSQL from flattening the subquery into
# the query around it (which would evaluate its expressions again at every use); unlike OFFSET 0, this
# one (parallel safe, and cheap) still lets parallel workers run the query.
FENCE = "clock_timestamp() AS fence_{}"


def _checked_sql(raw: str, header: list[str], copied: Copied) -> str:
    """SQL: one row per non-blank line of the staging table `raw`: (line, odd, the trimmed fields,
    nik_number, reason). `odd`: this path cannot split the line as Python's csv would (an open quote
    runs on; an over-long line).

    Each step (split, trim, NIK as a number) is a subquery kept apart by `FENCE`, so its expressions
    are evaluated once per line, and the whole check can run in parallel workers. Lines without quotes
    (nearly all) are read in a query of their own, field by field with `split_part` (building an array
    costs more); the others are split into an array by a regular expression, in a subquery per line,
    which parallel workers cannot share.
    """
    width = len(header)
    long_line = "(octet_length(body) > :field_limit AND char_length(body) > :field_limit)"
    quoted_fields = (
        "ARRAY(SELECT CASE WHEN m[3] IS NULL THEN replace(m[1], '\"\"', '\"') || m[2] ELSE m[3] END "
        "FROM regexp_matches(body || ',', :field_re, 'g') WITH ORDINALITY AS t(m, i) ORDER BY i)"
    )
    all_empty = " AND ".join(f"{name} = ''" for name in COLUMNS)

    def branch(quoted: bool) -> str:
        # f: the line's fields (quoted) or the line itself; cols: how many fields it has (string_to_array's
        # count: none for an empty line); joined: its fields run together.
        if quoted:
            odd, f, cols = f"{long_line} OR (body || ',') !~ :line_re", quoted_fields, "cardinality(f)"
            field, joined = "f[{}]", "array_to_string(f, '')"
        else:
            odd, f = long_line, "body"
            cols = "CASE WHEN f = '' THEN 0 ELSE octet_length(f) - octet_length(replace(f, ',', '')) + 1 END"
            field, joined = "split_part(f, ',', {})", "replace(f, ',', '')"
        columns = ", ".join(f"{_column_sql(header, name, field, copied.trim)} AS {name}" for name in COLUMNS)
        # A row of empty fields is skipped like a blank line (with the right width, its trimmed fields say
        # so). `kept` holds the fence's function too: a condition on it is not pushed down into the
        # subqueries, where it would split and trim the line again.
        kept = (f"(odd OR NOT CASE WHEN cols = {width} THEN {all_empty} "
                f"ELSE btrim({joined}, :ws) = '' END) AND clock_timestamp() IS NOT NULL")
        return (
            f"SELECT line, odd, nik, nik_number, no_kk, nama, alamat, kode_wilayah, desil, {reason_sql(width)} "
            f"FROM (SELECT *, CASE WHEN {digits_sql('nik', 16)} THEN nik::bigint END AS nik_number, "
            f"{kept} AS kept FROM (SELECT line, odd, f, {cols} AS cols, {columns}, {FENCE.format(1)} FROM ("
            f"SELECT n + 1 AS line, {odd} AS odd, {f} AS f, {FENCE.format(0)} FROM {raw} "
            f"WHERE strpos(body, '\"') {'>' if quoted else '='} 0) AS split) AS named) AS numbered WHERE kept"
        )

    return f"{branch(False)} UNION ALL {branch(True)}" if copied.quotes else branch(False)


def digits_sql(value: str, length: int | None = None) -> str:
    """SQL: `value` is ASCII digits only (and `length` of them). Trimmed as bytes (`btrim` of a bytea
    compares bytes; of text, characters in the database's encoding, several times slower)."""
    sized = f"octet_length({value}) = {length}" if length else f"{value} <> ''"
    return f"({sized} AND btrim(textsend({value}), :digit_bytes) = ''::bytea)"


# The region format as shapes (every ASCII digit written as 9). A code fits when its bytes are digits
# and dots, it has a shape's length and dots where that shape has them, and no other dots: cheaper
# than rewriting every digit (`translate` walks each character through its list).
REGION_SHAPES = ("99", "99.99", "99.99.99", "99.99.99.9999")


def _region_ok_sql(value: str) -> str:
    """SQL: `value` (not empty) has one of REGION_SHAPES."""
    likes = " OR ".join(f"{value} LIKE '{shape.replace('9', '_')}'" for shape in REGION_SHAPES)
    digits = " ".join(f"WHEN {len(shape)} THEN {len(shape) - shape.count('.')}" for shape in REGION_SHAPES)
    return (f"(btrim(textsend({value}), :region_bytes) = ''::bytea AND ({likes}) "
            f"AND octet_length(replace({value}, '.', '')) = CASE octet_length({value}) {digits} END)")


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


def reason_sql(width: int) -> str:
    """SQL: the reason a split and trimmed row is rejected, or NULL (duplicates are found afterwards)."""
    empty = " ".join(f"WHEN {name} = '' THEN :empty_{name}" for name in REQUIRED)
    return (
        f"CASE WHEN cols <> {width} THEN :count_head || cols || :count_tail "
        f"{empty} "
        f"WHEN NOT ({_nik_ok_sql('nik_number')}) THEN :nik_invalid "
        f"WHEN NOT {digits_sql('no_kk', 16)} THEN :kk_invalid "
        f"WHEN kode_wilayah <> '' AND NOT {_region_ok_sql('kode_wilayah')} THEN :region_invalid "
        # The plain spellings of 1..10 first: reading a number costs more than comparing a few strings.
        f"WHEN desil <> '' AND desil <> ALL(:desil_plain) AND CASE WHEN {digits_sql('desil')} "
        "THEN desil::numeric NOT BETWEEN :desil_min AND :desil_max ELSE true END THEN :desil_invalid "
        # A text has at least as many bytes as characters: counting characters is needed only past the limit.
        "WHEN octet_length(nama) > :nama_max AND char_length(nama) > :nama_max "
        "OR octet_length(alamat) > :alamat_max AND char_length(alamat) > :alamat_max THEN :too_long END"
    )


def _column_sql(header: list[str], name: str, field: str, trim: bool) -> str:
    """SQL: the column's value (`field`: the SQL of the i-th field, with {} for i), trimmed if `trim`."""
    if name not in header:
        return "''::text"
    value = field.format(header.index(name) + 1)
    return f"btrim({value}, :ws)" if trim else value  # btrim by 29 characters costs a sixth of the check


def check_params(width: int) -> dict[str, Any]:
    count_head, count_tail = column_count_reason(-1, width).split("-1")
    return {
        "count_head": count_head, "count_tail": count_tail,
        **{f"empty_{name}": empty_reason(name) for name in REQUIRED},
        "ws": WHITESPACE, "field_re": FIELD_RE, "line_re": LINE_RE, "digit_bytes": b"0123456789",
        "region_bytes": b".0123456789", "desil_plain": [str(d) for d in range(DESIL_MIN, DESIL_MAX + 1)],
        "nik_invalid": NIK_INVALID, "kk_invalid": KK_INVALID, "region_invalid": REGION_INVALID,
        "desil_invalid": DESIL_INVALID, "desil_min": DESIL_MIN, "desil_max": DESIL_MAX, "too_long": TOO_LONG,
        "nama_max": NAMA_MAX, "alamat_max": ALAMAT_MAX, "field_limit": FIELD_LIMIT,
    }


def read_header(stream: IO[bytes], check: ByteCheck) -> list[str] | None:
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


# Bytes that start a character `str.strip()` removes, other than space and line breaks (the first
# byte of a multi-byte one), and the places where a space is at a field's edge (next to a comma, a
# line's end or a quote). A file holding neither has no field to trim.
_TRIM_BYTES = tuple(sorted({c.encode()[:1] for c in WHITESPACE if c not in " \n\r"}))
_EDGES = bytes.maketrans(b'\n\r"', b",,,")  # a field's edges: then a space at one is next to a comma


@dataclass
class Copied:
    """What streaming the lines saw: any quote; anything that may need trimming (or may not: it errs
    towards yes); a line starting with a backslash and a dot; whether the path stopped reading
    (a lone CR or a broken byte)."""

    quotes: bool = False
    trim: bool = False
    end_marker: bool = False
    declined: bool = False
    rows: int = 0  # lines COPYed (the CSV path only)


def stream_lines(stream: IO[bytes], check: ByteCheck, seen: Copied, keep_crlf: bool = False) -> Iterator[bytes]:
    """The remaining bytes of `stream` in chunks, with CRLF read as LF; notes what it sees in `seen`.
    Stops early with `seen.declined` on a lone CR or a byte that breaks UTF-8 or is NUL.

    `keep_crlf` (COPY's CSV format, which takes CRLF or LF line ends and refuses a file that mixes them or
    holds any other CR): line ends are left as they are, and only a first line end that is a lone CR (COPY
    would read CR-ended lines) or a CR ending the file is declined. Rewriting and counting CRs is most of
    this function's work on a CRLF file."""
    carry = b""
    previous = b"\n"  # the first line starts at the start of a line
    first_end = keep_crlf  # the first line end is still to be seen
    chunk = stream.read(CHUNK)
    while chunk:
        following = stream.read(CHUNK)  # read ahead: the last chunk must not end inside a character
        check.feed(chunk, final=not following)
        if check.bad_utf8 is not None or check.nul is not None:
            seen.declined = True
            return
        data = carry + chunk
        carry = b""
        if following and data.endswith(b"\r"):  # its \n may start the next chunk
            data, carry = data[:-1], b"\r"
        # Each test below is a bytes search at C speed, and each rewrite is done only when needed.
        if keep_crlf:
            if first_end and (b"\r" in data or b"\n" in data):
                first_end = False
                cr, lf = data.find(b"\r"), data.find(b"\n")
                if cr >= 0 and (lf < 0 or cr < lf - 1):
                    seen.declined = True
                    return
            if not following and data.endswith(b"\r"):
                seen.declined = True
                return
        elif b"\r" in data:
            if data.count(b"\r") != data.count(b"\r\n"):
                seen.declined = True  # a line ended by a lone CR: Python's csv reads that differently
                return
            data = data.replace(b"\r\n", b"\n")  # CRLF ends a line like LF
        seen.quotes = seen.quotes or b'"' in data
        # The window holds a pair (or the three bytes of a line start and a backslash-dot) cut between
        # two chunks. Chunks are large, except in tests.
        window = previous[-2:] + data
        seen.end_marker = seen.end_marker or (b"\\" in window and b"\n\\." in window)
        if not seen.trim:
            window = (window + (b"" if following else b"\n")).translate(_EDGES)
            seen.trim = any(b in data for b in _TRIM_BYTES) or b" ," in window or b", " in window
        previous = (previous + data)[-2:]
        yield data
        chunk = following


def _copy_lines(session: Session, stream: IO[bytes], check: ByteCheck, table: str) -> Copied | None:
    """COPY the remaining lines into `table`, one row per line; None (this path cannot read the file)
    if a lone CR or a broken byte was seen."""
    raw = session.connection().connection.driver_connection
    seen = Copied()
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} (body) FROM STDIN") as copy:
        for data in stream_lines(stream, check, seen):
            # COPY's text format: a backslash escapes, a tab separates columns.
            if b"\\" in data:
                data = data.replace(b"\\", b"\\\\")
            if b"\t" in data:
                data = data.replace(b"\t", b"\\t")
            copy.write(data)
    return None if seen.declined else seen


# A first load of at least this many rows into an empty dtks drops its indexes and builds them after
# the INSERT: one sorted build (parallel) instead of a B-tree insertion per row.
REBUILD_MIN_ROWS = 50_000


def _rebuild_statements(session: Session) -> tuple[list[str], list[str]] | None:
    """(drop, create) statements for dtks's primary key and indexes, or None when another table's
    foreign key depends on them (then they stay and rows go in one by one)."""
    if session.scalar(text("SELECT EXISTS (SELECT FROM pg_constraint WHERE confrelid = 'dtks'::regclass)")):
        return None
    drop, create = [], []
    for name, definition, constraint in session.execute(text(
        "SELECT c.relname, coalesce(pg_get_constraintdef(k.oid), pg_get_indexdef(i.indexrelid)), k.oid IS NOT NULL "
        "FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint AS k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
        "WHERE i.indrelid = 'dtks'::regclass ORDER BY NOT i.indisprimary, c.relname"
    )):
        if constraint:
            drop.append(f'ALTER TABLE dtks DROP CONSTRAINT "{name}"')
            create.append(f'ALTER TABLE dtks ADD CONSTRAINT "{name}" {definition}')
        else:
            drop.append(f'DROP INDEX "{name}"')  # search_path finds it as it found dtks
            create.append(definition)
    return drop, create


# An accepted desil is digits worth 1..10 (leading zeros allowed): `int` reads it directly (cheaper than numeric).
_ACCEPTED = ("SELECT nik, no_kk, nama, NULLIF(alamat, '') AS alamat, NULLIF(kode_wilayah, '') AS kode_wilayah, "
             "NULLIF(desil, '')::int AS desil FROM {rows} WHERE reason IS NULL")


def lock_for_import(session: Session) -> bool:
    """Take dtks's lock for this import; True when the table is empty (a first load)."""
    # Imports are the only writers of dtks: one at a time (readers are not blocked), so a plain
    # INSERT of the new NIKs cannot collide, and it is much cheaper than INSERT ... ON CONFLICT.
    session.execute(text("LOCK TABLE dtks IN SHARE ROW EXCLUSIVE MODE"))
    return not session.scalar(text("SELECT EXISTS (SELECT FROM dtks)"))


def upsert(session: Session, accepted_rows: str, table: str, accepted: int,
           params: dict[str, Any] | None = None) -> tuple[int, int]:
    """Write the accepted rows (the query `accepted_rows`, with `params`, reading the staging table
    `table`) into dtks: (updated, inserted); unchanged rows are not rewritten."""
    params = {**(params or {}), "now": utcnow()}
    if lock_for_import(session):
        # A first load: nothing to update or to look up. A big one goes in without indexes, which are
        # built afterwards (that needs the exclusive lock: lookups of an empty table wait for it).
        rebuild = _rebuild_statements(session) if accepted >= REBUILD_MIN_ROWS else None
        for statement in rebuild[0] if rebuild else ():
            session.execute(text(statement))
        inserted = session.execute(text(
            "INSERT INTO dtks (nik, no_kk, nama, alamat, kode_wilayah, desil, updated_at) "
            f"SELECT *, CAST(:now AS timestamp) FROM ({accepted_rows}) AS r"
        ), params).rowcount
        for statement in rebuild[1] if rebuild else ():
            session.execute(text(statement))
        return 0, inserted
    # Statistics of a sample of the staging rows: without them the planner takes nearly every row for
    # rejected and joins the two tables by an index probe per row instead of hashing them.
    session.execute(text(f"ANALYZE {table}"))
    updated = session.execute(text(
        "UPDATE dtks SET no_kk = r.no_kk, nama = r.nama, alamat = r.alamat, kode_wilayah = r.kode_wilayah, "
        f"desil = r.desil, updated_at = :now FROM ({accepted_rows}) AS r WHERE dtks.nik = r.nik "
        "AND (dtks.no_kk, dtks.nama, dtks.alamat, dtks.kode_wilayah, dtks.desil) IS DISTINCT FROM "
        "(r.no_kk, r.nama, r.alamat, r.kode_wilayah, r.desil)"
    ), params).rowcount
    inserted = session.execute(text(
        "INSERT INTO dtks (nik, no_kk, nama, alamat, kode_wilayah, desil, updated_at) "
        f"SELECT nik, no_kk, nama, alamat, kode_wilayah, desil, CAST(:now AS timestamp) FROM ({accepted_rows}) AS r "
        "WHERE NOT EXISTS (SELECT FROM dtks WHERE dtks.nik = r.nik) "
        # The primary key's index then grows at its end instead of everywhere; its order is the key's (bytes).
        'ORDER BY nik COLLATE "C"'
    ), params).rowcount
    return updated, inserted


def upsert_once_each(session: Session, accepted_rows: str, table: str, accepted: int, params: dict[str, Any] | None,
                     duplicates_found: bool) -> tuple[int, int] | None:
    """`upsert` in a savepoint. When the file's duplicate NIKs were not looked for (`duplicates_found` false:
    a first load, where the primary key finds them), None if a NIK came twice: then nothing was written."""
    attempt = session.begin_nested()
    try:
        written = upsert(session, accepted_rows, table, accepted, params)
    except IntegrityError as exc:
        if duplicates_found or not isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise
        attempt.rollback()
        return None
    attempt.commit()
    return written


# Memory a row takes in the import's sorts (measured with trace_sort at 1,000,000 rows: the checks'
# sort about 100 bytes a row, the primary key's build about 70), with some room. The sorts of a
# parallel query get work_mem in each of the three processes; an index build shares its memory.
_SORT_BYTES, _INDEX_BYTES, _PROCESSES = 120, 80, 3
_MB = 1 << 20


def size_memory(session: Session, rows: int) -> None:
    """Memory for this import's sorts and index builds, so a big file's stay in memory (no sort runs
    written to disk and merged): from 256 MB / 512 MB (enough up to about 5 million rows) to 1 GB a
    process / 2 GB (about 21 million rows: a province)."""
    work_mem = min(max(rows * _SORT_BYTES // _PROCESSES, 256 * _MB), 1024 * _MB) // _MB
    maintenance = min(max(rows * _INDEX_BYTES, 512 * _MB), 2048 * _MB) // _MB
    session.execute(text(f"SET LOCAL work_mem = '{work_mem}MB'"))
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{maintenance}MB'"))


def begin_import(session: Session) -> SessionTransaction:
    """A savepoint for one way of importing the file, with the import's settings (undone with it)."""
    savepoint = session.begin_nested()
    # The import is all or nothing and can simply be run again, so the commit need not wait for its WAL to
    # reach the disk: a crash just after it could lose the import, never half of one.
    session.execute(text("SET LOCAL synchronous_commit = off"))
    return savepoint


def import_staged(session: Session, stream: IO[bytes], report: ImportReport) -> bool:
    """Check and upsert the file in SQL; False (nothing done) when it must go row by row.

    Raises DtksFileRefused like the row-by-row path, for the same files and with the same message."""
    stream.seek(0)
    check = ByteCheck()
    values = read_header(stream, check)
    if values is None:
        return False
    try:
        header = header_columns(values)
    except DtksFileRefused:
        refuse_broken(stream)  # a file that is not UTF-8 text is refused for that first
        raise
    savepoint = begin_import(session)
    raw, rows = _staging_names()
    session.execute(text(
        f"CREATE UNLOGGED TABLE {raw} (n bigint GENERATED ALWAYS AS IDENTITY ({LINE_CACHE}), body text)"
    ))
    copied = _copy_lines(session, stream, check, raw)
    if copied is None:
        savepoint.rollback()
        refuse_broken(stream)
        return False
    count = session.execute(text(
        f"CREATE UNLOGGED TABLE {rows} (line, odd, nik, nik_number, no_kk, nama, alamat, kode_wilayah, desil, "
        f"reason) AS {_checked_sql(raw, header, copied)}"
    ), check_params(len(header))).rowcount
    size_memory(session, count)
    # Into an empty dtks the primary key finds duplicates: the sort below is needed only if it does.
    sort = not lock_for_import(session)
    while True:
        if sort:
            # A checked row has its NIK as a number: duplicates are found by sorting numbers, not text (in a
            # plain SELECT, whose sort parallel workers can share). The first line of a NIK is kept; the
            # later ones are rejected.
            duplicates = session.scalars(text(
                "SELECT line FROM (SELECT line, nik_number = lag(nik_number) OVER (ORDER BY nik_number, line) "
                f"AS again FROM {rows} WHERE reason IS NULL) AS ordered WHERE again"
            )).all()
            if duplicates:
                session.execute(text(f"UPDATE {rows} SET reason = :dup WHERE line = ANY(:lines)"),
                                {"dup": DUPLICATE, "lines": list(duplicates)})
        rejected = session.execute(text(
            f"SELECT line, reason, odd FROM {rows} WHERE reason IS NOT NULL OR odd ORDER BY line"
        )).all()
        if any(odd for _, _, odd in rejected):
            savepoint.rollback()
            return False
        written = upsert_once_each(session, _ACCEPTED.format(rows=rows), rows, count - len(rejected), None, sort)
        if written is not None:
            break
        sort = True
    report.rows = count
    report.rejected = [Rejected(line, reason) for line, reason, _ in rejected]
    report.accepted = count - len(report.rejected)
    report.updated, report.inserted = written
    session.execute(text(f"DROP TABLE {raw}, {rows}"))
    savepoint.commit()
    report.checked_in_sql = True
    return True


def _staging_names() -> tuple[str, str]:
    """Names for this import's two staging tables. They are ordinary UNLOGGED tables, not TEMP ones,
    because parallel workers can read only those; created inside the import's transaction, they vanish
    with it if it rolls back, and are dropped before it commits."""
    token = uuid.uuid4().hex[:12]
    return f"dtks_raw_{token}", f"dtks_rows_{token}"
