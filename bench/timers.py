"""Timers: cases waiting on a due SLA timer (seeded in bulk from an engine-made case) woken by
two scheduler processes at once (`wake_due_timers`, as app/scheduler.py runs it); timers/s, and a
check that every timer fired exactly once (one `timer_fired` audit event and one escalation task
per case).

    python -m bench.timers [tiny|small|large]      (large: 10,000 cases)
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from typing import Any

from .common import (
    Check,
    Result,
    Target,
    app_engine,
    make_target,
    parser,
    prepare,
    report,
    run_together,
    size_params,
)
from .seed import Copy, Seeder, capture, ticker

SIZES = {"tiny": {"cases": 60, "schedulers": 2}, "small": {"cases": 1_500, "schedulers": 2},
         "large": {"cases": 10_000, "schedulers": 2}}
VILLAGE = "91.71.01.1001"
DUE_IN_S = 2


def make_template(engine: Any) -> Any:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from workflows import cases
    from workflows.db import InboxTask
    from workflows.principal import OPERATOR, Principal

    with Session(engine) as session:
        data = {"kategori": "gelandangan", "deskripsi": "Gelandangan tidur di emperan pasar", "lokasi": "Pasar Youtefa",
                "kode_wilayah": VILLAGE, "sla_lapangan": f"PT{DUE_IN_S}S"}
        case = cases.start_case(session, "pengaduan", data, "warga", region_code=VILLAGE, category="gelandangan",
                                title=data["deskripsi"])
        row = session.scalar(select(InboxTask.id).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
        operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
        cases.complete_task(session, row, operator, {"keputusan": "valid"})
        template = capture(session, case.id, "timer", (VILLAGE,))
    assert template.case["next_timer_at"] is not None, "template case has no due timer"
    return template


def scheduler(target: Target, ready: Any, start: Any, results: Any) -> None:
    """One scheduler process: wake due timers until none is left."""
    import logging

    from sqlalchemy import event, func, select
    from sqlalchemy.orm import Session

    from workflows.db import Case, utcnow
    from workflows.timers import wake_due_timers

    logging.basicConfig(level=logging.WARNING)
    engine = target.create_engine()
    statements = [0]  # an executemany counts once: one round trip

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        statements[0] += 1

    backends: dict[int, float] = {}  # PostgreSQL server process → its CPU seconds when connected

    @event.listens_for(engine, "connect")
    def backend(dbapi_connection: Any, _record: Any) -> None:
        if target.dialect == "postgresql":
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            backends[pid] = _process_cpu(pid) or 0.0

    woken = calls = errors = 0
    with engine.connect():  # connected (and imported) before the clock starts
        pass
    ready.put(True)
    start.wait(600)
    started, cpu = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        while True:
            try:
                woken += wake_due_timers(session)
            except Exception as exc:  # a lost SQLite lock: the scheduler simply tries again next round
                session.rollback()
                errors += 1
                if errors > 1000:
                    raise RuntimeError("scheduler keeps failing") from exc
            calls += 1
            left = session.scalar(select(func.count()).select_from(Case).where(
                Case.next_timer_at.is_not(None), Case.next_timer_at <= utcnow(), Case.completed.is_(False)))
            session.rollback()
            if not left:
                break
    # CPU time of this process only (the database server's is not in it): the figure to compare runs by on a
    # shared machine, where the wall time depends on what else runs.
    cpu = time.process_time() - cpu
    # The server's share, when it runs on this machine (its processes are readable in /proc).
    server = [now - then for pid, then in backends.items() if (now := _process_cpu(pid)) is not None]
    results.put({"woken": woken, "calls": calls, "errors": errors, "seconds": time.perf_counter() - started,
                 "cpu_s": cpu, "server_cpu_s": sum(server) if server else None, "statements": statements[0]})
    engine.dispose()


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process of this machine (Linux), None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(target: Target, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.regions import villages
    from workflows.db import AuditEvent, Case, InboxTask, utcnow

    engine = app_engine(app)
    template = make_template(engine)
    codes = [code for code, _ in villages("91.71")]
    rng = random.Random(3)
    seeder = Seeder(engine, rng)

    def plan():  # noqa: ANN202
        for _ in range(params["cases"] - 1):
            village = rng.choice(codes)
            yield template, Copy(region_code=village, replace={VILLAGE: village},
                                 age=timedelta(minutes=rng.uniform(0, 60)))

    seeder.write(plan(), ticker("seeded cases", params["cases"]))
    ids = [template.case["id"], *seeder.case_ids]
    engine.dispose()
    wait = (template.case["next_timer_at"] - utcnow()).total_seconds()
    if wait > 0:
        time.sleep(wait + 0.2)

    # Every scheduler has imported and connected before the clock starts (slow on a busy machine).
    workers, elapsed = run_together(scheduler, (target,), params["schedulers"], "scheduler")

    with Session(engine) as session:
        fired = dict(session.execute(
            select(AuditEvent.case_id, func.count()).where(AuditEvent.action == "timer_fired")
            .group_by(AuditEvent.case_id)).all())
        escalations = dict(session.execute(
            select(InboxTask.case_id, func.count()).where(InboxTask.task_name == "tinjau_eskalasi")
            .group_by(InboxTask.case_id)).all())
        escalated = session.scalar(select(func.count()).select_from(Case).where(Case.escalated.is_(True)))
    once = sum(1 for i in ids if fired.get(i) == 1 and escalations.get(i) == 1)
    twice = sum(1 for i in ids if fired.get(i, 0) > 1 or escalations.get(i, 0) > 1)
    never = sum(1 for i in ids if not fired.get(i))
    woken = sum(w["woken"] for w in workers) or 1
    return {"cases": len(ids), "seconds": round(elapsed, 2), "timers_per_s": round(len(ids) / elapsed),
            "cpu_ms_per_wake": round(1000 * sum(w["cpu_s"] for w in workers) / woken, 2),
            "statements_per_wake": round(sum(w["statements"] for w in workers) / woken, 2),
            "server_cpu_ms_per_wake": (round(1000 * sum(w["server_cpu_s"] for w in workers) / woken, 2)
                                       if all(w.get("server_cpu_s") is not None for w in workers) else None),
            "fired_once": once, "fired_more_than_once": twice, "never_fired": never, "escalated": escalated,
            "workers": workers}


def summarize(figures: dict[str, Any]) -> tuple[list[str], list[Check]]:
    shares = ", ".join(f"{w['woken']:,} ({w['errors']} lost lock retries)" for w in figures["workers"])
    lines = [
        f"{figures['cases']:,} due timers woken by {len(figures['workers'])} scheduler processes in "
        f"{figures['seconds']} s = {figures['timers_per_s']:,} timers/s; woken per process: {shares}",
        f"exactly once: {figures['fired_once']:,} of {figures['cases']:,} (more than once: "
        f"{figures['fired_more_than_once']}, never: {figures['never_fired']})",
    ]
    if "cpu_ms_per_wake" in figures:
        server = figures.get("server_cpu_ms_per_wake")
        lines.append(f"per wake, in the scheduler processes: {figures['cpu_ms_per_wake']} ms CPU"
                     + (f" (+ {server} ms in their PostgreSQL server processes)" if server is not None else "")
                     + f", {figures['statements_per_wake']} SQL statements (the count of due cases left after "
                     f"each call included; an executemany counts once)")
    return lines, [Check("timers/s", figures["timers_per_s"], 500, True)]


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "timers")
    app = prepare(target)
    figures = run(target, app, params)
    lines, checks = summarize(figures)
    result = Result("timers", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
