"""DTKS import through the CLI (`flask --app run ligat import-dtks FILE`): good
file, bad rows reported, idempotent re-import, and no partial import of a
broken file. PostgreSQL goes through COPY + upsert, SQLite through batches."""

from __future__ import annotations

import io
import random
from pathlib import Path

from sqlalchemy import func, select

from workflows import dtks
from workflows.dtks import Dtks, DtksFileRefused, import_csv

_rng = random.Random()


def niks(count: int) -> list[str]:
    """Distinct valid NIKs (Jayapura Utara, random birth dates and serials) so tests never share rows."""
    result: set[str] = set()
    while len(result) < count:
        day = _rng.randint(1, 28) + _rng.choice((0, 40))
        result.add(f"917101{day:02d}{_rng.randint(1, 12):02d}{_rng.randint(50, 99):02d}{_rng.randint(1, 9999):04d}")
    return sorted(result)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_cli(app, path: Path):
    return app.test_cli_runner().invoke(args=["ligat", "import-dtks", str(path)])


def count(db_session, nik_list: list[str]) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Dtks).where(Dtks.nik.in_(nik_list)))


def test_good_file_then_reimport_changes_nothing_then_update(app, db_session, tmp_path):
    a, b, c = niks(3)
    text = (
        "nik,no_kk,nama,alamat,kode_wilayah,desil\n"
        f"{a},9171010101230001,Yohana Wenda,Jl. Percetakan 7,91.71.01.1001,1\n"
        f"{b},9171010101230002,Petrus Kogoya,,91.71.03,2\n"
        f"{c},9171010101230003,\"Maria, Ibu\",\"Jl. Baru, Gg. 3\",,\n"
    )
    path = write(tmp_path, "dtks.csv", text)
    result = run_cli(app, path)
    assert result.exit_code == 0, result.output
    assert "3 baris dibaca: 3 diterima (3 baru, 0 diperbarui, 0 tidak berubah), 0 ditolak." in result.output
    row = dtks.lookup(db_session, c)
    assert row.nama == "Maria, Ibu" and row.alamat == "Jl. Baru, Gg. 3" and row.desil is None
    assert dtks.lookup(db_session, b).kode_wilayah == "91.71.03"

    # Idempotent: the same file again changes nothing.
    result = run_cli(app, path)
    assert result.exit_code == 0
    assert "(0 baru, 0 diperbarui, 3 tidak berubah)" in result.output
    assert count(db_session, [a, b, c]) == 3

    # A changed row is updated in place.
    path = write(tmp_path, "dtks2.csv", text.replace("Petrus Kogoya,,91.71.03,2", "Petrus Kogoya,,91.71.03,3"))
    result = run_cli(app, path)
    assert "(0 baru, 1 diperbarui, 2 tidak berubah)" in result.output
    db_session.expire_all()
    assert dtks.lookup(db_session, b).desil == 3


def test_bad_rows_are_reported_and_skipped(app, db_session, tmp_path):
    good, other = niks(2)
    text = (
        "nik,no_kk,nama\n"
        f"{good},9171010101230001,Yohana Wenda\n"  # line 2
        "9171013202900001,9171010101230001,Tanggal Salah\n"  # line 3: day 32 is not a date
        "12345,9171010101230001,Terlalu Pendek\n"  # line 4
        f"{other},9171010101230001,\n"  # line 5: no name
        f"{other},91710101,Budi\n"  # line 6: short KK
        f"{good},9171010101230001,Ganda\n"  # line 7: duplicate NIK in the file
        f"{other},9171010101230001\n"  # line 8: a column short
    )
    result = run_cli(app, write(tmp_path, "bad.csv", text))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "baris 3: NIK tidak valid" in out
    assert "baris 4: NIK tidak valid" in out
    assert "baris 5: kolom 'nama' kosong" in out
    assert "baris 6: nomor KK harus 16 digit" in out
    assert "baris 7: NIK ganda dalam berkas ini" in out
    assert "baris 8: jumlah kolom 2, seharusnya 3" in out
    assert "7 baris dibaca: 1 diterima" in out and "6 ditolak" in out
    # No personal data in the report: neither names nor NIKs are printed.
    assert "Tanggal Salah" not in out and good not in out
    assert count(db_session, [good, other]) == 1


def test_wrong_header_imports_nothing(app, db_session, tmp_path):
    (a,) = niks(1)
    result = run_cli(app, write(tmp_path, "header.csv", f"nik;no_kk;nama\n{a};9171010101230001;Yohana\n"))
    assert result.exit_code == 1
    assert "header" in result.output and "Tidak ada data yang diimpor" in result.output
    assert count(db_session, [a]) == 0


def test_undecodable_file_imports_nothing_even_the_rows_before_the_break(app, db_session, tmp_path):
    rows = niks(300)
    lines = ["nik,no_kk,nama"] + [f"{n},9171010101230001,Warga {i}" for i, n in enumerate(rows)]
    data = ("\n".join(lines[:250]) + "\n").encode() + "Ñoño,9171010101230001,X\n".encode("latin-1")
    data += ("\n".join(lines[250:]) + "\n").encode()
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    result = run_cli(app, path)
    assert result.exit_code == 1
    assert "bukan teks UTF-8" in result.output
    assert count(db_session, rows) == 0


def test_import_function_is_one_transaction_and_reports(db_session):
    rows = niks(1200)
    text = "nik,no_kk,nama,desil\n" + "".join(f"{n},9171010101230001,Warga {i},{i % 10 + 1}\n"
                                            for i, n in enumerate(rows))
    report = import_csv(db_session, io.BytesIO(text.encode()))
    assert (report.rows, report.accepted, report.inserted, report.updated, report.rejected) == (1200, 1200, 1200, 0, [])
    assert count(db_session, rows) == 1200
    again = import_csv(db_session, io.BytesIO(text.encode()))
    assert again.unchanged == 1200 and again.inserted == 0
    try:
        import_csv(db_session, io.BytesIO(b"\xff\xfe" + text.encode("utf-16-le")))
    except DtksFileRefused:
        pass
    else:
        raise AssertionError("a UTF-16 file must be refused")
