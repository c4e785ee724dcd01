"""Run every benchmark, one after the other, each on a freshly built database:

    python -m bench [tiny|small|large] [--only engine,inbox] [--no-record] [--json-dir DIR] [--schema S]

`make bench` runs the small size (about a minute); `make bench SIZE=large` the real figures.
Figures are printed and recorded in bench/RESULTS.md (unless --no-record).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import DEFAULT_SCHEMA, ROOT

BENCHMARKS = ("engine", "inbox", "dtks", "timers", "submission", "whatsapp", "dashboard")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("size", nargs="?", default="small")
    p.add_argument("--only", help="comma-separated subset of " + ", ".join(BENCHMARKS))
    p.add_argument("--no-record", action="store_true")
    p.add_argument("--json-dir", help="write each benchmark's result to DIR/<name>.json")
    p.add_argument("--schema", default=DEFAULT_SCHEMA)
    p.add_argument("--workdir", help="parent directory for the benchmarks' work directories")
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    parent = Path(args.workdir or tempfile.mkdtemp(prefix="ligat-bench-"))
    failed = []
    started = time.perf_counter()
    if args.json_dir:
        Path(args.json_dir).mkdir(parents=True, exist_ok=True)
    for name in names:
        sub = [args.size, "--schema", args.schema, "--workdir", str(parent / name)]
        if args.no_record:
            sub.append("--no-record")
        if args.json_dir:
            sub += ["--json", str(Path(args.json_dir) / f"{name}.json")]
        # One process per benchmark: each builds its own app and database, and a broken one
        # does not hide the others' figures.
        if subprocess.run([sys.executable, "-m", f"bench.{name}", *sub], cwd=ROOT).returncode != 0:
            failed.append(name)
    print(f"\n{len(names) - len(failed)} of {len(names)} benchmarks done in {time.perf_counter() - started:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
