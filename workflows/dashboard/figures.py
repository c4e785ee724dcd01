"""The dashboard's figures over the cases a person may see: cases in and closed per week and month by
line, PMKS category and region; service-level compliance per line and per stage; completion times;
the backlog by stage; letters issued per day; and the cases behind each figure.

Every query is bounded by the period (indexes of migration 0014) or by the open tasks, and grouped in
the database; a figure is a plain dict (JSON as the API gives it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from ..db import Case, InboxTask, utcnow
from ..issued_letters import Letter
from ..principal import Principal
from . import snapshot, summary
from .filters import (
    BadFilter,
    Filters,
    add_to,
    as_date,
    base_query,
    grouped_spread,
    iso_week,
    office_date,
    office_day,
    region_levels,
    seconds_between,
    sorted_items,
    summaries_cover,
    table_scope,
    visible_cases,
)
from .histogram import RESOLUTION_PERCENT, bucket_of, grouped
from .snapshot import OpenCaseNow, OpenTaskNow
from .summary import CaseDay, DurationDay, TaskDay

COUNTS = ("masuk", "selesai")
SLA_FIELDS = ("dengan_sla", "tepat_waktu")
# What a figure's cases are: drill-down measures (the case list's `ukuran`).
MEASURES = ("masuk", "selesai", "terbuka", "terlambat", "tahap", "surat")


def _ratio(on_time: int, total: int) -> float | None:
    return round(100.0 * on_time / total, 1) if total else None


def split_period(session: Session, principal: Principal, filters: Filters, use_summary: bool = True
                 ) -> tuple[Filters | None, Filters | None]:
    """The part of the period the daily summaries hold (summary.py: every day up to their last refresh) and
    the part read live (what happened since); either may be None. Everything is read live when the summaries
    cannot show all this viewer may see (`summaries_cover`)."""
    covered = summary.coverage(session) if use_summary else None
    if covered is None or not summaries_cover(session, principal):
        return None, filters
    through, cutoff = covered
    from_summary = replace(filters, end=min(filters.end, through)) if filters.start <= through else None
    live_start = max(filters.start, office_date(cutoff))
    return from_summary, (replace(filters, start=live_start, after=cutoff) if live_start <= filters.end else None)


def summary_scope(session: Session, principal: Principal, filters: Filters, table: Any) -> list:
    """Visibility and filters on a daily summary table's columns, and its days."""
    return [*table_scope(session, principal, filters, table), table.day >= filters.start, table.day <= filters.end]


def snapshot_time(session: Session, principal: Principal, use_snapshot: bool = True) -> datetime | None:
    """When the snapshot of what is open now (snapshot.py) was taken, if this viewer's figures come from it;
    None: they are read live."""
    if not use_snapshot:
        return None
    taken = snapshot.taken_at(session)
    return taken if taken is not None and summaries_cover(session, principal) else None


def _live_rows(session: Session, principal: Principal, filters: Filters) -> tuple[list, list]:
    """(office day, line, category, region, opened) and (…, closed, with a service level, on time), from the cases."""
    scope = visible_cases(session, principal, filters)
    keys = (Case.process_id, Case.category, Case.region_code)
    opened_day, closed_day = office_day(session, Case.created_at), office_day(session, Case.closed_at)
    opened = session.execute(
        select(opened_day, *keys, func.count())
        .where(*scope, filters.in_period(Case.created_at)).group_by(opened_day, *keys)
    ).all()
    on_time = func.sum(case((Case.closed_at <= Case.sla_due_at, 1), else_=0))
    closed = session.execute(
        select(closed_day, *keys, func.count(), func.count(Case.sla_due_at), on_time)
        .where(*scope, Case.completed.is_(True), filters.in_period(Case.closed_at)).group_by(closed_day, *keys)
    ).all()
    return list(opened), list(closed)


def _summary_rows(session: Session, principal: Principal, filters: Filters) -> tuple[list, list]:
    """The same rows from the daily summary (summary.py), with the same visibility rule on its columns."""
    scope = summary_scope(session, principal, filters, CaseDay)
    keys = (CaseDay.day, CaseDay.process_id, CaseDay.category, CaseDay.region_code)
    opened = session.execute(select(*keys, func.sum(CaseDay.opened)).where(*scope, CaseDay.opened > 0)
                             .group_by(*keys)).all()
    closed = session.execute(select(*keys, func.sum(CaseDay.closed), func.sum(CaseDay.closed_with_sla),
                                    func.sum(CaseDay.closed_on_time)).where(*scope, CaseDay.closed > 0)
                             .group_by(*keys)).all()
    return list(opened), list(closed)


def volume(session: Session, principal: Principal, filters: Filters, use_summary: bool = True) -> dict[str, Any]:
    """Cases opened and closed in the period: in total, per week, per month, per line, category,
    kecamatan and kelurahan; with the line's service level (closed by `sla_due_at`) per line.
    Days the summary holds are read from it, later days from the cases."""
    from_summary, live = split_period(session, principal, filters, use_summary)
    opened: list = []
    closed: list = []
    if from_summary:
        opened, closed = _summary_rows(session, principal, from_summary)
    if live:
        live_opened, live_closed = _live_rows(session, principal, live)
        opened += live_opened
        closed += live_closed
    groups: dict[str, dict[Any, dict[str, int]]] = {name: {} for name in (
        "minggu", "bulan", "lini", "kategori", "kecamatan", "kelurahan")}
    total: dict[str, int] = {"masuk": 0, "selesai": 0, "dengan_sla": 0, "tepat_waktu": 0}
    sla_by_line: dict[Any, dict[str, int]] = {}

    weeks_months: dict[Any, tuple[str, str]] = {}
    levels: dict[Any, tuple[str | None, str | None]] = {}

    def count(rows: list, field: str) -> None:
        # Thousands of rows: tally per group first, each day's week and month and each region's levels once.
        tallies: dict[str, dict[Any, int]] = {name: defaultdict(int) for name in groups}
        for row in rows:
            day, process_id, category, region, n = row[0], row[1], row[2], row[3], row[4]
            if day not in weeks_months:
                as_day = as_date(day)
                weeks_months[day] = (iso_week(as_day), f"{as_day:%Y-%m}")
            if region not in levels:
                levels[region] = region_levels(region)
            week, month = weeks_months[day]
            district, village = levels[region]
            for name, key in (("minggu", week), ("bulan", month), ("lini", process_id), ("kategori", category),
                              ("kecamatan", district), ("kelurahan", village)):
                tallies[name][key] += n
            total[field] += n
            if field == "selesai":
                add_to(sla_by_line, process_id, "dengan_sla", row[5] or 0)
                add_to(sla_by_line, process_id, "tepat_waktu", row[6] or 0)
                total["dengan_sla"] += row[5] or 0
                total["tepat_waktu"] += row[6] or 0
        for name, tally in tallies.items():
            for key, n in tally.items():
                add_to(groups[name], key, field, n)

    count(opened, "masuk")
    count(closed, "selesai")
    sla = [{**item, "persen": _ratio(item["tepat_waktu"], item["dengan_sla"])}
           for item in sorted_items(sla_by_line, SLA_FIELDS)]
    return {
        "total": {**total, "persen_tepat_waktu": _ratio(total["tepat_waktu"], total["dengan_sla"])},
        **{name: sorted_items(counter, COUNTS) for name, counter in groups.items()},
        "sla_lini": sla,
    }


def open_now(session: Session, principal: Principal, filters: Filters, use_snapshot: bool = True) -> int:
    """Cases open now (the period does not apply), from the snapshot when there is one."""
    if snapshot_time(session, principal, use_snapshot) is None:
        return session.scalar(select(func.count()).select_from(Case).where(
            *visible_cases(session, principal, filters), Case.completed.is_(False))) or 0
    return int(session.scalar(select(func.sum(OpenCaseNow.open_cases)).where(
        *table_scope(session, principal, filters, OpenCaseNow))) or 0)


def _spread_items(per_line: dict[tuple, Any], overall: Any) -> dict[str, Any]:
    return {
        "semua": overall.as_dict() if overall else {"jumlah": 0, "median_jam": None, "p90_jam": None,
                                                    "maks_jam": None},
        "lini": [{"kunci": key[0], **spread.as_dict()} for key, spread in sorted(per_line.items())],
    }


def _exact_completion_times(session: Session, principal: Principal, filters: Filters) -> dict[str, Any]:
    query = base_query(*visible_cases(session, principal, filters), Case.completed.is_(True),
                       filters.in_period(Case.closed_at))
    seconds = seconds_between(session, Case.closed_at, Case.created_at)
    per_line = grouped_spread(session, [Case.process_id], seconds, query)
    return {**_spread_items(per_line, grouped_spread(session, [], seconds, query).get(())), "kelas_persen": None}


def completion_times(session: Session, principal: Principal, filters: Filters, use_summary: bool = True
                     ) -> dict[str, Any]:
    """Median and 90th percentile of the time from opening to closing, of the cases closed in the period:
    over all of them and per line (hours). Days the summary holds come from its duration histograms
    (`kelas_persen`: the buckets' width, the figures' largest error; histogram.py), later days are bucketed
    live; with no summary day in the period every case is read (`kelas_persen` None: exact)."""
    from_summary, live = split_period(session, principal, filters, use_summary)
    if from_summary is None:
        return _exact_completion_times(session, principal, filters)
    rows = list(session.execute(
        select(DurationDay.process_id, DurationDay.bucket, func.sum(DurationDay.closed),
               func.sum(DurationDay.seconds_sum), func.max(DurationDay.seconds_max))
        .where(*summary_scope(session, principal, from_summary, DurationDay))
        .group_by(DurationDay.process_id, DurationDay.bucket)))
    if live:
        seconds = seconds_between(session, Case.closed_at, Case.created_at)
        bucket = bucket_of(session, seconds)
        rows += session.execute(
            select(Case.process_id, bucket, func.count(), func.sum(seconds), func.max(seconds))
            .where(*visible_cases(session, principal, live), Case.completed.is_(True), live.in_period(Case.closed_at))
            .group_by(Case.process_id, bucket)).all()
    per_line = grouped(rows, 1)
    overall = grouped([row[1:] for row in rows], 0).get(())
    return {**_spread_items({key: b.spread() for key, b in per_line.items()}, overall.spread() if overall else None),
            "kelas_persen": RESOLUTION_PERCENT}


def stage_sla(session: Session, principal: Principal, filters: Filters, use_summary: bool = True
              ) -> list[dict[str, Any]]:
    """Per line and stage (user task): tasks with a due time completed in the period, and how many by then."""
    from_summary, live = split_period(session, principal, filters, use_summary)
    rows: list = []
    if from_summary:
        rows += session.execute(
            select(TaskDay.process_id, TaskDay.task_name, func.min(TaskDay.title), func.sum(TaskDay.with_due),
                   func.sum(TaskDay.on_time))
            .where(*summary_scope(session, principal, from_summary, TaskDay), TaskDay.with_due > 0)
            .group_by(TaskDay.process_id, TaskDay.task_name)).all()
    if live:
        on_time = func.sum(case((InboxTask.completed_at <= InboxTask.due_at, 1), else_=0))
        rows += session.execute(
            select(Case.process_id, InboxTask.task_name, func.min(InboxTask.title), func.count(), on_time)
            .join(Case, Case.id == InboxTask.case_id)
            .where(*visible_cases(session, principal, live), InboxTask.state == "completed",
                   InboxTask.due_at.is_not(None), live.in_period(InboxTask.completed_at))
            .group_by(Case.process_id, InboxTask.task_name)).all()
    merged: dict[tuple[str, str], list] = {}
    for line, task, title, n, good in rows:
        item = merged.setdefault((line, task), [title, 0, 0])
        item[1] += int(n or 0)
        item[2] += int(good or 0)
    return [{"lini": line, "tahap": task, "judul": title, "dengan_sla": n, "tepat_waktu": good,
             "persen": _ratio(good, n)} for (line, task), (title, n, good) in sorted(merged.items())]


def backlog(session: Session, principal: Principal, filters: Filters, use_snapshot: bool = True
            ) -> list[dict[str, Any]]:
    """Open tasks now, per line and stage, with how long they have waited (hours). The period does not
    apply: the backlog is today's; line, region and category do. From the snapshot when there is one (its
    ages moved on to now; median and p90 to its buckets' width), else from every open task."""
    taken = snapshot_time(session, principal, use_snapshot)
    if taken is None:
        return _live_backlog(session, principal, filters)
    rows = session.execute(
        select(OpenTaskNow.process_id, OpenTaskNow.task_name, func.min(OpenTaskNow.title),
               func.sum(OpenTaskNow.overdue), OpenTaskNow.bucket, func.sum(OpenTaskNow.waiting),
               func.sum(OpenTaskNow.age_sum), func.max(OpenTaskNow.age_max))
        .where(*table_scope(session, principal, filters, OpenTaskNow))
        .group_by(OpenTaskNow.process_id, OpenTaskNow.task_name, OpenTaskNow.bucket)).all()
    titles: dict[tuple, str] = {}
    overdue: dict[tuple, int] = {}
    for line, task, title, late, *_ in rows:
        titles[(line, task)] = min(titles.get((line, task), title), title)
        overdue[(line, task)] = overdue.get((line, task), 0) + int(late or 0)
    since = (utcnow() - taken).total_seconds()
    ages = grouped([(line, task, *rest) for line, task, _, _, *rest in rows], 2)
    return [{"lini": key[0], "tahap": key[1], "judul": titles[key], "terlambat": overdue[key],
             **buckets.shifted(since).spread().as_dict()} for key, buckets in sorted(ages.items())]


def _live_backlog(session: Session, principal: Principal, filters: Filters) -> list[dict[str, Any]]:
    now = utcnow()
    query = base_query(*visible_cases(session, principal, filters), InboxTask.state == "open",
                       from_=InboxTask.__table__.join(Case.__table__, Case.id == InboxTask.case_id))
    titles = dict(((line, task), title) for line, task, title in session.execute(
        query.with_only_columns(Case.process_id, InboxTask.task_name, func.min(InboxTask.title))
        .group_by(Case.process_id, InboxTask.task_name)))
    overdue = dict(((line, task), n) for line, task, n in session.execute(
        query.with_only_columns(Case.process_id, InboxTask.task_name, func.count())
        .where(InboxTask.due_at < now).group_by(Case.process_id, InboxTask.task_name)))
    spread = grouped_spread(session, [Case.process_id, InboxTask.task_name],
                            seconds_between(session, now, InboxTask.created_at), query)
    return [{"lini": key[0], "tahap": key[1], "judul": titles.get(key, key[1]), "terlambat": overdue.get(key, 0),
             **value.as_dict()} for key, value in sorted(spread.items())]


def letters_per_day(session: Session, principal: Principal, filters: Filters) -> list[dict[str, Any]]:
    """Letters issued per office day in the period (revoked ones included: they were issued)."""
    rows = session.execute(
        select(Letter.issued_on, func.count()).join(Case, Case.id == Letter.case_id)
        .where(*visible_cases(session, principal, filters), Letter.issued_on >= filters.start,
               Letter.issued_on <= filters.end)
        .group_by(Letter.issued_on).order_by(Letter.issued_on)
    ).all()
    return [{"hari": as_date(day).isoformat(), "jumlah": n} for day, n in rows]


def iso_utc(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def dashboard(session: Session, principal: Principal, filters: Filters) -> dict[str, Any]:
    """Every figure at once, as the page and the API give them."""
    return {
        "periode": {"dari": filters.start.isoformat(), "sampai": filters.end.isoformat()},
        "terbuka": open_now(session, principal, filters),
        "volume": volume(session, principal, filters),
        "waktu_selesai": completion_times(session, principal, filters),
        "sekarang_per": iso_utc(snapshot_time(session, principal)),
        "sla_tahap": stage_sla(session, principal, filters),
        "antrean": backlog(session, principal, filters),
        "surat_per_hari": letters_per_day(session, principal, filters),
    }


def cases_query(session: Session, principal: Principal, filters: Filters, measure: str,
                stage: str | None = None, day: date | None = None) -> Select:
    """The cases behind a figure (newest first): `masuk` opened in the period, `selesai` closed in it,
    `terlambat` closed in it after their service level, `terbuka` open now, `tahap` waiting now at the
    user task `stage`, `surat` with a letter issued on `day` (or in the period)."""
    if measure not in MEASURES:
        raise BadFilter(f"Ukuran '{measure}' tidak dikenal. (Unknown measure.)")
    query = select(Case).where(*visible_cases(session, principal, filters))
    if measure == "masuk":
        query = query.where(filters.in_period(Case.created_at))
    elif measure in ("selesai", "terlambat"):
        query = query.where(Case.completed.is_(True), filters.in_period(Case.closed_at))
        if measure == "terlambat":
            query = query.where(Case.closed_at > Case.sla_due_at)
    elif measure == "terbuka":
        query = query.where(Case.completed.is_(False))
    elif measure == "tahap":
        if not stage:
            raise BadFilter("Pilih tahap. (Choose a stage.)")
        query = query.where(Case.id.in_(select(InboxTask.case_id).where(
            InboxTask.state == "open", InboxTask.task_name == stage)))
    else:
        first, last = (day, day) if day else (filters.start, filters.end)
        query = query.where(Case.id.in_(select(Letter.case_id).where(
            Letter.issued_on >= first, Letter.issued_on <= last)))
    return query.order_by(Case.id.desc())
