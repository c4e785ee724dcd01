"""A tiny run of every benchmark (bench/), so they cannot rot: each runs as `make bench` runs it
(its own process, its own freshly migrated database: a temp SQLite file, or on PostgreSQL the
schema `ligat_bench_smoke` of DATABASE_URL's database, never the tests' `public` schema) and must
produce sane figures. No timing thresholds here: those are for bench/RESULTS.md."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BENCHMARKS = ("engine", "inbox", "dtks", "timers", "submission", "whatsapp", "dashboard")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if k != "LIGAT_VAR_DIR"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "tiny", "--no-record", "--json-dir", str(out / "json"),
         "--schema", "ligat_bench_smoke", "--workdir", str(out / "work")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]
    assert f"{len(BENCHMARKS)} of {len(BENCHMARKS)} benchmarks done" in proc.stdout
    return {p.stem: json.loads(p.read_text()) for p in (out / "json").glob("*.json")}


def _positive(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_every_benchmark_ran_on_this_database(runs):
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert sorted(runs) == sorted(BENCHMARKS)
    for name, run in runs.items():
        assert run["benchmark"] == name and run["database"] == expected and run["size"] == "tiny"
        assert run["cpus"] >= 1 and run["lines"] and run["checks"]


def test_engine_completes_every_case_and_compares_with_memory(runs):
    figures, n = runs["engine"]["figures"], runs["engine"]["params"]["cases"]
    assert figures["persisted"]["completed"] == n
    assert figures["persisted"]["per_case"]["n"] == n
    for key in ("in_memory", "in_memory_ligat_serializer", "persisted"):
        assert _positive(figures[key]["cases_per_s"])
    # The spec is not stored in each case: LIGAT's saved state is a fraction of SpiffWorkflow's own.
    assert figures["persisted"]["state_bytes"] < figures["in_memory"]["state_bytes"] / 2
    # Three use cases, three transactions; the statement count is printed with the figure.
    assert figures["persisted"]["commits_per_case"] == 3
    assert 10 < figures["persisted"]["statements_per_case"] < 60
    if runs["engine"]["database"] == "postgresql":  # several client processes at once (SQLite: one writer)
        # The database server's CPU is counted beside the client's (its backends on this machine; six cases
        # may take under one clock tick of it: tests/bench/test_database_cpu.py checks the count itself).
        assert figures["persisted"]["database_cpu_seconds"] >= 0
        parallel = figures["parallel"]
        assert parallel["completed"] == parallel["cases"] > 0 and _positive(parallel["cases_per_s"])
    else:
        assert figures["persisted"]["database_cpu_seconds"] is None


def test_inbox_seeds_working_cases_and_scopes_the_two_officers(runs):
    figures, params = runs["inbox"]["figures"], runs["inbox"]["params"]
    assert figures["seeded_cases"] == params["cases"]
    assert figures["open_tasks"] >= params["open_tasks"]
    assert figures["copies_work"] >= 1  # seeded copies step through the engine and their audit chains verify
    operator, kelurahan = figures["principals"]["operator"], figures["principals"]["kelurahan.abepura"]
    assert 0 < kelurahan["visible_tasks"] < operator["visible_tasks"] < figures["open_tasks"]
    for who in (operator, kelurahan):
        assert who["rows_on_page"] == who["rows_shown"] == min(who["visible_tasks"], 200)
        assert who["query"]["n"] == who["page"]["n"] == params["repeat"]
        assert _positive(who["page"]["p95_ms"]) and who["page"]["p50_ms"] <= who["page"]["p95_ms"]
        # The deep page by key (its "next" links) and by number (the old offset) are both measured.
        assert who["deep_page_number"] >= 1 and who["deep_page"]["n"] == who["deep_page_by_number"]["n"] > 0


def test_dtks_imports_every_generated_row_and_finds_them(runs):
    figures, params = runs["dtks"]["figures"], runs["dtks"]["params"]
    assert figures["stored"] == params["rows"]
    assert f"{params['rows']} diterima" in figures["import_summary"] and "0 ditolak" in figures["import_summary"]
    assert figures["found"] == params["lookups"] and figures["absent"] == params["lookups"] // 10
    assert _positive(figures["rows_per_s"]) and _positive(figures["lookup"]["p95_ms"])


def test_every_timer_fired_exactly_once_with_two_scheduler_processes(runs):
    figures, params = runs["timers"]["figures"], runs["timers"]["params"]
    assert figures["cases"] == params["cases"]
    assert figures["fired_once"] == params["cases"]
    assert figures["fired_more_than_once"] == 0 and figures["never_fired"] == 0
    assert figures["escalated"] == params["cases"]
    assert len(figures["workers"]) == 2
    assert sum(w["woken"] for w in figures["workers"]) == params["cases"]
    assert _positive(figures["timers_per_s"])


def test_submissions_all_created_once(runs):
    figures = runs["submission"]["figures"]["raised"]
    assert figures["requests"] > 0
    assert figures["statuses"] == {"201": figures["requests"]}
    assert figures["cases_in_db"] == figures["created"] == figures["requests"]
    assert _positive(figures["created_per_s"])


def test_open_loop_posts_arrive_on_schedule_with_photos_and_memory_is_sampled(runs):
    params, figures = runs["submission"]["params"], runs["submission"]["figures"]
    opened = figures["open"]
    # The schedule, not the answers, decides how many posts are sent.
    assert opened["posts"] == int(params["open_rate"] * params["open_seconds"])
    # Every post answered: created once, or (SQLite's one writer, a busy shared machine) told to retry.
    assert set(opened["statuses"]) <= {"201", "503"} and sum(opened["statuses"].values()) == opened["posts"]
    assert opened["cases_in_db"] == opened["created"] == opened["statuses"]["201"] > opened["posts"] // 2
    assert 0 < opened["with_photo"] < opened["posts"] and _positive(opened["latency"]["p95_ms"])
    steps = figures["ramp"]["steps"]
    assert steps and steps[0]["rate"] == params["ramp_from"]
    assert figures["ramp"]["highest_held"] in {0} | {s["rate"] for s in steps if s["held"]}
    # Every photo sent is kept (waiting or re-encoded), and the photo job worked through them.
    assert 0 < figures["photos"]["sent"] <= opened["with_photo"] + sum(s["with_photo"] for s in steps)
    assert figures["photos"]["waiting_30s_later"] < figures["photos"]["sent"]
    assert figures["memory"]["server"]["processes"] >= 1 and _positive(figures["memory"]["server"]["max_rss_mb"])
    assert _positive(figures["memory"]["cleaner"]["max_rss_mb"])
    database_cpu = figures["cpu_ms_per_report"]["database"]
    assert database_cpu >= 0 if runs["submission"]["database"] == "postgresql" else database_cpu is None


def test_whatsapp_webhook_queues_every_signed_post_once_and_the_worker_answers(runs):
    figures = runs["whatsapp"]["figures"]
    webhook, worker = figures["webhook"], figures["worker"]
    assert webhook["requests"] > 0 and webhook["statuses"] == {"200": webhook["requests"]}
    assert webhook["queued"] == webhook["requests"]
    assert _positive(webhook["latency"]["p95_ms"])
    assert worker["handled"] > 0 and worker["replies_sent"] >= worker["handled"]


def test_dashboard_measures_every_figure_for_both_viewers(runs):
    figures = runs["dashboard"]["figures"]
    assert figures["cases"] >= runs["dashboard"]["params"]["cases"] and figures["case_flows"] > figures["cases"]
    head, kabid = figures["viewers"]["kadis"], figures["viewers"]["kabid.rehsos"]
    # The head of bidang sees a part of what the head of office sees (their bidang), never more.
    assert 0 < kabid["in_period"] < head["in_period"]
    for who in (head, kabid):
        assert set(who["figures"]) == {"volume", "open_now", "completion_times", "stage_sla", "backlog",
                                       "letters_per_day", "case_list_page", "map_points", "heatmap"}
        assert all(_positive(value["p95_ms"]) for value in who["figures"].values())
        assert _positive(who["page"]["p95_ms"])
        # The figures the summaries and the snapshot stand in for are measured live too.
        assert set(who["live"]) == {"volume", "open_now", "completion_times", "backlog", "heatmap"}
        assert all(_positive(value["p95_ms"]) for value in who["live"].values())
    assert figures["snapshot_seconds"] >= 0 and figures["summary_seconds"] >= 0


def test_results_record_keeps_one_run_per_key_and_the_analysis(tmp_path: Path):
    from bench.common import BEGIN, END, Check, Result, record

    md, js = tmp_path / "RESULTS.md", tmp_path / "results.json"
    md.write_text(f"# Results\n\nIntro.\n\n{BEGIN}\nold\n{END}\n\n## What limits\n\nAnalysis stays.\n")
    for value in (10, 20):
        record(Result("dtks", "sqlite", "small", {"rows": 1}, {}, [f"rate {value}"],
                      [Check("NIK lookup p95", value / 10, 2, False, " ms")]), md, js)
    text = md.read_text()
    assert "Intro." in text and "Analysis stays." in text and "old" not in text
    assert "rate 20" in text and "rate 10" not in text
    assert "**sqlite · small**" in text and "CPU" in text and "**met**" in text
    assert len(json.loads(js.read_text())) == 1
