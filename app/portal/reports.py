"""Citizen reports: create one (exactly once per phone-made key), find similar ones
nearby, count them, and say what the public may see of one.

Used by the portal's HTML form, its offline queue and the Open311 API alike.
Takes a SQLAlchemy session; no request objects here.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import Insert, Select, bindparam, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from workflows import audit, cases, compiled_writes, held, storage
from workflows.db import Case, InboxTask, own_session, utcnow
from workflows.deployment import attach_newest, hold, newest_ids_query
from workflows.errors import ConcurrentUpdate, LigatError, NotFound
from workflows.packages import ServicePackage, form_of, latest_package, package_of_case, text

from ..package_english import category_name
from . import catalogue, media
from .models import MediaJob, PortalMedia, PortalReport

# The complaint channel (this portal's report form, Open311, later WhatsApp) starts cases of this package.
COMPLAINT_PACKAGE = "pengaduan"
PROCESS_ID = COMPLAINT_PACKAGE


def complaint_package(session: Session) -> ServicePackage:
    """The newest version of the complaint package (the one a new report's case starts on)."""
    package = latest_package(session, COMPLAINT_PACKAGE)
    if package is None:
        raise NotFound("Paket layanan pengaduan belum di-deploy. (The complaint package is not deployed.)")
    return package


def package_for_new_report(session: Session, client_key: str | None = None) -> tuple[ServicePackage, int | None]:
    """The complaint package a report about to be started is checked against, and the case a report
    with `client_key` already started (None: none did, or no key).

    One statement: the newest complaint definition with its package, kept for this transaction (the
    case start that follows reads neither again and starts on the version the form was checked by),
    and the key looked up on its unique index in a subquery of the same statement. A new report pays
    no round trip for the key; a report sent again is answered without a case start."""
    session = own_session(session)
    postgresql = session.get_bind().dialect.name == "postgresql"
    row = session.execute(_newest_with_key(postgresql),
                          {"process_id": PROCESS_ID, "client_key": client_key or None}).first()
    if row is None:
        definition, package, new_case_id, first_case = None, None, None, None
    else:
        # Ids and deploy moments only: the deployed rows' other columns never change and the process holds them.
        definition, package = attach_newest(session, row)
        new_case_id, first_case = (row[3] if postgresql else None), row.first_case
    # The drawn id goes to this report's case start only; a resend's is left unused (tickets need not be gap-free).
    hold(session, PROCESS_ID, (definition, package), None if first_case is not None else new_case_id)
    return (package if package is not None else complaint_package(session)), first_case


@functools.cache
def _newest_with_key(new_case_id: bool = False) -> Select:
    # With `new_case_id` (PostgreSQL) the new case's id comes from its sequence in this statement, so the case
    # is written by one INSERT with its final reference, as the engine's own start does.
    # `client_key = NULL` matches no row, so a post without a key finds no first case.
    first = select(PortalReport.case_id).where(PortalReport.client_key == bindparam("client_key"))
    return newest_ids_query(new_case_id).add_columns(first.scalar_subquery().label("first_case"))


def report_schema(session: Session, package: ServicePackage | None = None) -> dict[str, Any]:
    """The report form (JSON Schema) of the newest complaint package (or of `package`): its `start.form`."""
    package = package or complaint_package(session)
    return form_of(package, package.descriptor.start["form"])
CLOSED_STATUSES = ("Selesai", "Ditolak")
EARTH_RADIUS_M = 6_371_000


@dataclass
class NewReport:
    """A validated report (fields as in forms/pengaduan_lapor.schema.json)."""

    fields: dict[str, Any]
    actor: str = "warga"
    source: str = "web"
    client_key: str | None = None
    media: list[media.CleanMedia] = field(default_factory=list)


def find_by_client_key(session: Session, client_key: str | None) -> Case | None:
    if not client_key:
        return None
    # Nearly every post is new: ask for the id alone (no case row built for the usual "none") and
    # load the case only when a phone re-sent its report.
    case_id = session.scalar(select(PortalReport.case_id).where(PortalReport.client_key == client_key))
    return None if case_id is None else session.get(Case, case_id)


# What every caller answers with: known before the commit and never changed by it, so they are kept
# instead of read back (the commit expires the case; a read would reload the whole row).
KEPT_AFTER_COMMIT = ("id", "reference", "tracking_code")


@functools.cache
def _report_insert() -> Insert:
    # Built once: composing a statement per report costs more than running it.
    return insert(PortalReport.__table__)


@cases.unit_of_work
def _start(session: Session, report: NewReport) -> tuple[Case, dict[str, Any]]:
    """Case, location, idempotency key and media in ONE transaction: a duplicate key rolls
    back the whole case (ticket number included), and the files written for it are removed."""
    data = report.fields
    anonymous = bool(data.get("anonim"))
    reporter = cases.Reporter(name=data.get("nama"), phone=data.get("telepon"), anonymous=anonymous)
    confidential = bool(data.get("rahasia")) or catalogue.is_sensitive(data["kategori"])
    # Contact details stay in the case's own columns, not in process variables.
    variables = {k: data[k] for k in ("kategori", "deskripsi", "lokasi", "kode_wilayah", "lintang", "bujur")
                 if data.get(k) is not None}
    case = cases.begin_case(  # no commit: the portal's rows below belong to the same transaction
        session, PROCESS_ID, variables, report.actor,
        region_code=data["kode_wilayah"], category=data["kategori"], title=data["deskripsi"][:120],
        reporter=reporter, confidential=confidential,
    )
    # Written at once with Core (nothing reads the row back in this request): no ORM object to build
    # and flush, and a key already used is refused here, before the photos are stored. The transaction's held
    # rows first (the case's flows, inbox row, audit chain and events), as the session's execution of it wrote
    # them; then its compiled SQL on the session's connection, without the ORM's execution around a Core INSERT.
    held.write_now(session)
    compiled_writes.execute(session.connection(), _report_insert(), {
        "case_id": case.id, "client_key": report.client_key, "source": report.source,
        "latitude": data.get("lintang"), "longitude": data.get("bujur"), "address": data.get("lokasi"),
        "description": data.get("deskripsi"), "created_at": utcnow(),
    })
    waiting = []
    # Each file's hash once: a phone photo is about 0.4 MB, and the row and the audit event both name it.
    digests = [item.sha256 for item in report.media]
    for item, digest in zip(report.media, digests, strict=True):
        # A photo not yet re-encoded is kept apart (raw_key) and queued: it is never served as sent.
        key = storage.store(session, media.AREA if item.cleaned else media.RAW_AREA, item.data, item.extension)
        row = PortalMedia(
            case_id=case.id, kind=item.kind, media_type=item.media_type, storage_key=key if item.cleaned else None,
            raw_key=None if item.cleaned else key,
            size=len(item.data), sha256=digest, width=item.width, height=item.height,
        )
        session.add(row)
        if not item.cleaned:
            waiting.append(row)
    if report.media:
        # Hashes in the audit chain: a swapped file would not match its event (a photo re-encoded
        # later gets its own event with the new file's hash: app/portal/cleaning.py).
        audit.append(session, case.id, report.actor, "media_attached",
                     {"berkas": [{"jenis": m.kind, "sha256": digest, "ukuran": len(m.data)}
                                 | ({} if m.cleaned else {"dibersihkan": False})
                                 for m, digest in zip(report.media, digests, strict=True)]})
    session.flush()
    if waiting:
        session.add_all(MediaJob(media_id=row.id) for row in waiting)  # committed with the case
    return case, {name: getattr(case, name) for name in KEPT_AFTER_COMMIT}



def create_report(session: Session, report: NewReport) -> tuple[Case, bool]:
    """Start the complaint case; returns (case, created). The same client key again returns
    the first case (created False) whatever happened to the first answer on the way back.

    The key is not looked up first: nearly every post is new, and the key's unique index refuses a
    second report with it at commit whichever way it came (sent again, or twice at once), rolling back
    the whole case. Only then is the first case looked up: a statement less for every new report, a
    case start rolled back for the rare one sent again."""
    try:
        case, kept = _start(session, report)
    except ConcurrentUpdate:
        existing = find_by_client_key(session, report.client_key)
        if existing is not None:  # the same report again: the first one stands
            return existing, False
        raise
    for name, value in kept.items():
        set_committed_value(case, name, value)
    return case, True


def location_of(session: Session, case: Case) -> PortalReport | None:
    return session.get(PortalReport, case.id)


def media_of(session: Session, case: Case) -> list[PortalMedia]:
    return list(session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id).order_by(PortalMedia.id)))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at these ranges."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def similar_nearby(
    session: Session, category: str, lat: float, lon: float, radius_m: float = 300, days: int = 7, limit: int = 10,
) -> list[dict[str, Any]]:
    """Open, non-confidential reports of the same category within radius_m in the last `days`."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    rows = session.execute(
        select(Case, PortalReport)
        .join(PortalReport, PortalReport.case_id == Case.id)
        .where(
            Case.process_id == PROCESS_ID,
            Case.category == category,
            Case.completed.is_(False),
            Case.confidential.is_(False),
            Case.created_at >= utcnow() - timedelta(days=days),
            PortalReport.latitude.between(lat - dlat, lat + dlat),
            PortalReport.longitude.between(lon - dlon, lon + dlon),
        )
        .order_by(Case.id.desc())
        .limit(200)
    ).all()
    found = []
    for case, where in rows:
        distance = distance_m(lat, lon, where.latitude, where.longitude)
        if distance <= radius_m:
            found.append({"case": case, "report": where, "distance": round(distance)})
    found.sort(key=lambda item: item["distance"])
    return found[:limit]


@dataclass(frozen=True)
class PublicView:
    """What anyone may read of a non-confidential report: the office's reviewed summary (or a
    neutral sentence naming category and village), the village, and coordinates rounded to the
    office's chosen precision. Never the citizen's own words, address or exact position."""

    summary: str
    reviewed: bool
    place: str
    latitude: float | None
    longitude: float | None


def public_view(case: Case, where: PortalReport | None, decimals: int = 3) -> PublicView:
    from ..regions import region_label

    place = region_label(case.region_code) if case.region_code else ""
    reviewed = bool(where and where.public_summary)
    if reviewed:
        summary = where.public_summary
    else:
        # A neutral sentence in the reader's language (Indonesian outside a request: WhatsApp, Open311).
        name = catalogue.category_name(case.category).lower()
        summary = gettext("Laporan %(category)s di %(place)s", category=name, place=place) if place \
            else gettext("Laporan %(category)s", category=name)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, max(decimals, 0))

    return PublicView(summary=summary, reviewed=reviewed, place=place,
                      latitude=rounded(where.latitude if where else None),
                      longitude=rounded(where.longitude if where else None))


PUBLIC_SUMMARY_MAX = 500


@cases.unit_of_work
def set_public_summary(session: Session, case_id: int, text: str, actor: str) -> PortalReport:
    """An officer writes (or clears, with empty text) what the public reads of a report; audited."""
    where = session.get(PortalReport, case_id)
    if where is None:
        raise NotFound("Kasus ini bukan laporan warga. (This case is not a citizen's report.)")
    text = " ".join(text.split())
    if len(text) > PUBLIC_SUMMARY_MAX:
        raise LigatError(f"Ringkasan publik paling banyak {PUBLIC_SUMMARY_MAX} karakter. "
                         f"(The public summary takes at most {PUBLIC_SUMMARY_MAX} characters.)")
    where.public_summary = text or None
    where.public_summary_by = actor if text else None
    where.public_summary_at = utcnow() if text else None
    audit.append(session, case_id, actor, "public_summary_set", {"ringkasan_publik": text or None})
    return where


def public_counts(session: Session) -> dict[str, int]:
    """Counts for the home page (all reports, confidential included: a count reveals nobody)."""
    base = select(func.count()).select_from(Case).where(Case.process_id == PROCESS_ID)
    return {
        "diproses": session.scalar(base.where(Case.completed.is_(False))) or 0,
        "selesai": session.scalar(base.where(Case.status == "Selesai")) or 0,
    }


def expected_completions(session: Session, rows: list[Case]) -> dict[int, datetime | None]:
    """Per case: the later of its open tasks' due time and the line's service level (catalogue `sla`
    from the start, its clock stopped while the case waited on the citizen); None once closed.
    One query for any number of cases."""
    open_ids = [case.id for case in rows if not case.completed]
    due: dict[int, datetime] = {}
    if open_ids:
        due = dict(session.execute(
            select(InboxTask.case_id, func.max(InboxTask.due_at))
            .where(InboxTask.case_id.in_(open_ids), InboxTask.state == "open")
            .group_by(InboxTask.case_id)
        ).all())
    result: dict[int, datetime | None] = {}
    for case in rows:
        if case.completed:
            result[case.id] = None
            continue
        candidates = [due[case.id]] if due.get(case.id) else []
        if case.sla_due_at:  # the line's service level, moved later while the case waited on the citizen
            candidates.append(case.sla_due_at)
        result[case.id] = max(candidates) if candidates else None
    return result


def expected_completion(session: Session, case: Case) -> datetime | None:
    return expected_completions(session, [case])[case.id]


def tracking_stages(session: Session, case: Case, lang: str = "id") -> list[dict[str, str]]:
    """The stages the public tracking page shows for the case's own line (service.json → tracking),
    each done, current or still to come; the case's status decides where it stands."""
    descriptor = package_of_case(session, case).descriptor
    found = descriptor.stage_of(case.status, lang)
    current = found[0] if found else -1
    stages = []
    for index, stage in enumerate(descriptor.tracking):
        if case.completed or index < current:
            state = "done"
        elif index == current:
            state = "current"
        else:
            state = "pending"
        stages.append({"label": text(stage["stage"], lang), "state": state})
    return stages


def line_name(session: Session, case: Case, lang: str = "id") -> str:
    """What the public reads as the case's kind: the PMKS category of a report, else the line's name."""
    found = catalogue.category(case.category)
    if found:
        return category_name(found) if lang == "en" else found["nama"]
    return text(package_of_case(session, case).descriptor.name, lang)


def public_timeline(session: Session, case: Case) -> list[dict[str, Any]]:
    """Public status changes only: no officer names, no internal notes (only set_status notes)."""
    return audit.status_history(session, case.id)


def status_notes(case: Case) -> str:
    """'<LIGAT stage>' or '<stage>: <officer's public note>' (Open311 status_notes)."""
    return f"{case.status}: {case.status_note}" if case.status_note else case.status
