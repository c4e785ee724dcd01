"""Outbox delivery through channel adapters, and the scheduler jobs that drive it."""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from app.scheduler import run_outbox_job, run_timer_job
from workflows import cases, notifications
from workflows.db import Case, InboxTask, OutboxMessage
from workflows.principal import OPERATOR, Principal

VILLAGE = "91.71.01.1001"

OPERATOR_P = Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))



class FlakyChannel:
    """A gateway that is down: every send fails."""

    name = "flaky"

    def send(self, recipient: str, message: str) -> None:
        raise ConnectionError("gateway tidak menjawab")


def test_outbox_sends_through_the_log_channel_without_personal_data(app, db_session, caplog):
    msg = notifications.queue(db_session, None, "+6281234567890", "LIGAT: status berubah.", "log")
    db_session.commit()
    with caplog.at_level(logging.INFO, logger="workflows.notifications"):
        sent = [run_outbox_job(app)]
        while sent[-1]:  # other tests' messages may be queued before this one
            sent.append(run_outbox_job(app))
        assert sum(sent) >= 1
    db_session.expire_all()
    sent = db_session.get(OutboxMessage, msg.id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    assert "+6281234567890" not in caplog.text and "status berubah" not in caplog.text
    assert "+628****890" in caplog.text


def test_failing_gateway_is_retried_then_marked_failed(db_session):
    notifications.CHANNELS["flaky"] = FlakyChannel
    try:
        msg = notifications.queue(db_session, None, "+6281200000000", "pesan", "flaky")
        db_session.commit()
        for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
            db_session.get(OutboxMessage, msg.id).next_attempt_at = msg.created_at  # due again now
            db_session.commit()
            notifications.dispatch_pending(db_session)
            db_session.expire_all()
            row = db_session.get(OutboxMessage, msg.id)
            assert row.attempts == attempt and "ConnectionError" in row.last_error
        assert row.status == "failed"
    finally:
        del notifications.CHANNELS["flaky"]


def test_scheduler_timer_job_wakes_due_cases(app, db_session):
    case = cases.start_case(
        db_session, "pengaduan",
        {"kategori": "pengemis", "deskripsi": "x", "lokasi": "y", "kode_wilayah": VILLAGE, "sla_lapangan": "PT1S"},
        "warga", region_code=VILLAGE,
    )
    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    cases.complete_task(db_session, row.id, OPERATOR_P, {"keputusan": "valid"})
    time.sleep(1.1)
    assert run_timer_job(app) >= 1
    db_session.expire_all()
    assert db_session.get(Case, case.id).escalated
