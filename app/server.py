"""How the web app is served. SQLite (one writer): one waitress process with its threads and the
scheduler inside. PostgreSQL: gunicorn with `LIGAT_WORKERS` worker processes (default: one per
CPU core, at least two), each `LIGAT_THREADS` threads; the scheduler then runs once, in the
process that started gunicorn (run.py), never in a worker: its jobs are safe to run twice, but
N copies polling the same tables would only cost the database.

Workers build their own app (`app:create_app()`) after the parent has migrated the database and
deployed the packages, so they start with LIGAT_MIGRATE_ON_START=0 and LIGAT_SCHEDULER=0.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# One worker per core × 8 threads: measured against 3 × 4 and 4 × 2 on 2 cores (bench/RESULTS.md,
# "Submission, round four"), it created the most reports a second for the least CPU each.
DEFAULT_THREADS = 8
# Seconds gunicorn keeps an idle connection open; a client must not reuse one idle this long.
KEEP_ALIVE_SECONDS = 5
ROOT = Path(__file__).resolve().parent.parent


def settle_heap() -> None:
    """Before a server process takes its first request, after it has built its app and warmed its data: move
    everything it holds by then (modules, mappers, templates, the region index: about 260,000 objects) out of
    the garbage collector's full collections. Each of those walked all of them, 60-130 ms inside whichever
    request it fell in, one request in a hundred or so; they now walk only what requests made since."""
    gc.collect()
    gc.freeze()


def worker_count() -> int:
    """LIGAT_WORKERS, or one per core (at least two: one slow request never stalls the office)."""
    value = os.environ.get("LIGAT_WORKERS")
    return max(1, int(value)) if value else max(2, os.cpu_count() or 1)


def thread_count() -> int:
    return max(1, int(os.environ.get("LIGAT_THREADS", DEFAULT_THREADS)))


def uses_workers(database_url: str, workers: int) -> bool:
    """Several processes only on PostgreSQL: SQLite has one writer, so more processes would only wait."""
    return database_url.startswith("postgresql") and workers > 1


def gunicorn_command(target: str, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", target, "--chdir", str(ROOT),
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread" if threads > 1 else "sync",
        # A report with five photos on a slow phone network still arrives; a stuck worker is replaced.
        "--timeout", "120", "--graceful-timeout", "30", "--keep-alive", str(KEEP_ALIVE_SECONDS),
        # Workers are recycled now and then (with jitter, not all at once) so no leak grows unbounded.
        "--max-requests", "20000", "--max-requests-jitter", "2000",
        "--config", "python:app.server_hooks",  # each worker warms the portal's data before serving
        "--no-control-socket",  # its default path is per user: two installations on one machine would collide
        # Without the option gunicorn builds no access line at all (with /dev/null it formats each one).
        *(["--access-logfile", "-"] if os.environ.get("LIGAT_ACCESS_LOG") else []),
    ]


def start_workers(target: str, host: str, port: int, workers: int, threads: int,
                  env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """gunicorn in a child process; the caller keeps the scheduler (LIGAT_SCHEDULER=0 in workers)."""
    child_env = dict(os.environ) | {"LIGAT_SCHEDULER": "0", "LIGAT_MIGRATE_ON_START": "0"} | dict(env or {})
    return subprocess.Popen(gunicorn_command(target, host, port, workers, threads), env=child_env)


def wait_for(child: subprocess.Popen) -> int:
    """Block until gunicorn ends; a SIGTERM or Ctrl-C to this process stops it gracefully first."""
    def stop(signum: int, _frame: object) -> None:
        child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return child.wait()
