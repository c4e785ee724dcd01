"""SLAs in working days through the engine: a task whose dueIn is "2 hari kerja"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from workflows import cases
from workflows.db import InboxTask

VILLAGE = "91.71.01.1001"


def test_a_due_in_of_working_days_skips_the_weekend_and_holidays(db_session, monkeypatch):
    # Friday 14 August 2026, 11:00 WIT; Monday 17 August is Independence Day.
    monkeypatch.setattr(cases, "utcnow", lambda: datetime(2026, 8, 14, 2, 0))
    values = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
              "kode_wilayah": VILLAGE, "sla_verifikasi": "2 hari kerja"}
    case = cases.start_case(db_session, "pengaduan", values, "warga", region_code=VILLAGE, category="pengemis")
    row = db_session.scalar(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == "verifikasi")
    )
    # Two working days later: Tuesday 18 and Wednesday 19 August, same clock time (naive UTC).
    assert row.due_at == datetime(2026, 8, 19, 2, 0)
