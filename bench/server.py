"""A LIGAT web process for the submission benchmark: what run.py serves (create_app + waitress),
on the benchmark's database and port, without the scheduler.

    LIGAT_BENCH_URL=... LIGAT_BENCH_PORT=... python -m bench.server

Rate limits: LIGAT_BENCH_LIMITS=shipped keeps the configured limits; otherwise the limits on public
report posts are raised far above the load (the limiter still runs, so its cost is measured, but
50 clients from one address are not turned away as one abusive client would be).
"""

from __future__ import annotations

import os

from .common import ROOT, Target

RAISED = {"LIGAT_RATELIMIT_REPORT": "1000000 per minute", "LIGAT_RATELIMIT_REPORT_GLOBAL": "10000000 per hour"}


def main() -> None:
    target = Target.from_env()
    os.environ["LIGAT_VAR_DIR"] = str(target.workdir)
    from waitress import serve

    from app import create_app

    overrides = target.app_overrides() | {"LIGAT_PACKAGES_DIR": str(target.workdir / "packages"),
                                          "LIGAT_MIGRATE_ON_START": False}
    if os.environ.get("LIGAT_BENCH_LIMITS") != "shipped":
        overrides |= RAISED
    app = create_app(overrides)
    serve(app, host="127.0.0.1", port=int(os.environ["LIGAT_BENCH_PORT"]),
          threads=int(os.environ.get("LIGAT_THREADS", "8")), _quiet=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
