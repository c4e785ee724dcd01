"""Complaint cases with known figures for the dashboard tests (HTTP and browser): run through the engine,
then moved into March 2025 (their times set to known values) in kecamatan Muara Tami (91.71.04), where
no other test makes cases, so each figure filtered to that period and region has one right answer."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from docx import Document
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.portal.models import PortalReport
from workflows import cases, storage
from workflows.dashboard import snapshot, summary
from workflows.dashboard.flows import CaseFlow
from workflows.db import Case, InboxTask, utcnow
from workflows.issued_letters import Letter
from workflows.principal import FIELD_OFFICER, OPERATOR
from workflows.visibility import principal

REGION = "91.71.04"
V1, V2 = "91.71.04.2006", "91.71.04.1004"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERIOD = {"dari": "2025-03-01", "sampai": "2025-03-31", "wilayah": REGION, "lini": "pengaduan"}


def at(day: int, hour: int = 2) -> datetime:
    """A moment in March 2025 (naive UTC; 02:00 UTC is 11:00 WIT the same day)."""
    return datetime(2025, 3, day, hour)


@dataclass
class Seed:
    """What the seeded cases are, by name (A* closed, B* open), and their definition."""

    ids: dict[str, int] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    definition_version: int = 0


# name: (category, village, verification decision or None, field follow-up done, created, closed, sla due)
PLAN = {
    "A1": ("pengemis", V1, "valid", True, at(3), at(4), at(7)),
    "A2": ("pengemis", V1, "valid", True, at(10), at(13), at(11)),
    "A3": ("gelandangan", V2, "tidak_valid", False, at(17), at(17, 14), at(21)),
    "A4": ("korban_bencana_alam", V2, "valid", True, at(24), at(28), at(28)),
    "B1": ("pemulung", V1, "valid", False, at(5), None, None),
    "B2": ("pengemis", V2, None, False, at(20), None, None),
    "B3": ("pengemis", V2, "perlu_informasi", False, at(26), None, None),
    "B4": ("pengemis", V1, None, False, at(27), None, None),
}
# user task → (completed_at, due_at) per case: known on-time / late answers per stage.
STAGE_TIMES = {
    ("A1", "verifikasi"): (at(3, 5), at(4)), ("A2", "verifikasi"): (at(11, 5), at(11)),
    ("A3", "verifikasi"): (at(17, 14), at(18)), ("A4", "verifikasi"): (at(24, 5), at(25)),
    ("B1", "verifikasi"): (at(5, 5), at(6)), ("B3", "verifikasi"): (at(27, 5), at(27)),
    ("A1", "tindak_lanjut_lapangan"): (at(4), at(6)), ("A2", "tindak_lanjut_lapangan"): (at(13), at(12)),
    ("A4", "tindak_lanjut_lapangan"): (at(28), at(28)),
}
# open task → (hours waited so far, due in hours from now or None)
OPEN_WAITS = {("B1", "tindak_lanjut_lapangan"): (10, 24), ("B2", "verifikasi"): (30, -1),
              ("B3", "lengkapi_informasi"): (50, None), ("B4", "verifikasi"): (70, -2)}
LETTER_DAYS = {"A1": date(2025, 3, 4), "A2": date(2025, 3, 4), "A4": date(2025, 3, 28)}


def _open(session: Session, case_id: int, name: str) -> InboxTask:
    session.expire_all()
    return session.scalars(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name,
                                                   InboxTask.state == "open")).one()


def _set_waits(session: Session, out: Seed) -> None:
    """Open tasks waited known hours until now (set again when the seed is reused later in the run); a
    snapshot of open tasks taken earlier in the run is taken again, as the scheduler would."""
    now = utcnow()
    for (name, task), (waited, due_in) in OPEN_WAITS.items():
        session.execute(update(InboxTask).where(
            InboxTask.case_id == out.ids[name], InboxTask.task_name == task, InboxTask.state == "open"
        ).values(created_at=now - timedelta(hours=waited),
                 due_at=None if due_in is None else now + timedelta(hours=due_in)))
    session.commit()
    if snapshot.taken_at(session) is not None:
        snapshot.take(session)
        session.commit()


def _existing(session: Session) -> Seed | None:
    found = session.scalars(select(Case).where(Case.title.like("Uji dasbor %"), Case.region_code.like(REGION + ".%"))
                            ).all()
    if not found:
        return None
    out = Seed()
    for case in found:
        name = case.title.removeprefix("Uji dasbor ")
        out.ids[name], out.references[name] = case.id, case.reference
        out.definition_version = case.definition.version
    return out


def seed(session: Session) -> Seed:
    """The cases of PLAN, made once per test run (the HTTP and browser tests share them)."""
    out = _existing(session)
    if out is not None:
        _set_waits(session, out)
        return out
    out = Seed()
    operator = principal(session, "op.dasbor", {OPERATOR})
    for name, (category, village, decision, field_done, *_) in PLAN.items():
        values = {"kategori": category, "deskripsi": f"Uji dasbor {name}", "lokasi": "Muara Tami",
                  "kode_wilayah": village}
        case = cases.start_case(session, "pengaduan", values, "warga", region_code=village, category=category,
                                title=f"Uji dasbor {name}")
        out.ids[name], out.references[name] = case.id, case.reference
        out.definition_version = case.definition.version
        if decision:
            data = {"keputusan": decision, "alasan": "bukan PMKS", "pertanyaan": "Di mana tepatnya?"}
            cases.complete_task(session, _open(session, case.id, "verifikasi").id, operator, data)
        if field_done:
            row = _open(session, case.id, "tindak_lanjut_lapangan")
            officer = principal(session, "lapangan.dasbor", {FIELD_OFFICER}, bidang=row.bidang)
            cases.complete_task(session, row.id, officer, {"temuan": "ada warga", "tindakan": "dibantu petugas",
                                                           "catatan_publik": "Sudah ditangani."})
    session.expire_all()
    for name, (_, _, _, _, created, closed, sla_due) in PLAN.items():
        case_id = out.ids[name]
        session.execute(update(Case).where(Case.id == case_id).values(
            created_at=created, closed_at=closed, sla_due_at=sla_due))
        session.execute(update(CaseFlow).where(CaseFlow.case_id == case_id).values(taken_at=created))
        case = session.get(Case, case_id)
        assert case.completed == (closed is not None), (name, case.status)
    for (name, task), (completed, due) in STAGE_TIMES.items():
        session.execute(update(InboxTask).where(
            InboxTask.case_id == out.ids[name], InboxTask.task_name == task, InboxTask.state == "completed"
        ).values(completed_at=completed, due_at=due, created_at=PLAN[name][4]))
    # Letters issued on known days: stored files (a .docx and its PDF), so every letter job and download
    # finds what it expects.
    document = io.BytesIO()
    Document().save(document)
    for name, day in LETTER_DAYS.items():
        token = secrets.token_hex(16)
        docx_key = storage.store(session, "letters", document.getvalue(), "docx")
        pdf_key = storage.store(session, "letters", PDF, "pdf")
        session.add(Letter(number=f"UJI-DASBOR/{token[:10]}", letter_type="uji", template="uji.docx",
                           case_id=out.ids[name], holder_name_masked="U***", sha256="0" * 64, issued_on=day,
                           issued_by="kadis", docx_key=docx_key, pdf_key=pdf_key, token=token))
    # Where reports were made: A1 named, A2 anonymous (coarsened), B4 confidential (never on the map).
    # (Cases started here without a reporter are anonymous; a named reporter's report keeps its point.)
    session.execute(update(Case).where(Case.id.in_(list(out.ids.values()))).values(anonymous=False))
    session.execute(update(Case).where(Case.id == out.ids["A2"]).values(anonymous=True))
    session.execute(update(Case).where(Case.id == out.ids["B4"]).values(confidential=True))
    for name, lat, lon in (("A1", -2.61234, 140.81234), ("A2", -2.62345, 140.82345), ("B4", -2.6, 140.8)):
        session.add(PortalReport(case_id=out.ids[name], source="web", latitude=lat, longitude=lon))
    session.commit()
    if summary.refreshed_through(session) is not None:  # a summary built earlier in the run lacks the moved days
        summary.refresh(session, None)
        session.commit()
    _set_waits(session, out)
    return out
