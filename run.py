"""One command: prepare the database, load bpmn/, start the web app and the scheduler.

    python run.py            (what `make run` does)
"""

from __future__ import annotations

import os

from app import create_app
from app.scheduler import start_scheduler
from app.setup import seed

app = create_app()


def main() -> None:
    with app.app_context():
        users = seed(app)
    host = os.environ.get("LIGAT_HOST", "127.0.0.1")
    port = int(os.environ.get("LIGAT_PORT", "5000"))
    print(f"\nLIGAT berjalan di http://{host}:{port}/  (portal warga)  ·  http://{host}:{port}/kantor/  (petugas)")
    if users:
        print("\nPengguna demo (matikan dengan LIGAT_DEMO_USERS=0 di produksi):")
        for role, username, password in users:
            print(f"  {role:20} {username:22} {password}")
    if app.config["LIGAT_SCHEDULER"]:
        start_scheduler(app)
    from waitress import serve

    serve(app, host=host, port=port, threads=int(os.environ.get("LIGAT_THREADS", "8")))


if __name__ == "__main__":
    main()
