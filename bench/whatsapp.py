"""WhatsApp webhook: concurrent senders posting signed Cloud API webhook bodies (one text
message each, every message id new) to /whatsapp/webhook of a real server process on localhost
(bench/server.py: create_app + waitress, as run.py), for a bounded time or count: how fast the
webhook answers (p95) while it checks the signature, deduplicates and queues. Then the queue
worker, in this process as the scheduler runs it, answers what was queued (conversation step +
reply through the adapter to the in-process stand-in): messages handled per second.

    python -m bench.whatsapp [tiny|small|large]
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections import Counter
from typing import Any

from .common import Check, Result, latency, make_target, parser, post_back_to_back, prepare, report, size_params
from .submission import Server

SIZES = {
    "tiny": {"senders": 5, "seconds": 2.0, "max_requests": 30, "worker_max": 30},
    "small": {"senders": 50, "seconds": 10.0, "max_requests": 5_000, "worker_max": 500},
    "large": {"senders": 50, "seconds": 60.0, "max_requests": 100_000, "worker_max": 2_000},
}
SECRET = "bench-whatsapp-app-secret"


def _body(number: str, n: int) -> bytes:
    from app.whatsapp.standin import message_update  # the documented webhook envelope

    update = message_update(number, {"id": f"wamid.bench.{secrets.token_hex(12)}", "type": "text",
                                     "text": {"body": f"Halo {n}"}})
    return json.dumps(update).encode()


def sender(port: int, number: str, stop_at: float, budget: list[int], out: list, lock: threading.Lock) -> None:
    from workflows.whatsapp.wire import sign

    sent = [0]

    def message() -> tuple[bytes, dict[str, str]]:
        sent[0] += 1
        raw = _body(number, sent[0])
        return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, SECRET)}

    post_back_to_back(port, "/whatsapp/webhook", message, stop_at, budget, out, lock)


def load(port: int, senders: int, seconds: float, max_requests: int) -> dict[str, Any]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    numbers = [f"62819{i:08d}" for i in range(senders)]
    threads = [threading.Thread(target=sender, args=(port, number, stop_at, budget, results, lock))
               for number in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    return {"seconds": round(elapsed, 2), "requests": len(results), "statuses": dict(statuses),
            "requests_per_s": round(len(results) / elapsed, 1), "latency": latency([ms for _, ms in results])}


def work_queue(app: Any, limit: int) -> dict[str, Any]:
    """The scheduler's job on what was queued: conversation steps, then the replies sent."""
    from app.extensions import db
    from app.whatsapp.webhook import run_worker
    from workflows.notifications import dispatch_pending

    handled = sent = 0
    with app.app_context():
        t0 = time.perf_counter()
        while handled < limit:
            done = run_worker(limit=min(50, limit - handled))
            if not done:
                break
            handled += done
        handle_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        while True:
            batch = dispatch_pending(db.session, limit=100)
            sent += batch
            if not batch:
                break
        send_s = time.perf_counter() - t1
        db.session.remove()
    return {"handled": handled, "handled_per_s": round(handled / handle_s, 1) if handle_s else 0.0,
            "replies_sent": sent, "sent_per_s": round(sent / send_s, 1) if send_s else 0.0}


def run(target: Any, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.whatsapp.models import WaInbound

    from .common import app_engine

    engine = app_engine(app)
    engine.dispose()
    figures: dict[str, Any] = {}
    with Server(target, "raised") as server:
        load(server.port, min(5, params["senders"]), 1.0, 20)  # warm-up: imports, caches, pool
        with Session(engine) as session:
            before = session.scalar(select(func.count()).select_from(WaInbound))
        figures["webhook"] = load(server.port, params["senders"], params["seconds"], params["max_requests"])
        with Session(engine) as session:
            figures["webhook"]["queued"] = session.scalar(select(func.count()).select_from(WaInbound)) - before
    figures["worker"] = work_queue(app, params["worker_max"])
    return figures


def summarize(figures: dict[str, Any], threads: str) -> tuple[list[str], list[Check]]:
    w, q = figures["webhook"], figures["worker"]
    lat = w["latency"]
    lines = [
        f"{w['requests']:,} signed webhook posts in {w['seconds']} s by concurrent senders "
        f"(waitress, {threads} threads): {w['requests_per_s']} answers/s; p50 {lat['p50_ms']} ms, "
        f"p95 {lat['p95_ms']} ms; answers {w['statuses']}; {w['queued']:,} messages queued",
        f"queue worker (scheduler job, in process): {q['handled']:,} messages handled at {q['handled_per_s']}/s, "
        f"{q['replies_sent']:,} replies sent through the adapter to the stand-in at {q['sent_per_s']}/s",
    ]
    return lines, [Check("webhook answer p95", lat["p95_ms"], 100, False, " ms")]


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    # The server process (a child) and this one sign with the same secret; senders are not throttled
    # by the per-number limit for the main figure (each sender posts far more than a person would).
    os.environ["LIGAT_WHATSAPP_APP_SECRET"] = SECRET
    os.environ["LIGAT_WHATSAPP_RATE_PER_MINUTE"] = "1000000"
    target = make_target(args, "whatsapp")
    app = prepare(target)
    figures = run(target, app, params)
    lines, checks = summarize(figures, os.environ.get("LIGAT_THREADS", "8"))
    result = Result("whatsapp", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
