"""Shared by every benchmark: command line, database preparation, timing, and the
RESULTS.md record.

Database: SQLite (a fresh file in the work directory) unless DATABASE_URL names a
PostgreSQL database. On PostgreSQL a benchmark works in its own schema
(`ligat_bench` unless --schema says otherwise), dropped and rebuilt on every run:
the database's `public` schema is never touched. The schema is built the way the
application builds it: `app.create_app()` runs the Alembic migrations, then
`app.setup.seed()` deploys the service packages and creates the demo users.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
RESULTS_JSON = ROOT / "bench" / "results.json"
DEFAULT_SCHEMA = "ligat_bench"
BENCH_PACKAGES = ("pengaduan", "pbi_jkn")
BEGIN, END = "<!-- figures:begin (written by bench/common.py) -->", "<!-- figures:end -->"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- command line -------------------------------------------------------------
def parser(description: str, sizes: dict[str, dict[str, Any]]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("size", nargs="?", default="small", choices=sorted(sizes),
                   help="tiny (pytest smoke run), small (default, seconds), large (the real figures)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override one size parameter, e.g. --set cases=5000")
    p.add_argument("--schema", default=os.environ.get("LIGAT_BENCH_SCHEMA", DEFAULT_SCHEMA),
                   help="PostgreSQL schema to (re)build and use (default ligat_bench)")
    p.add_argument("--workdir", help="directory for the SQLite file, var dir and CSV files (default: a temp dir)")
    p.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    p.add_argument("--json", help="also write this run's result as JSON to this file")
    return p


def size_params(args: argparse.Namespace, sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    params = dict(sizes[args.size])
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in params:
            raise SystemExit(f"unknown parameter {name!r}; known: {', '.join(params)}")
        params[name] = type(params[name])(value)
    return params


# -- database -----------------------------------------------------------------
@dataclass
class Target:
    """Where a run happens: database URL, PostgreSQL schema, work directory."""

    url: str
    schema: str | None
    workdir: Path

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    def engine_options(self) -> dict[str, Any]:
        # No pool_pre_ping: the app's engine tests only connections idle in the pool (workflows/pool_ping.py).
        options: dict[str, Any] = {}
        if self.schema:
            options["connect_args"] = {"options": f"-csearch_path={self.schema}"}
        return options

    def create_engine(self, **kwargs: Any):  # noqa: ANN201
        """An engine set up as the app's: the same options and the same idle-connection ping."""
        from sqlalchemy import create_engine

        from config import Config
        from workflows.pool_ping import ping_when_idle

        engine = create_engine(self.url, **(self.engine_options() | kwargs))
        ping_when_idle(engine, Config.LIGAT_DB_PING_IDLE_SECONDS)
        return engine

    def app_overrides(self) -> dict[str, Any]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "LIGAT_SCHEDULER": False,
            "LIGAT_UPLOAD_DIR": str(self.workdir / "uploads"),
            "SERVER_NAME": None,
        }

    def env(self) -> dict[str, str]:
        """Environment for a child process that must reach the same database."""
        env = dict(os.environ)
        env["LIGAT_VAR_DIR"] = str(self.workdir)
        env["LIGAT_BENCH_URL"] = self.url
        env["LIGAT_BENCH_SCHEMA"] = self.schema or ""
        env["LIGAT_BENCH_WORKDIR"] = str(self.workdir)
        return env

    @classmethod
    def from_env(cls) -> Target:
        """The target a parent process handed over through env()."""
        return cls(os.environ["LIGAT_BENCH_URL"], os.environ.get("LIGAT_BENCH_SCHEMA") or None,
                   Path(os.environ["LIGAT_BENCH_WORKDIR"]))


def make_target(args: argparse.Namespace, name: str) -> Target:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix=f"ligat-bench-{name}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        from config import database_url  # accepts postgres:// and postgresql:// spellings

        url = database_url()
        return Target(url, args.schema, workdir)
    db_file = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    return Target(f"sqlite:///{db_file}", None, workdir)


def prepare(target: Target, overrides: dict[str, Any] | None = None):  # noqa: ANN201
    """Empty schema → migrations → roles, service packages and demo users. Returns the Flask app."""
    os.environ["LIGAT_VAR_DIR"] = str(target.workdir)  # config.py reads it at import (secret key file)
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    if target.schema:
        from sqlalchemy import create_engine, text

        engine = create_engine(target.url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{target.schema}"'))
        engine.dispose()
    import logging

    from app import create_app
    from app.setup import seed

    # Only the service packages the benchmarks drive: a half-finished package elsewhere must not stop them.
    packages = target.workdir / "packages"
    for code in BENCH_PACKAGES:
        for area in ("bpmn", "forms", "letters"):
            if (ROOT / area / code).is_dir():
                shutil.copytree(ROOT / area / code, packages / area / code, dirs_exist_ok=True)
    app = create_app(target.app_overrides() | {"LIGAT_PACKAGES_DIR": str(packages)} | (overrides or {}))
    for name in ("alembic", "workflows", "app"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with app.app_context():
        seed(app)
    return app


def reopen(target: Target):  # noqa: ANN201
    """The app on the schema an earlier run left (PostgreSQL, `--reuse`), brought to the current migrations
    by `create_app()`; nothing is dropped or seeded (seeding a million cases takes about 20 minutes here)."""
    if not target.schema:
        raise SystemExit("--reuse needs DATABASE_URL (PostgreSQL) and the schema of an earlier run")
    os.environ["LIGAT_VAR_DIR"] = str(target.workdir)
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    import logging

    from app import create_app

    app = create_app(target.app_overrides())
    for name in ("alembic", "workflows", "app"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return app


def app_engine(app):  # noqa: ANN001, ANN201
    from app.extensions import db

    with app.app_context():
        return db.engine


class DatabaseCpu:
    """User+system CPU of the PostgreSQL backends serving this database, read from /proc: the database
    server's share of the machine's cores, for a CPU figure per case that counts both sides. Only when
    the server runs on this machine (else `seconds()` is None). Backends of other databases are not
    counted; the server's shared processes (WAL writer, checkpointer) are not either."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        # Its own connection, never one of the pool's (that one's backend is measured).
        self.probe = create_engine(engine.url, poolclass=NullPool) if engine.dialect.name == "postgresql" else None
        self.start = self._read() if self.probe is not None else None

    def _read(self) -> dict[int, float] | None:
        with self.probe.connect() as conn:
            pids = conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()").scalars().all()
        tick, used = os.sysconf("SC_CLK_TCK"), {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except FileNotFoundError:  # gone since, or the server is on another machine
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return used if used or not pids else None

    def seconds(self) -> float | None:
        """CPU used since this object was made (a backend started since counts whole)."""
        if self.start is None:
            return None
        end = self._read()
        self.probe.dispose()
        if end is None:
            return None
        return sum(used - self.start.get(pid, 0.0) for pid, used in end.items())


# -- timing -------------------------------------------------------------------
def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a list of numbers."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(func: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of each of `repeat` calls (after a few warm-up calls)."""
    for _ in range(warmup):
        func()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def latency(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
            "mean_ms": round(statistics.fmean(values), 2) if values else float("nan"), "n": len(values)}


# -- results ------------------------------------------------------------------
@dataclass
class Check:
    """One target of the issue: the figure, the bound and whether it was met."""

    label: str
    value: float
    bound: float
    higher_is_better: bool
    unit: str = ""

    @property
    def met(self) -> bool:
        return self.value >= self.bound if self.higher_is_better else self.value <= self.bound

    def __str__(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        return f"{self.label} {self.value:g}{self.unit} (target {sign} {self.bound:g}{self.unit}: " \
               f"{'met' if self.met else 'MISSED'})"


@dataclass
class Result:
    benchmark: str
    database: str
    size: str
    params: dict[str, Any]
    figures: dict[str, Any]
    lines: list[str]
    checks: list[Check] = field(default_factory=list)
    date: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    cpus: int = field(default_factory=lambda: os.cpu_count() or 0)
    python: str = field(default_factory=platform.python_version)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [asdict(c) | {"met": c.met} for c in self.checks]
        return data


def report(result: Result, args: argparse.Namespace) -> None:
    """Print the figures; record them in bench/RESULTS.md (and --json)."""
    print(f"\n== {result.benchmark} · {result.database} · {result.size} · {result.cpus} CPU · {result.date}")
    for line in result.lines:
        print("  " + line)
    for check in result.checks:
        print("  " + str(check))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=1, default=str))
    if not args.no_record:
        record(result)


def record(result: Result, md_path: Path = RESULTS_MD, json_path: Path = RESULTS_JSON) -> None:
    """Keep the latest run per (benchmark, database, size) in results.json and rewrite the
    figures block of RESULTS.md from it; the hand-written analysis around it stays."""
    runs = json.loads(json_path.read_text()) if json_path.exists() else []
    runs = [r for r in runs if (r["benchmark"], r["database"], r["size"]) !=
            (result.benchmark, result.database, result.size)]
    runs.append(result.to_dict())
    order = {name: i for i, name in enumerate(("engine", "inbox", "dtks", "timers", "submission", "dashboard"))}
    runs.sort(key=lambda r: (order.get(r["benchmark"], 99), r["database"], r["size"]))
    json_path.write_text(json.dumps(runs, indent=1, default=str) + "\n")
    block = [BEGIN, ""]
    current = None
    for run in runs:
        if run["benchmark"] != current:
            current = run["benchmark"]
            block += [f"### {current}", ""]
        block.append(f"**{run['database']} · {run['size']}** — {run['date']}, {run['cpus']} CPU, "
                     f"Python {run['python']}; " + ", ".join(f"{k}={v}" for k, v in run["params"].items()))
        block.append("")
        block += [f"- {line}" for line in run["lines"]]
        for c in run["checks"]:
            sign = "≥" if c["higher_is_better"] else "≤"
            block.append(f"- target: {c['label']} {c['value']:g}{c['unit']} {sign} {c['bound']:g}{c['unit']} → "
                         f"{'**met**' if c['met'] else '**missed**'}")
        block.append("")
    block.append(END)
    text = md_path.read_text() if md_path.exists() else "# Benchmark results\n\n" + BEGIN + "\n" + END + "\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    md_path.write_text(head + "\n".join(block) + tail)


def post_back_to_back(port: int, path: str, request: Callable[[], tuple[bytes | str, dict[str, str]]],
                      stop_at: float, budget: list[int], out: list, lock: threading.Lock) -> None:
    """One closed-loop client: POST `path` (body and headers from `request()`) again as soon as each answer
    arrives, until `stop_at` or the shared `budget` of posts runs out; (status, ms) of each into `out`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    mine: list[tuple[int, float]] = []
    while time.perf_counter() < stop_at:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        body, headers = request()
        t0 = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        mine.append((response.status, (time.perf_counter() - t0) * 1000))
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    with lock:
        out.extend(mine)


def run_together(worker: Callable[..., None], args: tuple, count: int, what: str,
                 ready_timeout: float = 600) -> tuple[list[Any], float]:
    """Start `count` spawned processes of `worker(*args, ready, start, results)`, start the clock once every
    one has set itself up (imports, connections: slow on a busy machine) and put `ready`, then let them go
    together. Returns what each put in `results` and the seconds from the start to the last result."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ready, start, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(*args, ready, start, results)) for _ in range(count)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=ready_timeout)
    started = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=1800) for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0, f"{what} process exited with {proc.exitcode}"
    return outcomes, elapsed
