"""Dashboard: every figure of `/dasbor/` and the process heatmap over many cases (seeded in bulk from
engine-made template cases, as bench/inbox.py does, opened over a year), for the head of office (every
case) and a head of bidang (their bidang only), period the last 30 days: p50 and p95 of each figure's
query, and of the whole page over HTTP.

    python -m bench.dashboard [tiny|small|large]      (large: 1,000,000 cases, 100,000 open tasks)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .common import Check, Result, app_engine, latency, make_target, parser, prepare, reopen, report, size_params, timed
from .inbox import login
from .seed import seed

SIZES = {
    "tiny": {"cases": 300, "open_tasks": 60, "repeat": 5, "days": 30},
    "small": {"cases": 20_000, "open_tasks": 2_000, "repeat": 40, "days": 30},
    "large": {"cases": 1_000_000, "open_tasks": 100_000, "repeat": 100, "days": 30},
}
BOUND_MS = 300
VIEWERS = {"kadis": "Kepala Dinas (every case)", "kabid.rehsos": "Kepala Bidang Rehsos (bidang rehsos)"}


def add_flows(engine: Any) -> int:
    """The flows each seeded complaint took (copies are written without them): start and SLA for every
    case, verification for the closed ones, at the case's opening."""
    from sqlalchemy import func, select, text
    from sqlalchemy.orm import Session

    from workflows.dashboard.flows import CaseFlow

    with engine.begin() as conn:
        for flow, where in (("f_start", ""), ("f_sla", ""), ("f_verif", " AND completed")):
            conn.execute(text(
                "INSERT INTO case_flow (case_id, process_definition_id, flow_id, taken_at) "
                f"SELECT id, process_definition_id, '{flow}', created_at FROM \"case\" "
                f"WHERE process_id = 'pengaduan'{where}"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE case_flow"))
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CaseFlow)) or 0


SPREAD_DAYS = 60  # closed in the last this many days: their durations are spread (the measured period is 30)
SHORTEST, LONGEST = 600, 60 * 86400  # seconds: ten minutes to sixty days, log-uniform


def spread_durations(engine: Any) -> int:
    """Bulk copies close within a second of opening (the engine ran their template at once), so every
    duration would fall in one histogram bucket. Give the cases closed in the last SPREAD_DAYS days
    log-uniform durations (their opening moved earlier), as real cases have, so the completion-time figure is
    measured on a histogram as wide as a real one. Done once: skipped when those durations are already spread."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        since = f"(now() AT TIME ZONE 'utc') - interval '{SPREAD_DAYS} days'"
        took = "extract(epoch from closed_at - created_at)"
    else:
        since = f"datetime('now', '-{SPREAD_DAYS} days')"
        took = "(julianday(closed_at) - julianday(created_at)) * 86400"
    with engine.begin() as conn:
        longest = conn.execute(text(
            f'SELECT max({took}) FROM "case" WHERE completed AND closed_at >= {since}')).scalar()
        if longest is None or float(longest) > 60:
            return 0
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setseed(0.14)"))
            seconds = f"exp(ln({SHORTEST}) + random() * (ln({LONGEST}) - ln({SHORTEST})))"
            moved = f"closed_at - make_interval(secs => {seconds})"
        else:
            moved = f"datetime(closed_at, '-' || (abs(random()) % {LONGEST - SHORTEST} + {SHORTEST}) || ' seconds')"
        return conn.execute(text(
            f'UPDATE "case" SET created_at = {moved} WHERE completed AND closed_at >= {since}')).rowcount


def _in_session(engine: Any, func: Callable[[Any], Any]) -> Callable[[], Any]:
    """`func(session)` as one call of the benchmark, in its own session as a request would run it."""
    def run() -> Any:
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            return func(session)
    return run


def figure_calls(engine: Any, principal: Any, filters: Any, definition_id: int) -> dict[str, Any]:
    """One callable per figure, each in its own session as a request would run it."""
    from app.dashboard.maps import report_points
    from workflows.dashboard import figures, heatmap
    from workflows.db import ProcessDefinition

    call = functools.partial(_in_session, engine)

    return {
        "volume": call(lambda s: figures.volume(s, principal, filters)),
        "open_now": call(lambda s: figures.open_now(s, principal, filters)),
        "completion_times": call(lambda s: figures.completion_times(s, principal, filters)),
        "stage_sla": call(lambda s: figures.stage_sla(s, principal, filters)),
        "backlog": call(lambda s: figures.backlog(s, principal, filters)),
        "letters_per_day": call(lambda s: figures.letters_per_day(s, principal, filters)),
        "case_list_page": call(lambda s: s.scalars(
            figures.cases_query(s, principal, filters, "masuk").limit(51)).all()),
        "map_points": call(lambda s: report_points(s, principal, filters)),
        "heatmap": call(lambda s: heatmap.heatmap(s, principal, s.get(ProcessDefinition, definition_id), filters)),
    }


def live_calls(engine: Any, principal: Any, filters: Any, definition_id: int) -> dict[str, Any]:
    """The figures the summaries and the snapshot stand in for, read from the cases as a viewer they cannot
    cover is given them (workflows/dashboard/filters.py `summaries_cover`)."""
    from workflows.dashboard import figures, heatmap
    from workflows.db import ProcessDefinition

    call = functools.partial(_in_session, engine)

    return {
        "volume": call(lambda s: figures.volume(s, principal, filters, use_summary=False)),
        "open_now": call(lambda s: figures.open_now(s, principal, filters, use_snapshot=False)),
        "completion_times": call(lambda s: figures.completion_times(s, principal, filters, use_summary=False)),
        "backlog": call(lambda s: figures.backlog(s, principal, filters, use_snapshot=False)),
        "heatmap": call(lambda s: heatmap.heatmap(s, principal, s.get(ProcessDefinition, definition_id), filters,
                                                  use_summary=False)),
    }


def check_against_live(fast: dict[str, Any], live: dict[str, Any], label: str) -> None:
    """The summaries' and the snapshot's figures say what the cases say: the same counts, and medians and
    90th percentiles within the histograms' bucket width (plus the 0.1 h the figures are rounded to)."""
    from workflows.dashboard.histogram import RESOLUTION_PERCENT

    def near(a: float | None, b: float | None) -> bool:
        return (a is None) == (b is None) and (a is None or abs(a - b) <= b * RESOLUTION_PERCENT / 100 + 0.1)

    def spreads_agree(x: dict[str, Any], y: dict[str, Any]) -> bool:
        return x["jumlah"] == y["jumlah"] and all(near(x[k], y[k]) for k in ("median_jam", "p90_jam"))

    assert fast["volume"]["total"] == live["volume"]["total"], label
    assert fast["open_now"] == live["open_now"], (label, fast["open_now"], live["open_now"])
    times, live_times = fast["completion_times"], live["completion_times"]
    assert spreads_agree(times["semua"], live_times["semua"]), (label, times["semua"], live_times["semua"])
    assert [t["kunci"] for t in times["lini"]] == [t["kunci"] for t in live_times["lini"]], label
    for a, b in zip(times["lini"], live_times["lini"], strict=True):
        assert spreads_agree(a, b), (label, a, b)
    assert [(b["lini"], b["tahap"], b["jumlah"]) for b in fast["backlog"]] == \
        [(b["lini"], b["tahap"], b["jumlah"]) for b in live["backlog"]], label
    for a, b in zip(fast["backlog"], live["backlog"], strict=True):
        assert spreads_agree(a, b), (label, a, b)


def measure(app: Any, engine: Any, repeat: int, days: int) -> dict[str, Any]:
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.security import principal_for
    from workflows.dashboard import figures, heatmap
    from workflows.dashboard.filters import Filters
    from workflows.issued_letters import office_today

    end = office_today()
    filters = Filters(end - timedelta(days=days - 1), end)
    with Session(engine) as session:
        definition_id = heatmap.definition_of(session, "pengaduan").id
    out: dict[str, Any] = {}
    for username, label in VIEWERS.items():
        with app.app_context():
            from app.extensions import db

            principal = principal_for(db.session.scalar(select(User).where(User.username == username)))
        calls = figure_calls(engine, principal, filters, definition_id)
        live = live_calls(engine, principal, filters, definition_id)
        with Session(engine) as session:
            volume = figures.volume(session, principal, filters)["total"]
        # The summaries and the snapshot must say what the cases say.
        check_against_live({name: calls[name]() for name in live}, {name: func() for name, func in live.items()},
                           label)

        client = app.test_client()
        login(client, username)

        def page(client: Any = client) -> None:
            response = client.get("/dasbor/")
            assert response.status_code == 200, response.status_code

        out[username] = {"label": label, "in_period": volume["masuk"], "closed_in_period": volume["selesai"],
                         "figures": {name: latency(timed(func, repeat)) for name, func in calls.items()},
                         "live": {name: latency(timed(func, max(3, repeat // 20))) for name, func in live.items()},
                         "page": latency(timed(page, repeat))}
    return out


def build_summaries(engine: Any) -> tuple[float, float]:
    """What the scheduler keeps up to date: the daily summaries, every day (seconds), then the snapshot of
    what is open now (seconds, as the scheduler's every-minute job takes it)."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from workflows.dashboard import snapshot, summary

    started = time.perf_counter()
    with Session(engine) as session:
        summary.refresh(session, None)
        session.commit()
    summary_seconds = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with Session(engine) as session:
        snapshot.take(session)
        session.commit()
    snapshot_seconds = round(time.perf_counter() - started, 2)
    if engine.dialect.name == "postgresql":  # fresh tables: give the planner their sizes
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("dash_case_day", "dash_task_day", "dash_flow_day", "dash_duration_day", "dash_open_task",
                          "dash_open_case"):
                conn.execute(text(f"ANALYZE {table}"))
    return summary_seconds, snapshot_seconds


def run(app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.db import Case, InboxTask

    engine = app_engine(app)
    seeded = seed(engine, params["cases"], params["open_tasks"], rng_seed=11)
    started = time.perf_counter()
    flows = add_flows(engine)
    spread_durations(engine)
    seed_seconds = seeded.seconds + time.perf_counter() - started
    summary_seconds, snapshot_seconds = build_summaries(engine)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(Case))
        open_tasks = session.scalar(select(func.count()).select_from(InboxTask).where(InboxTask.state == "open"))
    return {"seeded_cases": seeded.written, "seed_seconds": round(seed_seconds, 1), "cases": total,
            "open_tasks": open_tasks, "case_flows": flows, "summary_seconds": summary_seconds,
            "snapshot_seconds": snapshot_seconds,
            "viewers": measure(app, engine, params["repeat"], params["days"])}


def summarize(figures: dict[str, Any]) -> tuple[list[str], list[Check]]:
    seeded = (f"seeded {figures['seeded_cases']:,} in {figures['seed_seconds']} s" if figures["seeded_cases"]
              else "the cases of the previous run, not seeded again")
    lines = [f"{figures['cases']:,} cases, {figures['open_tasks']:,} open tasks, {figures['case_flows']:,} flow rows "
             f"({seeded}; daily summaries built in {figures['summary_seconds']} s, snapshot of what is open now "
             f"taken in {figures.get('snapshot_seconds', '?')} s)"]
    checks = []
    for who in figures["viewers"].values():
        slowest = max(who["figures"].items(), key=lambda item: item[1]["p95_ms"])
        lines.append(f"{who['label']}: {who['in_period']:,} cases in the period, {who['closed_in_period']:,} closed; "
                     + ", ".join(f"{name} p95 {value['p95_ms']} ms" for name, value in who["figures"].items())
                     + f"; whole page p50 {who['page']['p50_ms']} ms, p95 {who['page']['p95_ms']} ms"
                     + " (read live, as for a viewer the summaries cannot cover: "
                     + ", ".join(f"{name} p95 {value['p95_ms']} ms" for name, value in who["live"].items()) + ")")
        checks.append(Check(f"slowest figure p95 ({slowest[0]}), {who['label']}", slowest[1]["p95_ms"], BOUND_MS,
                            False, " ms"))
    return lines, checks


def reuse(target: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Measure again on the cases an earlier run of this size left in its PostgreSQL schema (seeding a
    million cases takes about 20 minutes on this machine): the schema is brought to the current tables
    and the summaries rebuilt, nothing is seeded."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.dashboard import summary
    from workflows.dashboard.flows import CaseFlow
    from workflows.db import Base, Case, InboxTask

    app = reopen(target)  # migrations: the tables and index of 0025 too
    engine = app_engine(app)
    Base.metadata.create_all(engine, tables=[summary.TaskDay.__table__, summary.FlowDay.__table__])
    spread_durations(engine)
    summary_seconds, snapshot_seconds = build_summaries(engine)
    with Session(engine) as session:
        figures = {"seeded_cases": 0, "seed_seconds": 0.0, "summary_seconds": summary_seconds,
                   "snapshot_seconds": snapshot_seconds,
                   "cases": session.scalar(select(func.count()).select_from(Case)),
                   "open_tasks": session.scalar(select(func.count()).select_from(InboxTask)
                                                .where(InboxTask.state == "open")),
                   "case_flows": session.scalar(select(func.count()).select_from(CaseFlow))}
    figures["viewers"] = measure(app, engine, params["repeat"], params["days"])
    return figures


def main(argv: list[str] | None = None) -> Result:
    p = parser(__doc__.splitlines()[0], SIZES)
    p.add_argument("--reuse", action="store_true", help="PostgreSQL: measure on the cases a previous run left")
    args = p.parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "dashboard")
    if args.reuse:
        figures = reuse(target, params)
    else:
        figures = run(prepare(target), params)
    lines, checks = summarize(figures)
    result = Result("dashboard", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
