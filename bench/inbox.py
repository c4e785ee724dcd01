"""Inbox: many cases with open tasks spread over roles, bidang and regions (seeded in bulk from
engine-made template cases); the inbox query and the full inbox page (HTTP through the Flask test
client, logged in) for an office-wide operator and a kelurahan officer: p50 and p95.

    python -m bench.inbox [tiny|small|large]      (large: 1,000,000 cases, 100,000 open tasks)
    python -m bench.inbox large --reuse          (PostgreSQL: the cases an earlier run of this size left)
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from .common import Check, Result, app_engine, latency, make_target, parser, prepare, reopen, report, size_params, timed
from .seed import Copy, Seeder, Template, capture, ticker

SIZES = {
    "tiny": {"cases": 300, "open_tasks": 60, "repeat": 5},
    "small": {"cases": 20_000, "open_tasks": 2_000, "repeat": 60},
    "large": {"cases": 1_000_000, "open_tasks": 100_000, "repeat": 200},
}
OFFICE = "91.71"
TEMPLATE_VILLAGE = "91.71.01.1001"
PBI_VILLAGE = "91.71.03.1011"
PBI_OFFICER = "kelurahan.abepura"  # demo user, region 91.71.03
# Share of open cases per template (the escalated template has two open tasks).
OPEN_MIX = {"verifikasi": 0.40, "lapangan_rehsos": 0.18, "lapangan_dayasos": 0.12, "eskalasi": 0.10,
            "pbi_perbaiki": 0.20}
CLOSED_MIX = {"selesai": 0.8, "ditolak": 0.2}
DEEP_PAGE = 20  # the page measured besides the first (?hal=20: rows 951-1000)
PRINCIPALS = {"operator": "Operator Dinsos (office-wide)", PBI_OFFICER: "Petugas Kelurahan (district 91.71.03)"}


def make_templates(engine: Any) -> dict[str, Template]:
    """One case per shape, driven through the engine's own API."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from workflows import cases
    from workflows.db import InboxTask
    from workflows.principal import FIELD_OFFICER, OPERATOR, Principal
    from workflows.timers import wake_due_timers

    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    session = Session(engine)

    def task(case_id: int, name: str) -> int:
        session.expire_all()
        return session.scalar(select(InboxTask.id).where(
            InboxTask.case_id == case_id, InboxTask.task_name == name, InboxTask.state == "open"))

    def complaint(category: str = "pengemis", **extra: Any) -> int:
        data = {"kategori": category, "deskripsi": "Laporan warga untuk uji beban kotak tugas",
                "lokasi": "Jalan Raya Abepura", "kode_wilayah": TEMPLATE_VILLAGE, **extra}
        case = cases.start_case(session, "pengaduan", data, "warga", region_code=TEMPLATE_VILLAGE,
                                category=category, title=data["deskripsi"])
        return case.id

    def verified(category: str = "pengemis", **extra: Any) -> int:
        case_id = complaint(category, **extra)
        cases.complete_task(session, task(case_id, "verifikasi"), operator, {"keputusan": "valid"})
        return case_id

    from .engine import FOLLOW_UP

    ids: dict[str, int] = {}
    ids["verifikasi"] = complaint()
    ids["lapangan_rehsos"] = verified("pengemis")
    ids["lapangan_dayasos"] = verified("pemulung")
    ids["eskalasi"] = verified("gelandangan", sla_lapangan="PT0S")
    wake_due_timers(session)
    ids["selesai"] = verified("pengemis")
    officer = Principal("lapangan.rehsos", frozenset({FIELD_OFFICER}), bidang="rehsos",
                        scopes=((FIELD_OFFICER, "bidang"),))
    cases.complete_task(session, task(ids["selesai"], "tindak_lanjut_lapangan"), officer, FOLLOW_UP)
    ids["ditolak"] = complaint()
    cases.complete_task(session, task(ids["ditolak"], "verifikasi"), operator,
                        {"keputusan": "tidak_valid", "alasan": "Bukan masalah kesejahteraan sosial."})
    pbi = cases.start_case(
        session, "pbi_jkn",
        {"pengaju": PBI_OFFICER, "nik": "9171034107850001", "nama": "Warga Uji", "kode_wilayah": PBI_VILLAGE,
         "alasan": "Tidak mampu membayar iuran BPJS"},
        PBI_OFFICER, region_code=PBI_VILLAGE, category="pbi_jkn", title="PBI-JKN Warga Uji")
    cases.complete_task(session, task(pbi.id, "verifikasi"), operator,
                        {"keputusan": "tidak_lengkap", "kk_bermasalah": True,
                         "alasan_pengembalian": "Kartu Keluarga tidak terbaca."})
    ids["pbi_perbaiki"] = pbi.id
    templates = {}
    for name, case_id in ids.items():
        replace = (PBI_VILLAGE, PBI_OFFICER) if name == "pbi_perbaiki" else (TEMPLATE_VILLAGE,)
        templates[name] = capture(session, case_id, name, replace)
    session.close()
    expected_open = {"verifikasi": 1, "lapangan_rehsos": 1, "lapangan_dayasos": 1, "eskalasi": 2,
                     "pbi_perbaiki": 1, "selesai": 0, "ditolak": 0}
    for name, template in templates.items():
        assert len(template.open_tasks) == expected_open[name], (name, template.open_tasks)
    return templates


def plan(templates: dict[str, Template], cases: int, open_tasks: int, rng: random.Random
         ) -> Iterator[tuple[Template, Copy]]:
    from app.regions import villages

    codes = [code for code, _ in villages(OFFICE)]
    names, weights = list(OPEN_MIX), list(OPEN_MIX.values())
    produced_open = produced = 0
    while produced_open < open_tasks and produced < cases:
        template = templates[rng.choices(names, weights)[0]]
        village = rng.choice(codes)
        copy = Copy(region_code=village, priority=1 if rng.random() < 0.05 else 0,
                    due_at=_now() + timedelta(hours=rng.uniform(-72, 72)), age=timedelta(days=rng.uniform(0, 10)))
        copy.replace = {TEMPLATE_VILLAGE: village}
        if template.name == "pbi_perbaiki":
            officer = PBI_OFFICER if village.startswith("91.71.03.") else f"kelurahan.{village}"
            copy.replace = {PBI_VILLAGE: village, PBI_OFFICER: officer}
            copy.assignee = officer
        produced_open += len(template.open_tasks)
        produced += 1
        yield template, copy
    names, weights = list(CLOSED_MIX), list(CLOSED_MIX.values())
    for _ in range(cases - produced):
        village = rng.choice(codes)
        yield templates[rng.choices(names, weights)[0]], Copy(
            region_code=village, replace={TEMPLATE_VILLAGE: village}, age=timedelta(days=rng.uniform(0, 365)))


def _now():  # noqa: ANN202
    from workflows.db import utcnow

    return utcnow()


def login(client: Any, username: str) -> None:
    from app.security import DEMO_PASSWORD

    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|id="csrf_token"[^>]*value="([^"]+)"', html)
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD,
                                            "csrf_token": token.group(1) or token.group(2)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "login failed"


def measure(app: Any, engine: Any, repeat: int) -> dict[str, Any]:
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.security import principal_for
    from app.views.inbox import PAGE_SIZE
    from workflows.inbox import inbox_query, inbox_rows

    out: dict[str, Any] = {}
    for username, label in PRINCIPALS.items():
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
        # A page further on costs more (each part of the query reads the pages before it): shown apart.
        deep = min(DEEP_PAGE, max(1, -(-visible // PAGE_SIZE)))

        def deep_page(client: Any = client, url: str = f"/inbox/?hal={deep}") -> None:
            page(client, url)

        # The page's CPU time in this process (Flask, the test client; not PostgreSQL's): on a shared machine
        # the wall time is this plus the time spent waiting for a core.
        started = time.process_time()
        page_ms = timed(page, repeat)
        cpu_ms = (time.process_time() - started) * 1000 / (repeat + 3)  # timed() warms up with 3 calls
        out[username] = {"label": label, "visible_tasks": visible, "rows_shown": shown, "rows_on_page": rows_on_page,
                         "query": latency(timed(query, repeat)), "page": latency(page_ms),
                         "page_cpu_ms": round(cpu_ms, 2), "load_average": round(os.getloadavg()[0], 1),
                         "deep_page_number": deep,
                         "deep_page": latency(timed(deep_page, max(5, repeat // 4)))}
    return out


def run(app: Any, params: dict[str, Any]) -> dict[str, Any]:
    engine = app_engine(app)
    templates = make_templates(engine)
    seeder = Seeder(engine)
    started = time.perf_counter()
    written = seeder.write(plan(templates, params["cases"], params["open_tasks"], random.Random(7)),
                           ticker("seeded cases", params["cases"]))
    seed_seconds = time.perf_counter() - started
    figures = {"seeded_cases": written, "seed_seconds": round(seed_seconds, 1), **counts(engine),
               "principals": measure(app, engine, params["repeat"])}
    figures["copies_work"] = check_copies(engine, seeder.case_ids)
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
                     + (f" (CPU {who['page_cpu_ms']} ms a page, load average {who['load_average']})"
                        if "page_cpu_ms" in who else "")
                     + (f"; page {who['deep_page_number']} p50 {who['deep_page']['p50_ms']} ms, "
                        f"p95 {who['deep_page']['p95_ms']} ms" if "deep_page" in who else ""))
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
