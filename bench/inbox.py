"""Inbox: many cases with open tasks spread over roles, bidang and regions (seeded in bulk from
engine-made template cases); the inbox query and the full inbox page (HTTP through the Flask test
client, logged in) for an office-wide operator and a kelurahan officer: p50 and p95.

    python -m bench.inbox [tiny|small|large]      (large: 1,000,000 cases, 100,000 open tasks)
    python -m bench.inbox large --reuse          (PostgreSQL: the cases an earlier run of this size left)
"""

from __future__ import annotations

import gc
import os
import re
import time
from typing import Any

from .common import Check, Result, app_engine, latency, make_target, parser, prepare, reopen, report, size_params, timed
from .seed import PBI_OFFICER, seed

SIZES = {
    "tiny": {"cases": 300, "open_tasks": 60, "repeat": 5},
    "small": {"cases": 20_000, "open_tasks": 2_000, "repeat": 60},
    "large": {"cases": 1_000_000, "open_tasks": 100_000, "repeat": 200},
}
DEEP_PAGE = 20  # the page measured besides the first (rows 951-1000), reached by 19 "next" links
PRINCIPALS = {"operator": "Operator Dinsos (office-wide)", PBI_OFFICER: "Petugas Kelurahan (district 91.71.03)"}


def login(client: Any, username: str) -> None:
    from app.security import DEMO_PASSWORD

    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|id="csrf_token"[^>]*value="([^"]+)"', html)
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD,
                                            "csrf_token": token.group(1) or token.group(2)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "login failed"


def measure(app: Any, engine: Any, repeat: int) -> dict[str, Any]:
    from app.server import settle_heap

    # The pages run in this process as in a server's worker, whose heap is settled once it has started: else
    # the garbage collector's full collections walk everything the process holds (about 260,000 objects,
    # 60-130 ms each, one page in a hundred or so) and the CPU a page measures them too.
    settle_heap()
    try:
        return {username: measure_one(app, engine, repeat, username, label) for username, label in PRINCIPALS.items()}
    finally:
        gc.unfreeze()  # as it was (the tests run this in their own process)


def measure_one(app: Any, engine: Any, repeat: int, username: str, label: str) -> dict[str, Any]:
    """The query, the first page and a page further on, of one person."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.security import principal_for
    from app.views.inbox import PAGE_SIZE
    from workflows.inbox import inbox_query, inbox_rows

    with app.app_context():
        from app.extensions import db

        principal = principal_for(db.session.scalar(select(User).where(User.username == username)))
    with Session(engine) as session:
        visible = session.scalar(select(func.count()).select_from(inbox_query(principal).order_by(None).subquery()))
        shown = len(inbox_rows(session, principal, limit=PAGE_SIZE + 1))

    # The page's own query: its rows and one more (is there a next page?), as plain tuples.
    def query(principal: Any = principal) -> None:
        with Session(engine) as session:
            inbox_rows(session, principal, limit=PAGE_SIZE + 1)

    client = app.test_client()
    login(client, username)

    def page(client: Any = client, url: str = "/inbox/") -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    body = client.get("/inbox/").get_data(as_text=True)
    rows_on_page = body.count("data-task-id=")
    statements = page_statements(engine, page)
    # A page further on, as an officer reaches it: following the "next" links (keys), shown apart; and the
    # same page by its number (`?hal=`, the old links: an offset, reading every row before it).
    deep = min(DEEP_PAGE, max(1, -(-visible // PAGE_SIZE)))
    deep_url, deep_key = follow_next(client, deep - 1)

    def deep_page(client: Any = client, url: str = deep_url) -> None:
        page(client, url)

    def deep_by_number(client: Any = client, url: str = f"/inbox/?hal={deep}") -> None:
        page(client, url)

    def deep_query(principal: Any = principal, key: Any = deep_key) -> None:
        with Session(engine) as session:
            inbox_rows(session, principal, limit=PAGE_SIZE + 1, after=key)

    # The page's CPU time in this process (Flask, the test client; not PostgreSQL's): on a shared machine
    # the wall time is this plus the time spent waiting for a core.
    started = time.process_time()
    page_ms = timed(page, repeat)
    cpu_ms = (time.process_time() - started) * 1000 / (repeat + 3)  # timed() warms up with 3 calls
    deep_repeat = max(5, repeat // 4)
    started = time.process_time()
    deep_ms = timed(deep_page, deep_repeat)
    deep_cpu_ms = (time.process_time() - started) * 1000 / (deep_repeat + 3)
    return {"label": label, "visible_tasks": visible, "rows_shown": shown, "rows_on_page": rows_on_page,
            "query": latency(timed(query, repeat)), "page": latency(page_ms),
            "page_cpu_ms": round(cpu_ms, 2), "load_average": round(os.getloadavg()[0], 1),
            "page_statements": statements,
            "deep_page_number": deep,
            "deep_page": latency(deep_ms), "deep_page_cpu_ms": round(deep_cpu_ms, 2),
            "deep_query": latency(timed(deep_query, deep_repeat)),
            "deep_page_by_number": latency(timed(deep_by_number, deep_repeat)),
            "deep_sql": deep_sql(engine, principal, deep, deep_key)}


def page_statements(engine: Any, page: Any) -> int:
    """SQL statements one page sends (a figure the machine's load does not move)."""
    from sqlalchemy import event

    seen: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        page()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return len(seen)


def deep_sql(engine: Any, principal: Any, page: int, key: Any) -> dict[str, Any]:
    """PostgreSQL only: what the server does for the deep page's statement, by key and by offset (EXPLAIN
    ANALYZE: buffers touched and execution time; the buffers do not move with the machine's load)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.views.inbox import PAGE_SIZE
    from workflows.inbox import inbox_rows

    if engine.dialect.name != "postgresql":
        return {}
    out = {}
    for name, kwargs in (("key", {"after": key}), ("offset", {"offset": (page - 1) * PAGE_SIZE})):
        seen: list[tuple[str, Any]] = []

        def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool,
                 seen: list = seen) -> None:
            seen.append((statement, parameters))

        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", keep)
            try:
                inbox_rows(session, principal, limit=PAGE_SIZE + 1, **kwargs)
            finally:
                event.remove(engine, "before_cursor_execute", keep)
            statement, parameters = seen[-1]
            plan = session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).scalar()[0]
        top = plan["Plan"]
        out[name] = {"buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
                     "execution_ms": round(plan["Execution Time"], 2)}
    return out


def follow_next(client: Any, times: int) -> tuple[str, Any]:
    """The URL of the page `times` "next" links after the first, and the key it starts after (None: the first)."""
    from workflows.inbox import decode_key

    url, key = "/inbox/", None
    for _ in range(times):
        nav = re.search(r'<p id="inbox-pages">(.*?)</p>', client.get(url).get_data(as_text=True), re.S)
        found = re.search(r'<a href="([^"]+)" id="inbox-next">', nav.group(1)) if nav else None
        if found is None:
            break
        url = found.group(1).replace("&amp;", "&")
        key = decode_key(re.search(r"setelah=([^&]+)", url).group(1))
    return url, key


def run(app: Any, params: dict[str, Any]) -> dict[str, Any]:
    engine = app_engine(app)
    seeded = seed(engine, params["cases"], params["open_tasks"], rng_seed=7)
    figures = {"seeded_cases": seeded.written, "seed_seconds": round(seeded.seconds, 1), **counts(engine),
               "principals": measure(app, engine, params["repeat"])}
    figures["copies_work"] = check_copies(engine, seeded.case_ids)
    return figures


def counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workflows.db import Case, InboxTask

    with Session(engine) as session:
        return {"cases": session.scalar(select(func.count()).select_from(Case)),
                "open_tasks": session.scalar(select(func.count()).select_from(InboxTask)
                                             .where(InboxTask.state == "open"))}


def reuse(target: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Measure again on the cases an earlier run of this size left in its PostgreSQL schema (this benchmark's
    or bench.dashboard's: the same seed plan), brought to the current migrations; nothing is seeded, and the
    seeded copies are not completed (the run leaves the cases as it found them)."""
    app = reopen(target)
    engine = app_engine(app)
    return {"seeded_cases": 0, "seed_seconds": 0.0, **counts(engine),
            "principals": measure(app, engine, params["repeat"])}


def check_copies(engine: Any, case_ids: list[int]) -> int:
    """Seeded copies behave like real cases: a few are completed through the engine and their
    audit chains verify. Returns how many were checked."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from workflows import audit, cases
    from workflows.db import AuditEvent, InboxTask
    from workflows.principal import OPERATOR, Principal

    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    checked = 0
    with Session(engine) as session:
        rows = session.scalars(select(InboxTask).where(
            InboxTask.case_id.in_(case_ids[:200]), InboxTask.task_name == "verifikasi",
            InboxTask.state == "open").limit(3)).all()
        for row_id, case_id in [(r.id, r.case_id) for r in rows]:
            case = cases.complete_task(session, row_id, operator, {"keputusan": "valid"})
            assert case.status == "Tindak Lanjut Lapangan", case.status
            events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                     .order_by(AuditEvent.seq)).all()
            assert audit.verify_case(list(events)) is None, f"broken chain in seeded case {case_id}"
            checked += 1
    assert checked, "no seeded case to check"
    return checked


def summarize(figures: dict[str, Any]) -> tuple[list[str], list[Check]]:
    seeded = (f"seeded {figures['seeded_cases']:,} in {figures['seed_seconds']} s" if figures["seeded_cases"]
              else "the cases of an earlier run, not seeded again")
    lines = [f"{figures['cases']:,} cases, {figures['open_tasks']:,} open tasks ({seeded})"]
    checks = []
    for who in figures["principals"].values():
        q, p = who["query"], who["page"]
        lines.append(f"{who['label']}: sees {who['visible_tasks']:,} tasks ({who['rows_on_page']} on the page); "
                     f"query p50 {q['p50_ms']} ms, p95 {q['p95_ms']} ms; page p50 {p['p50_ms']} ms, "
                     f"p95 {p['p95_ms']} ms"
                     + (f" (CPU {who['page_cpu_ms']} ms a page, load average {who['load_average']}"
                        + (f"; {who['page_statements']} SQL statements a page" if "page_statements" in who else "")
                        + ")" if "page_cpu_ms" in who else "")
                     + (f"; page {who['deep_page_number']} p50 {who['deep_page']['p50_ms']} ms, "
                        f"p95 {who['deep_page']['p95_ms']} ms" if "deep_page" in who else "")
                     + (f" (by key; its query p50 {who['deep_query']['p50_ms']} ms; the same page by number, "
                        f"`?hal=`: p50 {who['deep_page_by_number']['p50_ms']} ms, "
                        f"p95 {who['deep_page_by_number']['p95_ms']} ms)" if "deep_query" in who else "")
                     + (f"; page {who['deep_page_number']}'s SQL on the server (EXPLAIN ANALYZE) by key "
                        f"{who['deep_sql']['key']['buffers']} buffers, {who['deep_sql']['key']['execution_ms']} ms, "
                        f"by offset {who['deep_sql']['offset']['buffers']} buffers, "
                        f"{who['deep_sql']['offset']['execution_ms']} ms" if who.get("deep_sql") else ""))
        checks.append(Check(f"inbox page p95, {who['label']}", p["p95_ms"], 30, False, " ms"))
    return lines, checks


def main(argv: list[str] | None = None) -> Result:
    p = parser(__doc__.splitlines()[0], SIZES)
    p.add_argument("--reuse", action="store_true", help="PostgreSQL: measure on the cases a previous run left")
    args = p.parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "inbox")
    figures = reuse(target, params) if args.reuse else run(prepare(target), params)
    lines, checks = summarize(figures)
    result = Result("inbox", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
