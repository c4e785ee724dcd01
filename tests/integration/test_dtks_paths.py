"""The DTKS import's two ways of checking a file give the same answers.

On PostgreSQL the fields are split by COPY's CSV parser (`dtks_columns`) when it
reads the file as Python's csv does, else from the raw lines in SQL (`dtks_sql`),
and checked in SQL; on SQLite, and for files neither SQL path can read, row by row
in Python. The tricky file below has
every rejection reason, duplicates, updates, unchanged rows, a BOM, CRLF, quoted
fields and odd characters; its expected report is written out line by line and
must come out on both databases (on PostgreSQL through the SQL path, then again
row by row, and the two are compared). Broken files are refused alike.
"""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.conftest import POSTGRES
from tests.integration.test_dtks_import import niks
from workflows.dtks import Dtks, DtksFileRefused, Rejected, import_csv, import_rows
from workflows.dtks_checks import FIELD_LIMIT, ImportReport
from workflows.dtks_columns import Outcome, import_columns
from workflows.dtks_sql import import_staged

KK = "9171010101230001"
NIK = "NIK tidak valid (16 digit, kode wilayah dan tanggal lahir)"


def tricky(n: dict[str, str]) -> tuple[str, list[tuple[str, str | None]]]:
    """The file (BOM, CRLF, columns in another order) and, per line after the header, its expected
    outcome: a reason, None (accepted) or "skip" (a blank line, not counted)."""
    long_name = "N" * 201
    lines: list[tuple[str, str | None]] = [
        (f'"Maria, Ibu",{n["a"]},{KK},"Jl. ""Baru"", Gg. 3",91.71.01.1001,005', None),
        ("", "skip"),
        (",,,,,", "skip"),
        (" \u00a0, ,\t,,,", "skip"),
        (f"\u00a0Petrus Kogoya ,  {n['b']}\t,{KK},,91.71.03, 2", None),
        (f"Yohana Wenda,{n['c']},{KK},Jl. Percetakan \\ 7,,", None),  # an update of the earlier file
        (f"Tetap Sama,{n['d']},{KK},Dusun 1,91.71,10", None),  # unchanged
        (f"Ganda,{n['a']},{KK},,,", "NIK ganda dalam berkas ini"),
        (f"Salah KK,{n['a']},123,,,", "nomor KK harus 16 digit"),  # a bad row is not a duplicate
        (f"Budi,{n['e']}", "jumlah kolom 2, seharusnya 6"),
        (f"Budi,{n['e']},{KK},,,,", "jumlah kolom 7, seharusnya 6"),
        ("\\.", "jumlah kolom 1, seharusnya 6"),
        (f"Budi, ,{KK},,,", "kolom 'nik' kosong"),
        (f"Budi,{n['e']},,,,", "kolom 'no_kk' kosong"),
        (f'"",{n["e"]},{KK},,,', "kolom 'nama' kosong"),
        (f"Budi,12345,{KK},,,", NIK),
        (f"Budi,33010101900001AB,{KK},,,", NIK),
        (f"Budi,{'٣٣٠١٠١٠١٩٠٠٠٠٠٠١'},{KK},,,", NIK),  # Arabic-Indic digits
        (f"Budi,3301-0101-9000-0001,{KK},,,", NIK),  # separators: the key would not be 16 digits
        (f"Budi,1001010101900001,{KK},,,", NIK),  # no province 10
        (f"Budi,3300010101900001,{KK},,,", NIK),  # regency 00
        (f"Budi,3301000101900001,{KK},,,", NIK),  # district 00
        (f"Budi,3301013201900001,{KK},,,", NIK),  # day 32
        (f"Budi,3301010001900001,{KK},,,", NIK),  # day 0
        (f"Budi,3301010113900001,{KK},,,", NIK),  # month 13
        (f"Budi,3301012902230001,{KK},,,", NIK),  # 29 February 2023
        (f"Budi,3301017104900001,{KK},,,", NIK),  # a woman born 31 April
        (f"Budi,3301010101900000,{KK},,,", NIK),  # serial 0000
        (f"Ani Leap,{n['f']},{KK},,,", None),  # a woman born 29 February of a leap year
        (f'Quoted NIK,"{n["g"]}",{KK},,,', None),
        (f"Budi,{n['e']},917101010123000,,,", "nomor KK harus 16 digit"),
        (f"Budi,{n['e']},917101010123000A,,,", "nomor KK harus 16 digit"),
        (f"Budi,{n['e']},{KK},,91.7101,", "kode_wilayah tidak sesuai format Kemendagri"),
        (f"Budi,{n['e']},{KK},,9171,", "kode_wilayah tidak sesuai format Kemendagri"),
        (f"Budi,{n['e']},{KK},,,0", "desil harus angka 1 sampai 10"),
        (f"Budi,{n['e']},{KK},,,11", "desil harus angka 1 sampai 10"),
        (f"Budi,{n['e']},{KK},,,x", "desil harus angka 1 sampai 10"),
        (f"Budi,{n['e']},{KK},,,\u00b2", "desil harus angka 1 sampai 10"),  # superscript two
        (f"{long_name},{n['e']},{KK},,,", "nama atau alamat terlalu panjang"),
        (f"Budi,{n['e']},{KK},{'A' * 501},,", "nama atau alamat terlalu panjang"),
        (f"{'N' * 200},{n['h']},{KK},,,", None),  # exactly the limit
        (f"Ani\tSusanti,{n['i']},{KK},\\N,,", None),  # a tab inside, COPY's NULL marker as text
        (f'"Sri"yani,{n["j"]},{KK},Sri "Kecil",,', None),  # text after a closing quote; a quote inside
    ]
    body = "\r\n".join(text for text, _ in lines)  # the last line has no line break
    return "\ufeffnama, NIK ,No_KK,alamat,kode_wilayah,desil\r\n" + body, lines


def _niks() -> dict[str, str]:
    keys = "abcdeghij"
    plain = dict(zip(keys, niks(len(keys)), strict=True))
    # f: a woman born on 29 February 2024 (day 29 + 40; `niks` never makes day 69).
    plain["f"] = f"917101690224{random.randint(1, 9999):04d}"
    return plain


def _stored(db_session, nik_list: list[str]) -> dict[str, tuple]:
    db_session.expire_all()
    return {
        r.nik: (r.no_kk, r.nama, r.alamat, r.kode_wilayah, r.desil)
        for r in db_session.scalars(select(Dtks).where(Dtks.nik.in_(nik_list)))
    }


def _earlier(n: dict[str, str]) -> bytes:
    return (
        "nik,no_kk,nama,alamat,kode_wilayah,desil\n"
        f"{n['c']},{KK},Yohana W,,,\n"
        f"{n['d']},{KK},Tetap Sama,Dusun 1,91.71,10\n"
    ).encode()


def _run(db_session, data: bytes, n: dict[str, str], row_by_row: bool):
    db_session.execute(delete(Dtks).where(Dtks.nik.in_(list(n.values()))))
    db_session.commit()
    assert import_csv(db_session, io.BytesIO(_earlier(n))).inserted == 2
    if row_by_row:
        report = import_rows(db_session, io.BytesIO(data))
        db_session.commit()
    else:
        report = import_csv(db_session, io.BytesIO(data))
    return report, _stored(db_session, list(n.values()))


def test_tricky_file_gives_the_written_report_on_both_paths(db_session):
    n = _niks()
    text, lines = tricky(n)
    data = text.encode()
    report, stored = _run(db_session, data, n, row_by_row=False)
    assert report.checked_in_sql is POSTGRES

    expected = [Rejected(i + 2, outcome) for i, (_, outcome) in enumerate(lines) if outcome not in (None, "skip")]
    assert report.rejected == expected
    counted = [outcome for _, outcome in lines if outcome != "skip"]
    assert (report.rows, report.accepted) == (len(counted), counted.count(None))
    # a, b, f, g, h, i, j are new; c is updated; d is unchanged.
    assert (report.inserted, report.updated, report.unchanged) == (7, 1, 1)
    assert stored[n["a"]] == (KK, "Maria, Ibu", 'Jl. "Baru", Gg. 3', "91.71.01.1001", 5)
    assert stored[n["b"]] == (KK, "Petrus Kogoya", None, "91.71.03", 2)
    assert stored[n["c"]] == (KK, "Yohana Wenda", "Jl. Percetakan \\ 7", None, None)
    assert stored[n["d"]] == (KK, "Tetap Sama", "Dusun 1", "91.71", 10)
    assert stored[n["i"]] == (KK, "Ani\tSusanti", "\\N", None, None)
    assert stored[n["j"]] == (KK, "Sriyani", 'Sri "Kecil"', None, None)
    assert n["e"] not in stored

    if POSTGRES:  # the same file row by row on the same database: the same report and rows
        by_rows, stored_by_rows = _run(db_session, data, n, row_by_row=True)
        assert not by_rows.checked_in_sql
        assert (by_rows.rows, by_rows.accepted, by_rows.inserted, by_rows.updated, by_rows.rejected) == (
            report.rows, report.accepted, report.inserted, report.updated, report.rejected)
        assert stored_by_rows == stored


def _outcome(db_session, data: bytes, staged: bool, columns: bool = False):
    """(report fields or the refusal message, whether SQL checked it); rolled back. `staged`: the
    raw-line SQL path on PostgreSQL ("row path" if it declines the file); `columns`: the CSV-column
    path (the name of the path it hands the file to, if it declines); otherwise row by row."""
    report = ImportReport()
    try:
        if columns and POSTGRES:
            outcome = import_columns(db_session, io.BytesIO(data), report)
            if outcome is not Outcome.DONE:
                return outcome.value, False
        elif staged and POSTGRES:
            if not import_staged(db_session, io.BytesIO(data), report):
                return "row path", False
        else:
            report = import_rows(db_session, io.BytesIO(data))
    except DtksFileRefused as exc:
        return str(exc), None
    finally:
        db_session.rollback()
    return (report.rows, report.accepted, report.inserted, report.updated, report.rejected), report.checked_in_sql


def _both(db_session, data: bytes):
    staged = _outcome(db_session, data, staged=True)
    by_rows = _outcome(db_session, data, staged=False)
    return staged, by_rows


@pytest.mark.parametrize(("name", "data", "refused"), [
    ("latin-1 line in the middle", "nik,no_kk,nama\n{a},{kk},Warga\nÑoño,{kk},X\n{b},{kk},Y\n", "latin-1"),
    ("NUL byte", "nik,no_kk,nama\n{a},{kk},War\0ga\n", None),
    ("wrong header, then a broken byte", "nik;no_kk\n{a},{kk},X\n\xff\n", "latin-1"),
    ("cut in a character", "nik,no_kk,nama\n{a},{kk},Ab", "cut"),
])
def test_broken_files_are_refused_alike(db_session, name, data, refused):
    a, b = niks(2)
    text = data.format(a=a, b=b, kk=KK)
    raw = text.encode("latin-1") if refused == "latin-1" else text.encode()
    if refused == "cut":
        raw += "é".encode()[:1]
    staged, by_rows = _both(db_session, raw)
    assert staged == by_rows
    message, checked = staged
    assert checked is None and "Tidak ada data yang diimpor" in message, name
    if refused:
        first_bad = min(raw.find(bad) for bad in (b"\xff", b"\xd1", b"\xc3") if bad in raw)
        assert "bukan teks UTF-8" in message and f"(bita ke-{first_bad + 1})" in message  # counted from 1
    else:
        assert "NUL" in message


def test_files_the_sql_path_cannot_split_go_row_by_row_with_the_same_report(db_session):
    a, b, c = niks(3)
    multi_line = f'nik,no_kk,nama,alamat\n{a},{KK},Warga,"Jl. A\nGg. B"\n{b},{KK},X,\n12,{KK},Y,\n'.encode()
    lone_cr = f"nik,no_kk,nama\r{a},{KK},Warga\r12,{KK},Y\r".encode()
    for data in (multi_line, lone_cr):
        staged, by_rows = _both(db_session, data)
        if POSTGRES:
            assert staged == ("row path", False)
        rows_fields, _ = by_rows
        assert rows_fields[4] == [Rejected(5 if data is multi_line else 3, NIK)]
    report = import_csv(db_session, io.BytesIO(multi_line))
    assert not report.checked_in_sql and report.accepted == 2
    assert _stored(db_session, [a])[a][2] == "Jl. A\nGg. B"


# Property-based: random rows (NIKs built from near-valid parts, odd characters, quotes, padding,
# a column more or less) checked by both paths. The SQL path exists on PostgreSQL only.
_provinces = st.sampled_from(["33", "91", "10", "00", "99", "11"])
_two = st.integers(0, 99).map(lambda v: f"{v:02d}")
_nik = st.one_of(
    st.builds(lambda p, r, d, day, m, y, s: f"{p}{r}{d}{day}{m}{y}{s}", _provinces, _two, _two,
              st.integers(0, 99).map(lambda v: f"{v:02d}"), st.integers(0, 14).map(lambda v: f"{v:02d}"),
              _two, st.sampled_from(["0000", "0001", "9999", "1234"])),
    st.text(alphabet="0123456789 -.a\u0663", max_size=18),
)
_value = st.text(alphabet='ab ,"\t\\\u00a0\u2003é1.9', max_size=8)
_desil = st.one_of(st.integers(-1, 12).map(str), st.sampled_from(["05", "010", "0010", "00", "+5", "1e1"]), _value)
_region = st.one_of(st.sampled_from(["33", "33.01", "33.01.02", "33.01.02.2001", "3301", "33.0", "", "3.", "33..1",
                                     "33.01.02.2.01", "33.01.0.", ".3.01.02", "33.01.02.20011"]), _value)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"') else value


_row = st.tuples(_nik, st.one_of(_nik, _value), _value, _value, _region, _desil,
                 st.booleans(), st.integers(-1, 1))


def _csv(rows) -> bytes:
    lines = ["nik,no_kk,nama,alamat,kode_wilayah,desil"]
    for nik, kk, nama, alamat, region, desil, pad, width in rows:
        fields = [nik, kk, nama, alamat, region, desil][:6 + min(width, 0)]  # width -1: a column short
        if pad:
            fields = [f" {v}\u00a0" for v in fields]
        lines.append(",".join(_quoted(v) for v in fields) + "," * max(width, 0))
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.skipif(not POSTGRES, reason="the SQL path runs on PostgreSQL; SQLite has the row path only")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=40))
def test_sql_checks_agree_with_the_row_checks(db_session, rows):
    staged, by_rows = _both(db_session, _csv(rows))
    assert staged[1] is True
    assert staged[0] == by_rows[0]


def test_tricky_file_in_tiny_chunks_gives_the_same_report(db_session, monkeypatch):
    """Chunk borders inside CRLF and inside multi-byte characters change nothing."""
    import workflows.dtks_sql

    n = _niks()
    data = tricky(n)[0].encode()
    whole = _outcome(db_session, data, staged=True)
    monkeypatch.setattr(workflows.dtks_sql, "CHUNK", 7)
    assert _outcome(db_session, data, staged=True) == whole
    assert whole[1] is POSTGRES


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab ,"\t\\\u00a0é\x00', max_size=30))
def test_split_line_reads_one_line_as_pythons_csv(line):
    """`split_line` (its grammar is the SQL path's) splits a line as csv.reader does, or says a quote stays open."""
    import csv

    from workflows.dtks_sql import split_line

    reader = csv.reader(io.StringIO(line + "\nnext\n", newline=""))
    record = next(reader)
    fields = split_line(line)
    if fields is None:
        assert reader.line_num > 1  # the record ran on into the next line
    else:
        assert reader.line_num == 1 and fields == record


def test_whitespace_list_is_what_str_strip_removes():
    from workflows.dtks_checks import WHITESPACE

    assert WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@pytest.mark.parametrize("chunk", [3, 4, 5, 6, 7, 8, 64])
def test_padding_seen_across_chunk_borders(db_session, monkeypatch, chunk):
    """The SQL path trims fields only when the streamed bytes may hold padding: a lone space next to a
    comma, a quote or a line's end is found wherever the chunks are cut, and the report and rows come
    out as row by row."""
    import workflows.dtks_sql

    a, b, c, d = niks(4)
    data = (f"nik,no_kk,nama,alamat\n{a} ,{KK},Warga,Jl. A\n{b},{KK}, Budi,x\n{c},{KK},\"Sri \",y\n"
            f"{d},{KK},Ani,Gg. 2 ").encode()
    monkeypatch.setattr(workflows.dtks_sql, "CHUNK", chunk)
    staged, by_rows = _both(db_session, data)
    assert staged[1] is (True if POSTGRES else False)
    assert staged[0] == by_rows[0] and staged[0][1] == 4
    if POSTGRES:
        report = ImportReport()
        assert import_staged(db_session, io.BytesIO(data), report)
        stored = _stored(db_session, [a, b, c, d])
        db_session.rollback()
        assert [stored[n][1:3] for n in (a, b, c, d)] == [("Warga", "Jl. A"), ("Budi", "x"), ("Sri", "y"),
                                                          ("Ani", "Gg. 2")]


@pytest.mark.skipif(not POSTGRES, reason="building the indexes after a first load is part of the SQL path, "
                    "which runs on PostgreSQL only (CI runs it there); SQLite imports row by row")
@pytest.mark.parametrize("columns", [False, True])
def test_first_load_builds_the_indexes_after_the_rows(db_session, monkeypatch, columns):
    """Into an empty table, a big enough file goes in without dtks's indexes, which are built again
    afterwards: the same primary key (so a duplicate NIK still cannot get in), the same report."""
    from sqlalchemy import text

    import workflows.dtks_sql

    def indexes():
        return db_session.execute(text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisprimary FROM pg_index "
            "WHERE indrelid = 'dtks'::regclass ORDER BY 1")).all()

    a, b, c = niks(3)
    data = f"nik,no_kk,nama\n{a},{KK},A\n{b},{KK},B\n{a},{KK},A lagi\n{c},123,C\n".encode()
    before = indexes()
    try:
        db_session.execute(delete(Dtks))  # rolled back below
        monkeypatch.setattr(workflows.dtks_sql, "REBUILD_MIN_ROWS", 1)
        report = ImportReport()
        if columns:
            assert import_columns(db_session, io.BytesIO(data), report) is Outcome.DONE
        else:
            assert import_staged(db_session, io.BytesIO(data), report)
        assert (report.inserted, report.updated) == (2, 0)
        assert report.rejected == [Rejected(4, "NIK ganda dalam berkas ini"), Rejected(5, "nomor KK harus 16 digit")]
        assert indexes() == before and any(primary for _, _, primary in before)
        assert set(_stored(db_session, [a, b, c])) == {a, b}
        db_session.execute(text("SET LOCAL enable_seqscan = off"))  # two rows: a scan would be cheaper
        plan = "\n".join(db_session.scalars(text("EXPLAIN SELECT * FROM dtks WHERE nik = :nik"), {"nik": a}))
        assert "Index Scan using pk_dtks" in plan  # a lookup by NIK is one probe of the rebuilt key
        # The key compares NIKs as bytes (migration 0033), also when rebuilt from the catalogue's definition.
        assert db_session.scalar(text(
            "SELECT c.collname FROM pg_index AS i JOIN pg_collation AS c ON c.oid = i.indcollation[0] "
            "WHERE i.indexrelid = 'pk_dtks'::regclass")) == "C"
    finally:
        db_session.rollback()


@pytest.mark.skipif(not POSTGRES, reason="the SQL paths run on PostgreSQL; SQLite has the row path only")
@pytest.mark.parametrize(("name", "body", "sorts"), [
    ("no NIK twice", "A,{a},{kk}\nB,{b},{kk}\n", [False]),
    ("a NIK again after its line was rejected", "A,{a},123\nA,{a},{kk}\nB,{b},{kk}\n", [False]),
    ("a NIK accepted twice", "A,{a},{kk}\nB,{b},{kk}\nA lagi,{a},{kk}\n", [False, True]),
])
@pytest.mark.parametrize("rebuild", [False, True])
@pytest.mark.parametrize("columns", [False, True])
def test_first_load_leaves_duplicates_to_the_primary_key(db_session, monkeypatch, name, body, sorts, rebuild, columns):
    """Into an empty dtks neither SQL path sorts for duplicates: the primary key (rebuilt after the rows, or
    kept) refuses a NIK accepted twice, and the file is then checked again with the sort. Either way the
    report and the rows are the row path's; into a filled table the sort comes first."""
    import workflows.dtks_columns
    import workflows.dtks_sql

    a, b = niks(2)
    data = ("nama,nik,no_kk\n" + body.format(a=a, b=b, kk=KK)).encode()
    seen: list[bool] = []
    module = workflows.dtks_columns if columns else workflows.dtks_sql
    upsert = module.upsert_once_each

    def spy(*args, **kwargs):
        seen.append(kwargs["duplicates_found"] if "duplicates_found" in kwargs else args[-1])
        return upsert(*args, **kwargs)

    monkeypatch.setattr(module, "upsert_once_each", spy)
    monkeypatch.setattr(workflows.dtks_sql, "REBUILD_MIN_ROWS", 1 if rebuild else 10**9)
    db_session.execute(delete(Dtks))  # rolled back by _outcome
    in_sql = _outcome(db_session, data, staged=not columns, columns=columns)
    assert seen == sorts, name
    db_session.execute(delete(Dtks))
    assert in_sql == (_outcome(db_session, data, staged=False)[0], True), name
    db_session.execute(delete(Dtks).where(Dtks.nik.in_([a, b])))
    assert import_csv(db_session, io.BytesIO(b"nik,no_kk,nama\n" + f"{b},{KK},B\n".encode())).inserted == 1
    seen.clear()
    assert _outcome(db_session, data, staged=not columns, columns=columns)[1] is True
    assert seen == [True], name  # a table with rows: the sort comes first
    db_session.execute(delete(Dtks).where(Dtks.nik.in_([a, b])))
    db_session.commit()


# The CSV-column path (PostgreSQL): it takes files without quotes whose lines all have the header's
# number of fields, and gives the row path's report for them; any other file goes to the raw-line path.
_plain_value = st.text(alphabet="ab \t\\\u00a0\u2003é1.9", max_size=8)
_plain_row = st.tuples(_nik, st.one_of(_nik, _plain_value), _plain_value, _plain_value,
                       st.one_of(_region, _plain_value), st.one_of(st.integers(-1, 12).map(str), _plain_value),
                       st.booleans(), st.just(0))


@pytest.mark.skipif(not POSTGRES, reason="the SQL paths run on PostgreSQL; SQLite has the row path only")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(_plain_row, min_size=1, max_size=40), st.sampled_from(["\r\n", "\n"]))
def test_csv_column_checks_agree_with_the_row_checks(db_session, rows, newline):
    data = _csv(rows).replace(b"\r\n", newline.encode())
    columns = _outcome(db_session, data, staged=False, columns=True)
    by_rows = _outcome(db_session, data, staged=False)
    if b'"' in data:  # a field of spaces and commas only is quoted by _csv
        assert columns == (Outcome.RAW_LINES.value, False)
    else:
        assert columns[1] is True
        assert columns[0] == by_rows[0]


def _plain_tricky(n: dict[str, str]) -> tuple[bytes, list[tuple[str, str | None]]]:
    """The tricky file without the lines COPY's CSV format reads otherwise (quotes, a wrong number of
    fields, an empty line, COPY's end mark)."""
    text, lines = tricky(n)
    kept = [(line, outcome) for line, outcome in lines
            if '"' not in line and line not in ("", "\\.") and not (outcome or "").startswith("jumlah kolom")]
    kept.insert(0, (f"Maria Ibu,{n['a']},{KK},Jl. Baru Gg. 3,91.71.01.1001,005", None))  # the first of NIK a
    head = text.split("\r\n", 1)[0]
    return (head + "\r\n" + "\r\n".join(line for line, _ in kept)).encode(), kept


@pytest.mark.skipif(not POSTGRES, reason="the CSV-column path runs on PostgreSQL; SQLite has the row path only")
def test_plain_tricky_file_goes_through_csv_columns_with_the_row_report(db_session):
    n = _niks()
    data, lines = _plain_tricky(n)
    report, stored = _run(db_session, data, n, row_by_row=False)
    assert report.checked_in_sql
    expected = [Rejected(i + 2, outcome) for i, (_, outcome) in enumerate(lines) if outcome not in (None, "skip")]
    assert report.rejected == expected
    counted = [outcome for _, outcome in lines if outcome != "skip"]
    assert (report.rows, report.accepted) == (len(counted), counted.count(None))
    assert stored[n["b"]] == (KK, "Petrus Kogoya", None, "91.71.03", 2)
    assert stored[n["i"]] == (KK, "Ani\tSusanti", "\\N", None, None)
    assert stored[n["c"]] == (KK, "Yohana Wenda", "Jl. Percetakan \\ 7", None, None)
    by_rows, stored_by_rows = _run(db_session, data, n, row_by_row=True)
    assert (by_rows.rows, by_rows.accepted, by_rows.inserted, by_rows.updated, by_rows.rejected) == (
        report.rows, report.accepted, report.inserted, report.updated, report.rejected)
    assert stored_by_rows == stored
    assert _outcome(db_session, data, staged=False, columns=True)[1] is True  # it was this path


@pytest.mark.skipif(not POSTGRES, reason="the CSV-column path runs on PostgreSQL; SQLite has the row path only")
@pytest.mark.parametrize(("name", "body", "path"), [
    ("a quote", 'Ani,{a},{kk}\n"Budi",{b},{kk}\n', Outcome.RAW_LINES),
    ("a quote inside a field", 'Ani,{a},{kk}\nBu"di,{b},{kk}\n', Outcome.RAW_LINES),
    ("COPY's end mark", "Ani,{a},{kk}\n\\.\nBudi,{b},{kk}\n", Outcome.RAW_LINES),
    ("a line starting with the end mark", "Ani,{a},{kk}\n\\.x,{b},{kk}\n", Outcome.RAW_LINES),
    ("a field short", "Ani,{a},{kk}\nBudi,{b}\n", Outcome.RAW_LINES),
    ("a field more", "Ani,{a},{kk}\nBudi,{b},{kk},x\n", Outcome.RAW_LINES),
    ("an empty line", "Ani,{a},{kk}\n\nBudi,{b},{kk}\n", Outcome.RAW_LINES),
    ("a lone CR", "Ani,{a},{kk}\rBudi,{b},{kk}\n", Outcome.RAW_LINES),
    # CR and LF are left as they are for COPY, which reads a file's line ends as its first one's and refuses
    # any other CR or LF outside quotes.
    ("a lone CR in a later line", "Ani,{a},{kk}\nBu\rdi,{b},{kk}\n", Outcome.RAW_LINES),
    ("a lone CR in a CRLF file", "Ani,{a},{kk}\r\nBu\rdi,{b},{kk}\r\n", Outcome.RAW_LINES),
    ("a lone CR ending the file", "Ani,{a},{kk}\r\nBudi,{b},{kk}\r", Outcome.RAW_LINES),
    ("CRLF then LF", "Ani,{a},{kk}\r\nBudi,{b},{kk}\nAni,{a},{kk}\r\n", Outcome.RAW_LINES),
    ("LF then CRLF", "Ani,{a},{kk}\nBudi,{b},{kk}\r\nAni,{a},{kk}\n", Outcome.RAW_LINES),
    ("a field past csv's limit", "Ani,{a},{kk}\n{long},{b},{kk}\n", Outcome.ROW_BY_ROW),
    ("a padded field before CRLF", "Ani,{a},{kk} \r\nBudi ,{b},{kk}\r\n", Outcome.DONE),
    ("a padded field before LF", "Ani,{a},{kk} \n Budi,{b},{kk}", Outcome.DONE),
    ("blank rows and CRLF", "Ani,{a},{kk}\r\n,,\r\n , ,\t\r\nBudi,{b},{kk}\r\nAni,{a},{kk}", Outcome.DONE),
])
def test_csv_column_path_takes_only_what_it_reads_as_python_does(db_session, monkeypatch, name, body, path):
    """Each file gets the row path's report through the import, whichever path reads it; the CSV-column
    path declines exactly the files it would read otherwise, wherever the chunks are cut (chunks of 3, 4
    and 5 bytes cut every mark it looks for)."""
    import workflows.dtks_sql

    a, b = niks(2)
    data = ("nama,nik,no_kk\n" + body.format(a=a, b=b, kk=KK, long="x" * (FIELD_LIMIT + 1))).encode()
    for chunk in (3, 4, 5, 64, 1 << 20):
        monkeypatch.setattr(workflows.dtks_sql, "CHUNK", chunk)
        _check_paths(db_session, data, name, path, f"{name} (chunks of {chunk} bytes)")


def _check_paths(db_session, data: bytes, name: str, path: Outcome, why: str) -> None:
    columns = _outcome(db_session, data, staged=False, columns=True)
    assert columns[0] == path.value if path is not Outcome.DONE else columns[1] is True, why
    report = ImportReport()
    try:
        from workflows.dtks import _import_in_sql

        in_sql = _import_in_sql(db_session, io.BytesIO(data), report)
        fields = (report.rows, report.accepted, report.inserted, report.updated, report.rejected)
    except DtksFileRefused as exc:
        in_sql, fields = None, str(exc)
    finally:
        db_session.rollback()
    by_rows = _outcome(db_session, data, staged=False)
    # The raw-line path leaves a lone CR to the row path (Python's csv reads it as a line break).
    assert in_sql is (path is not Outcome.ROW_BY_ROW and "lone CR" not in name), why
    if in_sql:
        assert fields == by_rows[0], why


@pytest.mark.skipif(not POSTGRES, reason="work_mem and maintenance_work_mem are PostgreSQL settings")
@pytest.mark.parametrize(("rows", "work_mem", "maintenance"), [
    (1_000, "256MB", "512MB"), (1_000_000, "256MB", "512MB"), (21_000_000, "801MB", "1602MB"),
    (100_000_000, "1GB", "2GB"),
])
def test_sort_memory_grows_with_the_file_within_bounds(db_session, rows, work_mem, maintenance):
    """A province file's sorts get the memory to stay off disk; a small file keeps the floor, a huge one the cap;
    the settings last only as long as the import's transaction."""
    from sqlalchemy import text

    from workflows.dtks_sql import size_memory

    before = db_session.scalar(text("SHOW work_mem"))
    try:
        size_memory(db_session, rows)
        assert db_session.scalar(text("SHOW work_mem")) == work_mem
        assert db_session.scalar(text("SHOW maintenance_work_mem")) == maintenance
    finally:
        db_session.rollback()
    assert db_session.scalar(text("SHOW work_mem")) == before
