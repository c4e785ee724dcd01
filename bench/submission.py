"""Public submission: concurrent clients posting complaint reports (no upload) to a real server
process on localhost (bench/server.py: create_app + waitress, as run.py) for a bounded time or
count: requests/s and p95.

Each client does what the portal's script does: fetch a CSRF token (GET /lapor/token, which also
sets the session cookie), then POST /lapor with the form fields, a fresh `client_id` and
`Accept: application/json` (answer 201 with the ticket). Rate limits on public posts are raised
for the main figure (see bench/server.py); a short second run with the shipped limits shows
what one address sending that much gets (429s).

    python -m bench.submission [tiny|small|large]
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from .common import ROOT, Check, Result, Target, latency, make_target, parser, prepare, report, size_params

SIZES = {
    "tiny": {"clients": 5, "seconds": 2.0, "max_requests": 30, "shipped_seconds": 0.0},
    "small": {"clients": 50, "seconds": 10.0, "max_requests": 5_000, "shipped_seconds": 3.0},
    "large": {"clients": 50, "seconds": 60.0, "max_requests": 100_000, "shipped_seconds": 5.0},
}
VILLAGE = "91.71.01.1001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """bench/server.py in a child process; stopped (by its own pid) on exit."""

    def __init__(self, target: Target, limits: str = "raised"):
        self.port = free_port()
        env = target.env() | {"LIGAT_BENCH_PORT": str(self.port), "LIGAT_BENCH_LIMITS": limits,
                              "LIGAT_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
        self.log = open(target.workdir / f"server-{limits}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.server"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/lapor/token")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not answer in 90 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def client(port: int, stop_at: float, budget: Any, out: list, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/lapor/token")
    response = conn.getresponse()
    token = json.loads(response.read())["csrf_token"]
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "Cookie": cookie}
    mine: list[tuple[int, float]] = []
    while time.perf_counter() < stop_at:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        body = urlencode({
            "csrf_token": token, "kategori": "pengemis", "kode_wilayah": VILLAGE, "lokasi": "Simpang Entrop",
            "deskripsi": "Anak-anak mengemis di lampu merah setiap sore.", "anonim": "true",
            "client_id": uuid.uuid4().hex,
        })
        t0 = time.perf_counter()
        conn.request("POST", "/lapor", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        mine.append((response.status, (time.perf_counter() - t0) * 1000))
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    with lock:
        out.extend(mine)


def load(port: int, clients: int, seconds: float, max_requests: int) -> dict[str, Any]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    threads = [threading.Thread(target=client, args=(port, stop_at, budget, results, lock)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    ok = [ms for status, ms in results if status == 201]
    return {"seconds": round(elapsed, 2), "requests": len(results), "statuses": dict(statuses),
            "created": len(ok), "requests_per_s": round(len(results) / elapsed, 1),
            "created_per_s": round(len(ok) / elapsed, 1), "all": latency([ms for _, ms in results]),
            "created_latency": latency(ok)}


def run(target: Target, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.db import Case

    from .common import app_engine

    engine = app_engine(app)
    engine.dispose()
    figures: dict[str, Any] = {}
    with Server(target, "raised") as server:
        load(server.port, min(5, params["clients"]), 1.0, 20)  # warm-up: imports, caches, pool
        with Session(engine) as session:
            before = session.scalar(select(func.count()).select_from(Case))
        figures["raised"] = load(server.port, params["clients"], params["seconds"], params["max_requests"])
        with Session(engine) as session:
            figures["raised"]["cases_in_db"] = session.scalar(select(func.count()).select_from(Case)) - before
    if params["shipped_seconds"]:
        with Server(target, "shipped") as server:
            figures["shipped"] = load(server.port, params["clients"], params["shipped_seconds"],
                                      params["max_requests"])
    return figures


def summarize(figures: dict[str, Any], database: str, threads: str) -> tuple[list[str], list[Check]]:
    r = figures["raised"]
    lat = r["created_latency"]
    lines = [
        f"{r['requests']:,} posts in {r['seconds']} s by concurrent clients (waitress, {threads} threads, "
        f"rate limits raised): {r['created_per_s']} reports created/s; p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms; "
        f"answers {r['statuses']}; {r['cases_in_db']:,} new cases in the database",
    ]
    if "shipped" in figures:
        s = figures["shipped"]
        lines.append(f"with the shipped limits, all clients on one address: answers {s['statuses']} in "
                     f"{s['seconds']} s (p95 of all answers {s['all']['p95_ms']} ms)")
    return lines, [Check("submission p95", lat["p95_ms"], 100, False, " ms")]


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "submission")
    app = prepare(target)
    figures = run(target, app, params)
    lines, checks = summarize(figures, target.dialect, os.environ.get("LIGAT_THREADS", "8"))
    result = Result("submission", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
