"""Engine: complaint cases driven end to end through the engine's API (start, verification
by an operator, field follow-up by the bidang's officer; every step persisted with its inbox
rows, audit events and outbox messages), against the same BPMN run purely in memory by
SpiffWorkflow (start → save → load → complete → save, no database).

    python -m bench.engine [tiny|small|large]      (DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import os
import time
from typing import Any

from .common import (
    ROOT,
    Check,
    DatabaseCpu,
    Result,
    Target,
    latency,
    make_target,
    parser,
    prepare,
    report,
    run_together,
    size_params,
)

# processes: the parallel run on PostgreSQL (SQLite has one writer: not run there).
SIZES = {"tiny": {"cases": 6, "processes": 2}, "small": {"cases": 150, "processes": 4},
         "large": {"cases": 3000, "processes": 4}}
VILLAGE = "91.71.01.1001"
VERIFY = {"keputusan": "valid", "catatan": "Sesuai foto dan lokasi."}
FOLLOW_UP = {"temuan": "Anak mengemis di simpang bersama ibunya.", "tindakan": "Dibawa ke rumah singgah.",
             "tanggal_kunjungan": "2026-11-20", "catatan_publik": "Sudah ditangani petugas Dinas Sosial."}


def start_data(i: int) -> dict[str, Any]:
    return {"kategori": "pengemis", "deskripsi": f"Pengemis anak di simpang jalan nomor {i}",
            "lokasi": "Simpang Entrop", "kode_wilayah": VILLAGE, "sla_lapangan": "PT72H"}


def _spiff_specs() -> tuple[Any, dict]:
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    p = SpiffBpmnParser()
    p.add_dmn_file(str(ROOT / "bpmn" / "pengaduan" / "dispatch_bidang.dmn"))
    p.add_bpmn_file(str(ROOT / "bpmn" / "pengaduan" / "pengaduan.bpmn"))
    return p.get_spec("pengaduan"), p.get_subprocess_specs("pengaduan")


def run_in_memory(cases: int, ligat_serializer: bool = False) -> dict[str, float]:
    """The same three steps with SpiffWorkflow alone. With ligat_serializer the state is saved the way
    workflows/serialization.py saves it (spec stored once, not in each case); otherwise with
    SpiffWorkflow's own serializer (spec repeated in every saved instance)."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from workflows.scripting import CaseScriptEngine, ScriptContext
    from workflows.serialization import dump_workflow, load_workflow, spec_to_json

    spec, subs = _spiff_specs()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    spec_json = spec_to_json(spec, subs)
    ctx = ScriptContext(session=None, case=None, actor="bench")
    # The script engine only records what scripts ask for (status, notifications), as in the engine.
    script_engine = CaseScriptEngine(ctx)
    if ligat_serializer:
        def save(wf: BpmnWorkflow) -> str:
            return dump_workflow(wf, spec_json)

        def load(state: str) -> BpmnWorkflow:
            return load_workflow(state, spec_json)
    else:
        save, load = serializer.serialize_json, serializer.deserialize_json
    size = 0
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(cases):
        wf = BpmnWorkflow(spec, subs, script_engine=script_engine)
        wf.task_tree.data.update(start_data(i))
        wf.do_engine_steps()
        state = save(wf)
        for form in (VERIFY, FOLLOW_UP):
            wf = load(state)
            wf.script_engine = script_engine
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(form)
            task.run()
            wf.do_engine_steps()
            state = save(wf)
        assert wf.completed, "in-memory run did not complete"
        size = len(state)
        ctx.effects.clear()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": elapsed, "cpu_seconds": cpu, "cases_per_s": cases / elapsed, "state_bytes": size}


class StatementCounter:
    """Statements sent to the database (an executemany counts once: it is one round trip) and commits."""

    def __init__(self, engine: Any):
        from sqlalchemy import event

        self.engine, self.statements, self.commits = engine, 0, 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _commit(self, *_args: Any) -> None:
        self.commits += 1

    def close(self) -> None:
        from sqlalchemy import event

        if not event.contains(self.engine, "commit", self._commit):
            return
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def run_persisted(engine: Any, cases: int) -> dict[str, Any]:
    """start_case → complete verifikasi (operator) → complete tindak_lanjut_lapangan (field officer).
    The benchmark's own lookup of each open task (one query per step) is counted with the statements."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import Session

    from workflows import cases as engine_api
    from workflows.db import Case, InboxTask
    from workflows.principal import FIELD_OFFICER, OPERATOR, Principal

    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    officer = Principal("lapangan.rehsos", frozenset({FIELD_OFFICER}), bidang="rehsos",
                        scopes=((FIELD_OFFICER, "bidang"),))
    per_case: list[float] = []
    ids = []
    session = Session(engine)

    # The bench's own lookup, built once: composing the select at each call cost as much CPU as running it,
    # and that CPU is not the engine's.
    lookup = select(InboxTask.id).where(InboxTask.case_id == bindparam("case_id"), InboxTask.state == "open")

    def open_task(case_id: int) -> int:
        return session.scalar(lookup, {"case_id": case_id})

    counter = StatementCounter(engine)
    database_cpu = DatabaseCpu(engine)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(cases):
            t0 = time.perf_counter()
            reporter = engine_api.Reporter(anonymous=True) if i % 2 else engine_api.Reporter(
                name="Warga Bench", phone="+6281234567890")
            case = engine_api.start_case(session, "pengaduan", start_data(i), "warga", region_code=VILLAGE,
                                         category="pengemis", title=f"Pengemis anak {i}", reporter=reporter)
            case_id = case.id
            engine_api.complete_task(session, open_task(case_id), operator, VERIFY)
            engine_api.complete_task(session, open_task(case_id), officer, FOLLOW_UP)
            per_case.append((time.perf_counter() - t0) * 1000)
            ids.append(case_id)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        database_seconds = database_cpu.seconds()
        counter.close()
        done = session.scalars(select(Case).where(Case.id.in_(ids))).all()
        completed = sum(1 for c in done if c.completed and c.status == "Selesai")
        state_bytes = max(len(c.serialized) for c in done)
    finally:
        counter.close()
        session.close()
    return {"seconds": elapsed, "cpu_seconds": cpu, "database_cpu_seconds": database_seconds,
            "cases_per_s": cases / elapsed, "completed": completed,
            "state_bytes": state_bytes, "per_case": latency(per_case),
            "statements_per_case": counter.statements / cases, "commits_per_case": counter.commits / cases}


def _worker(target: Target, cases: int, ready: Any, start: Any, results: Any) -> None:
    """One client process of the parallel run: its own app (the same set-up as a web process) and engine."""
    import logging

    from .common import app_engine

    logging.basicConfig(level=logging.WARNING)
    os.environ["LIGAT_VAR_DIR"] = str(target.workdir)
    from app import create_app

    app = create_app(target.app_overrides() | {"LIGAT_PACKAGES_DIR": str(target.workdir / "packages")})
    engine = app_engine(app)
    run_persisted(engine, 2)  # caches warmed, as for the single-process run
    ready.put(True)
    start.wait(300)
    results.put(run_persisted(engine, cases))
    engine.dispose()


def run_parallel(target: Target, cases: int, processes: int) -> dict[str, Any]:
    """The same cases driven by several processes at once (PostgreSQL: the web processes of a province
    share one database; their commits share its WAL flushes)."""
    share = cases // processes
    workers, elapsed = run_together(_worker, (target, share), processes, "engine client", ready_timeout=300)
    return {"processes": processes, "cases": share * processes, "seconds": elapsed,
            "completed": sum(w["completed"] for w in workers), "cases_per_s": share * processes / elapsed,
            "per_case_p50_ms": max(w["per_case"]["p50_ms"] for w in workers)}


def run(target: Any, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from .common import app_engine

    n = params["cases"]
    warm = max(2, n // 20)
    run_in_memory(warm)  # imports, parser and caches warmed for all three runs
    run_in_memory(warm, ligat_serializer=True)
    engine = app_engine(app)
    run_persisted(engine, warm)
    figures = {
        "in_memory": run_in_memory(n),
        "in_memory_ligat_serializer": run_in_memory(n, ligat_serializer=True),
        "persisted": run_persisted(engine, n),
    }
    if target.dialect == "postgresql" and params["processes"] > 1:
        figures["parallel"] = run_parallel(target, n, params["processes"])
    return figures


def summarize(figures: dict[str, Any], database: str) -> tuple[list[str], list[Check]]:
    mem, mem2, db = figures["in_memory"], figures["in_memory_ligat_serializer"], figures["persisted"]
    ratio = db["seconds"] / mem["seconds"]
    ratio_ligat = db["seconds"] / mem2["seconds"]
    n = db["per_case"]["n"]
    lines = [
        f"in memory (SpiffWorkflow serializer, spec in every save): {mem['cases_per_s']:.0f} cases/s, "
        f"{mem['state_bytes'] / 1024:.1f} KB saved state",
        f"in memory (LIGAT serializer, spec stored once): {mem2['cases_per_s']:.0f} cases/s, "
        f"{mem2['state_bytes'] / 1024:.1f} KB saved state",
        f"persisted on {database}: {db['cases_per_s']:.0f} cases/s ({db['completed']} completed; per case p50 "
        f"{db['per_case']['p50_ms']} ms, p95 {db['per_case']['p95_ms']} ms), {db['state_bytes'] / 1024:.1f} KB state",
        f"persisted time / in-memory time: {ratio:.2f}× (vs LIGAT serializer in memory: {ratio_ligat:.2f}×)",
        f"per case, persisted: {db['statements_per_case']:.1f} SQL statements in {db['commits_per_case']:.0f} "
        f"commits; CPU of this process {db['cpu_seconds'] / n * 1000:.2f} ms (in memory, LIGAT serializer: "
        f"{mem2['cpu_seconds'] / n * 1000:.2f} ms; ratio {db['cpu_seconds'] / mem2['cpu_seconds']:.2f}×)",
    ]
    if db.get("database_cpu_seconds") is not None:
        client, server = db["cpu_seconds"] / n * 1000, db["database_cpu_seconds"] / n * 1000
        cores = os.cpu_count() or 1
        most = cores * 1000 / (client + server)
        lines.append(f"CPU a case, both sides: this process {client:.2f} ms + the database's backends {server:.2f} ms "
                     f"= {client + server:.2f} ms; {cores} cores would do at most {most:.0f} cases/s at that cost")
    checks = [Check("persisted/in-memory time (LIGAT serializer)", round(ratio_ligat, 2), 2, False, "×")]
    cases_per_s = db["cases_per_s"]
    if "parallel" in figures:
        par = figures["parallel"]
        lines.append(f"persisted, {par['processes']} processes at once: {par['cases_per_s']:.0f} cases/s "
                     f"({par['completed']} of {par['cases']} completed in {par['seconds']:.2f} s; per case p50 "
                     f"{par['per_case_p50_ms']} ms in the slower process)")
        cases_per_s = max(cases_per_s, par["cases_per_s"])
    if database == "postgresql":
        checks.append(Check("persisted cases/s", round(cases_per_s), 250, True, ""))
    return lines, checks


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "engine")
    app = prepare(target)
    figures = run(target, app, params)
    lines, checks = summarize(figures, target.dialect)
    result = Result("engine", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
