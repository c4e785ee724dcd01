"""A LIGAT web server for the submission benchmark, served as run.py serves it (app/server.py):
one waitress process on SQLite, gunicorn with LIGAT_WORKERS worker processes on PostgreSQL; on the
benchmark's database and port, without the scheduler.

    LIGAT_BENCH_URL=... LIGAT_BENCH_PORT=... python -m bench.server
    LIGAT_BENCH_URL=... python -m bench.server cleaner    the scheduler's photo job in a loop

Rate limits: LIGAT_BENCH_LIMITS=shipped keeps the configured limits; otherwise the limits on public
report posts are raised far above the load (the limiter still runs, so its cost is measured, but
many clients from one address are not turned away as one abusive client would be).
"""

from __future__ import annotations

import os
import sys
import time

from .common import ROOT, Target

RAISED = {"LIGAT_RATELIMIT_REPORT": "1000000 per minute", "LIGAT_RATELIMIT_REPORT_GLOBAL": "10000000 per hour"}


def build_app():  # noqa: ANN201 (a Flask app; gunicorn calls this in each worker)
    target = Target.from_env()
    os.environ["LIGAT_VAR_DIR"] = str(target.workdir)
    from app import create_app

    overrides = target.app_overrides() | {"LIGAT_PACKAGES_DIR": str(target.workdir / "packages"),
                                          "LIGAT_MIGRATE_ON_START": False}
    if os.environ.get("LIGAT_BENCH_LIMITS") != "shipped":
        overrides |= RAISED
    return create_app(overrides)


def serve() -> None:
    from app.server import settle_heap, start_workers, thread_count, uses_workers, wait_for, worker_count

    target, port = Target.from_env(), int(os.environ["LIGAT_BENCH_PORT"])
    workers = worker_count()
    if uses_workers(target.url, workers):
        sys.exit(wait_for(start_workers("bench.server:build_app()", "127.0.0.1", port, workers, thread_count())))
    from waitress import serve as waitress_serve

    from app.portal import warm

    app = build_app()
    warm(app)
    settle_heap()  # as app/server_hooks.py does in each gunicorn worker
    waitress_serve(app, host="127.0.0.1", port=port, threads=thread_count(), _quiet=True)


def clean_photos() -> None:
    """What the scheduler does with report photos (app/scheduler.py run_media_job), every second."""
    from app.scheduler import run_media_job

    app = build_app()
    while True:
        if not run_media_job(app):
            time.sleep(1)


if __name__ == "__main__":
    os.chdir(ROOT)
    clean_photos() if sys.argv[1:] == ["cleaner"] else serve()
