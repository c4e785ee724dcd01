"""One command: prepare the database, load bpmn/, start the web app and the scheduler.

    python run.py            (what `make run` does)

SQLite: one waitress process, scheduler inside. PostgreSQL: gunicorn with LIGAT_WORKERS worker
processes and the scheduler once, in this process (app/server.py).
"""

from __future__ import annotations

import os
import sys

from app import create_app
from app.scheduler import start_scheduler
from app.server import settle_heap, start_workers, thread_count, uses_workers, wait_for, worker_count
from app.setup import seed

app = create_app()


def main() -> None:
    with app.app_context():
        users = seed(app)
    host = os.environ.get("LIGAT_HOST", "127.0.0.1")
    port = int(os.environ.get("LIGAT_PORT", "5000"))
    workers = worker_count()
    multi = uses_workers(app.config["SQLALCHEMY_DATABASE_URI"], workers)
    print(f"\nLIGAT berjalan di http://{host}:{port}/  (portal warga)  ·  http://{host}:{port}/kantor/  (petugas)")
    print(f"Proses web: {workers} (gunicorn) + penjadwal di proses ini" if multi else
          "Proses web: 1 (waitress), penjadwal di dalamnya")
    if users:
        print("\nPengguna demo (matikan dengan LIGAT_DEMO_USERS=0 di produksi):")
        for role, username, password in users:
            print(f"  {role:20} {username:22} {password}")
    if multi:
        child = start_workers("app:create_app()", host, port, workers, thread_count())
        if app.config["LIGAT_SCHEDULER"]:
            start_scheduler(app)
        sys.exit(wait_for(child))
    if app.config["LIGAT_SCHEDULER"]:
        start_scheduler(app)
    from waitress import serve

    from app.portal import warm

    warm(app)  # as each gunicorn worker does before serving (app/server_hooks.py)
    settle_heap()
    serve(app, host=host, port=port, threads=thread_count())


if __name__ == "__main__":
    main()
