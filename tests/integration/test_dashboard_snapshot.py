"""The dashboard's figures from the daily duration histograms and the scheduler's snapshot of what is open now
(workflows/dashboard/summary.py, snapshot.py): the known answers of tests/integration/dashboard_helpers.py
again, the live figures on many varied cases (medians and 90th percentiles within the buckets' width), the
scheduler's jobs, and the visibility rule (a head of bidang sees their bidang; a viewer the snapshot cannot
cover gets live figures)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests.integration.dashboard_helpers import PERIOD, REGION, V1, V2, seed
from workflows import cases
from workflows.dashboard import figures, heatmap, snapshot, summary
from workflows.dashboard.filters import Filters
from workflows.dashboard.histogram import RESOLUTION_PERCENT
from workflows.dashboard.summary import DurationDay
from workflows.db import Case, InboxCandidate, InboxTask, utcnow
from workflows.issued_letters import office_today
from workflows.principal import HEAD_OF_BIDANG, HEAD_OF_OFFICE
from workflows.visibility import principal

MANY = 40


@pytest.fixture(scope="module")
def engine(app):
    from app.extensions import db

    with app.app_context():
        return db.engine


@pytest.fixture(scope="module")
def seeded(engine):
    with Session(engine) as session:
        found = seed(session)
        summary.refresh(session, None)
        snapshot.take(session)
        session.commit()
        return found


def api(client, **args) -> dict:
    response = client.get("/dasbor/api/ringkasan", query_string={**PERIOD, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def near(estimate: float | None, exact: float | None) -> bool:
    """Within the buckets' width, plus the 0.05 h the figures are rounded to."""
    if estimate is None or exact is None:
        return estimate == exact
    return abs(estimate - exact) <= exact * RESOLUTION_PERCENT / 100 + 0.05


def agree(fast: dict, live: dict) -> None:
    assert fast["jumlah"] == live["jumlah"] and fast["maks_jam"] == live["maks_jam"], (fast, live)
    assert near(fast["median_jam"], live["median_jam"]) and near(fast["p90_jam"], live["p90_jam"]), (fast, live)


def test_the_known_answers_come_from_the_summary_and_the_snapshot(login_as, seeded, engine):
    with Session(engine) as session:
        assert summary.refreshed_through(session) >= date(2025, 3, 31)
        assert snapshot.taken_at(session) is not None
    client = login_as("kadis")
    data = api(client)
    times = data["waktu_selesai"]
    assert times["kelas_persen"] == RESOLUTION_PERCENT  # read from the histograms, not the cases
    # One duration per bucket: the histogram gives exactly percentile_cont's answer (12, 24, 72, 96 hours).
    assert times["semua"] == {"jumlah": 4, "median_jam": 48.0, "p90_jam": 88.8, "maks_jam": 96.0}
    assert data["sekarang_per"] and data["terbuka"] == 4
    backlog = {b["tahap"]: b for b in data["antrean"]}
    assert {k: backlog["verifikasi"][k] for k in ("jumlah", "median_jam", "p90_jam", "maks_jam", "terlambat")} == {
        "jumlah": 2, "median_jam": 50.0, "p90_jam": 66.0, "maks_jam": 70.0, "terlambat": 2}
    assert (backlog["tindak_lanjut_lapangan"]["jumlah"], backlog["tindak_lanjut_lapangan"]["median_jam"]) == (1, 10.0)
    heat = client.get("/dasbor/api/peta-proses/pengaduan",
                      query_string={**PERIOD, "versi": seeded.definition_version}).get_json()
    tasks = {t["id"]: (t["menunggu"], t["median_jam"], t["p90_jam"]) for t in heat["tugas"]}
    assert tasks["verifikasi"] == (2, 50.0, 66.0) and tasks["lengkapi_informasi"] == (1, 50.0, 50.0)
    assert heat["sekarang_per"] == data["sekarang_per"]
    # The page says as of when, and how fine the buckets are.
    page = client.get("/dasbor/", query_string=PERIOD).get_data(as_text=True)
    assert 'id="sekarang-per"' in page and "WIT" in page and f"kelas selebar {RESOLUTION_PERCENT}%" in page
    assert 'id="waktu-kelas"' in page
    heat_page = client.get("/dasbor/peta-proses/pengaduan", query_string=PERIOD).get_data(as_text=True)
    assert 'id="sekarang-per"' in heat_page


def test_a_head_of_bidang_sees_only_their_bidang_in_the_snapshot(login_as, seeded, engine):
    # B1 (pemulung, dispatched to rehsos) is the only open case of the region with a bidang.
    with Session(engine) as session:
        b1 = session.get(Case, seeded.ids["B1"])
        bidang = b1.bidang
    assert bidang
    own = api(login_as(f"kabid.{bidang}"))
    assert own["sekarang_per"] and own["terbuka"] == 1
    assert [(b["tahap"], b["jumlah"]) for b in own["antrean"]] == [("tindak_lanjut_lapangan", 1)]
    other = "linjamsos" if bidang != "linjamsos" else "rehsos"
    theirs = api(login_as(f"kabid.{other}"))
    assert theirs["terbuka"] == 0 and theirs["antrean"] == []
    with Session(engine) as session:
        for who, scope in ((f"kabid.{bidang}", bidang), (f"kabid.{other}", other)):
            head = principal(session, who, {HEAD_OF_BIDANG}, bidang=scope)
            filters = Filters(date(2025, 3, 1), date(2025, 3, 31), "pengaduan", REGION)
            assert figures.open_now(session, head, filters) == figures.open_now(session, head, filters,
                                                                                use_snapshot=False)
            fast, live = figures.backlog(session, head, filters), figures.backlog(session, head, filters,
                                                                                    use_snapshot=False)
            assert [(b["tahap"], b["jumlah"], b["terlambat"]) for b in fast] == \
                [(b["tahap"], b["jumlah"], b["terlambat"]) for b in live]


def test_a_viewer_named_on_a_task_beyond_their_bidang_gets_live_figures(login_as, seeded, engine):
    """B2 waits at verification with no bidang: a head of bidang named on that task may see B2, which the
    snapshot cannot tell, so their figures are read from the cases."""
    with Session(engine) as session:
        task = session.scalars(select(InboxTask).where(InboxTask.case_id == seeded.ids["B2"],
                                                       InboxTask.state == "open")).one()
        bidang = session.get(Case, seeded.ids["B1"]).bidang
        task_id = task.id
        session.add(InboxCandidate(inbox_task_id=task_id, case_id=task.case_id, username=f"kabid.{bidang}"))
        session.commit()
    try:
        named = api(login_as(f"kabid.{bidang}"))
        assert named["sekarang_per"] is None and named["waktu_selesai"]["kelas_persen"] is None
        assert named["terbuka"] == 2  # B1 by the bidang, B2 by the named task
        assert {b["tahap"]: b["jumlah"] for b in named["antrean"]} == {"tindak_lanjut_lapangan": 1, "verifikasi": 1}
        assert api(login_as("kadis"))["sekarang_per"]  # others keep the snapshot
    finally:
        with Session(engine) as session:
            session.execute(delete(InboxCandidate).where(InboxCandidate.username == f"kabid.{bidang}",
                                                         InboxCandidate.inbox_task_id == task_id))
            session.commit()
    assert api(login_as(f"kabid.{bidang}"))["sekarang_per"]


def _many_cases(session: Session, count: int = MANY) -> list[int]:
    """Complaints in the region, each waiting at verification."""
    ids = []
    for n in range(count):
        village = V1 if n % 2 else V2
        case = cases.start_case(session, "pengaduan", {"kategori": "pengemis", "deskripsi": f"Uji histogram {n}",
                                                       "lokasi": "Muara Tami", "kode_wilayah": village},
                                "warga", region_code=village, category="pengemis", title=f"Uji histogram {n}")
        ids.append(case.id)
    return ids


def test_many_varied_cases_agree_with_the_live_figures_within_the_bucket_width(app, engine, monkeypatch):
    from app.scheduler import run_dashboard_job, run_dashboard_snapshot_job

    monkeypatch.setitem(app.config, "LIGAT_DASHBOARD_SNAPSHOT_SECONDS", 0)  # every run takes it again

    rng = random.Random(14)
    head = None
    with Session(engine) as session:
        ids = _many_cases(session)
        head = principal(session, "kadis", {HEAD_OF_OFFICE})
        now = utcnow()
        # Waiting: half crowd into a few buckets (30 h ± 20 min), half spread from minutes to weeks.
        for n, case_id in enumerate(ids):
            waited = 30 * 3600 + rng.uniform(-1200, 1200) if n % 2 else 10 ** rng.uniform(2, 6.3)
            session.execute(update(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open")
                            .values(created_at=now - timedelta(seconds=waited),
                                    due_at=now - timedelta(hours=1) if n % 3 == 0 else None))
        session.commit()
    run_dashboard_snapshot_job(app)
    filters = Filters(office_today() - timedelta(days=29), office_today(), "pengaduan", REGION)
    try:
        with Session(engine) as session:
            fast = {b["tahap"]: b for b in figures.backlog(session, head, filters)}
            live = {b["tahap"]: b for b in figures.backlog(session, head, filters, use_snapshot=False)}
            assert fast.keys() == live.keys() and fast["verifikasi"]["jumlah"] >= MANY
            for stage in fast:
                agree(fast[stage], live[stage])
                assert fast[stage]["terlambat"] == live[stage]["terlambat"]
            assert figures.open_now(session, head, filters) == figures.open_now(session, head, filters,
                                                                                use_snapshot=False)
            definition = heatmap.definition_of(session, "pengaduan")
            quick = heatmap.heatmap(session, head, definition, filters)
            slow = heatmap.heatmap(session, head, definition, filters, use_summary=False)
            assert quick["alur"] == slow["alur"]
            for a, b in zip(quick["tugas"], slow["tugas"], strict=True):
                assert a["menunggu"] == b["menunggu"] and near(a["median_jam"], b["median_jam"]), (a, b)
    finally:
        # Closed over the last weeks (some today, read live) after varied times; no task left open.
        with Session(engine) as session:
            now = utcnow()
            for n, case_id in enumerate(ids):
                took = 20 * 3600 * (1 + rng.uniform(0, 0.02)) if n % 2 else 10 ** rng.uniform(3, 6)
                closed = now - timedelta(hours=1 if n % 5 == 0 else rng.uniform(30, 24 * 25))
                session.execute(update(Case).where(Case.id == case_id).values(
                    created_at=closed - timedelta(seconds=took), closed_at=closed, completed=True))
                session.execute(update(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open")
                                .values(state="cancelled"))
            session.commit()
    run_dashboard_job(app)
    run_dashboard_snapshot_job(app)
    with Session(engine) as session:
        assert session.scalar(select(DurationDay.id).where(DurationDay.region_code.in_((V1, V2)),
                                                           DurationDay.day >= filters.start)) is not None
        assert figures.volume(session, head, filters) == figures.volume(session, head, filters, use_summary=False)
        # Closed after the refresh: read live, bucketed the same way (their opening is moved back by hand,
        # which no refresh has seen: the volume is compared before it).
        later = _many_cases(session, 3)
        now = utcnow()
        for n, case_id in enumerate(later):
            session.execute(update(Case).where(Case.id == case_id).values(
                created_at=now - timedelta(hours=20.1 + n), closed_at=now, completed=True))
            session.execute(update(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open")
                            .values(state="cancelled"))
        session.commit()
    run_dashboard_snapshot_job(app)
    with Session(engine) as session:
        fast = figures.completion_times(session, head, filters)
        live = figures.completion_times(session, head, filters, use_summary=False)
        assert fast["kelas_persen"] == RESOLUTION_PERCENT and live["kelas_persen"] is None
        assert fast["semua"]["jumlah"] >= MANY + 3
        agree(fast["semua"], live["semua"])
        for a, b in zip(fast["lini"], live["lini"], strict=True):
            agree(a, b)
        assert figures.open_now(session, head, filters) == figures.open_now(session, head, filters,
                                                                            use_snapshot=False)


def test_the_scheduler_takes_the_snapshot_again(app, seeded, engine, login_as, monkeypatch):
    from app.scheduler import run_dashboard_snapshot_job

    client = login_as("kadis")
    before = api(client)
    with Session(engine) as session:
        first = snapshot.taken_at(session)
    # Every web process runs the scheduler: a snapshot younger than half the interval is kept.
    monkeypatch.setitem(app.config, "LIGAT_DASHBOARD_SNAPSHOT_SECONDS", 3600)
    run_dashboard_snapshot_job(app)
    with Session(engine) as session:
        assert snapshot.taken_at(session) == first
    monkeypatch.setitem(app.config, "LIGAT_DASHBOARD_SNAPSHOT_SECONDS", 0)
    with Session(engine) as session:
        case = cases.start_case(session, "pengaduan", {"kategori": "pengemis", "deskripsi": "Uji snapshot",
                                                       "lokasi": "Muara Tami", "kode_wilayah": V1},
                                "warga", region_code=V1, category="pengemis", title="Uji snapshot baru")
        case_id = case.id
    try:
        assert api(client)["terbuka"] == before["terbuka"]  # the snapshot is as of its time
        run_dashboard_snapshot_job(app)
        after = api(client)
        assert after["terbuka"] == before["terbuka"] + 1 and after["sekarang_per"] >= before["sekarang_per"]
        waiting = {b["tahap"]: b["jumlah"] for b in after["antrean"]}
        assert waiting["verifikasi"] == {b["tahap"]: b["jumlah"] for b in before["antrean"]}["verifikasi"] + 1
        with Session(engine) as session:
            assert snapshot.taken_at(session) > first
    finally:
        with Session(engine) as session:
            session.execute(update(Case).where(Case.id == case_id).values(completed=True, closed_at=utcnow()))
            session.execute(update(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open")
                            .values(state="cancelled"))
            session.commit()
        run_dashboard_snapshot_job(app)
    assert api(client)["terbuka"] == before["terbuka"]


def test_the_refresh_command_rebuilds_the_summary_and_takes_the_snapshot(app, seeded, engine):
    with Session(engine) as session:
        before = snapshot.taken_at(session)
    result = app.test_cli_runner().invoke(args=["ligat", "dashboard-refresh", "--days", "2"])
    assert result.exit_code == 0, result.output
    assert "Ringkasan dasbor diperbarui" in result.output
    with Session(engine) as session:
        assert snapshot.taken_at(session) > before
        assert summary.refreshed_through(session) == office_today()
