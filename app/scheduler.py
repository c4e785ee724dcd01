"""Background jobs: wake due timers, send queued notifications, re-encode report photos,
verify the audit chains.

Started once, by run.py: inside the one waitress process (SQLite), or in run.py's own process
beside the gunicorn workers (PostgreSQL; app/server.py starts workers with LIGAT_SCHEDULER=0).
Still safe if a second scheduler runs (another machine): timers are claimed with row locks (see
workflows/timers.py), outbox rows with SKIP LOCKED on PostgreSQL, a report photo by its raw key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.orm import Session

from workflows.audit_checks import run_check
from workflows.dashboard import snapshot
from workflows.dashboard.summary import refresh as refresh_summary
from workflows.documents import remove_stale_staged
from workflows.issued_letters import render_pending_pdfs
from workflows.notifications import dispatch_pending
from workflows.satisfaction import invite_closed_cases
from workflows.storage import remove_orphans
from workflows.timers import wake_due_timers

from .extensions import db
from .portal.cleaning import run_pending as clean_report_photos

log = logging.getLogger(__name__)


def _in_app(app: Flask, job: Callable[[Session], int]) -> int:
    with app.app_context():
        try:
            return job(db.session)
        finally:
            db.session.remove()


def run_timer_job(app: Flask) -> int:
    return _in_app(app, wake_due_timers)


def run_outbox_job(app: Flask) -> int:
    return _in_app(app, dispatch_pending)


def run_pdf_job(app: Flask) -> int:
    """Letters are issued as .docx inside the step; their PDFs are made here, off the hot path."""
    return _in_app(app, render_pending_pdfs)


def run_staged_cleanup_job(app: Flask) -> int:
    """Files kept from refused start forms that were never sent again."""
    return _in_app(app, remove_stale_staged)


def run_orphan_cleanup_job(app: Flask) -> int:
    """Files a crashed step wrote but never committed a row for (declared areas only)."""
    return _in_app(app, remove_orphans)


def run_survey_invitation_job(app: Flask) -> int:
    """Citizens of newly closed cases (with a contact number) get the satisfaction survey link, once."""
    config = app.config
    return _in_app(app, lambda session: invite_closed_cases(session, config["LIGAT_PUBLIC_URL"],
                                                            config["LIGAT_NOTIFY_CHANNEL"]))


def run_media_job(app: Flask) -> int:
    """Report photos kept as sent by the portal's form, re-encoded here (off the request)."""
    return _in_app(app, clean_report_photos)


def run_whatsapp_job(app: Flask) -> int:
    """Queued WhatsApp messages, quiet conversations, issued letters to send as documents."""
    from workflows.whatsapp.inbound import expire_quiet
    from workflows.whatsapp.letters import queue_issued_letters

    from .whatsapp.webhook import run_worker

    with app.app_context():
        try:
            return run_worker() + expire_quiet(db.session) + queue_issued_letters(db.session)
        finally:
            db.session.remove()


def run_audit_check_job(app: Flask) -> int:
    """Verify every audit chain against itself and its chain record; the result shows on /audit/."""
    def job(session: Session) -> int:
        check = run_check(session, "jadwal", "sistem")
        if not check.intact:
            # Case ids only: the log carries no personal data.
            log.error("rantai audit rusak: %s kasus (kasus %s)", check.broken_count,
                      ", ".join(str(case_id) for case_id, _seq, _reason in check.broken[:20]))
        return check.broken_count

    return _in_app(app, job)


def run_dashboard_job(app: Flask) -> int:
    """The dashboard's daily summary: the last days again (a case's bidang and closing change them)."""
    days = app.config["LIGAT_DASHBOARD_REFRESH_DAYS"]

    def job(session: Session) -> int:
        refresh_summary(session, days)
        session.commit()
        return days

    return _in_app(app, job)


def run_dashboard_snapshot_job(app: Flask) -> int:
    """What is open now for the dashboard's backlog, heatmap and open count (taken every minute or so)."""
    seconds = app.config["LIGAT_DASHBOARD_SNAPSHOT_SECONDS"]

    def job(session: Session) -> int:
        snapshot.take(session, fresh_for=seconds / 2)
        session.commit()
        return 1

    return _in_app(app, job)


def start_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    seconds = app.config["LIGAT_TIMER_POLL_SECONDS"]
    scheduler.add_job(run_timer_job, "interval", seconds=seconds, args=[app], id="timers")
    scheduler.add_job(run_outbox_job, "interval", seconds=seconds, args=[app], id="outbox")
    scheduler.add_job(run_whatsapp_job, "interval", seconds=max(2, seconds // 5), args=[app], id="whatsapp")
    scheduler.add_job(run_media_job, "interval", seconds=max(2, seconds // 5), args=[app], id="report_photos")
    scheduler.add_job(run_pdf_job, "interval", seconds=seconds * 4, args=[app], id="letter_pdfs")
    scheduler.add_job(run_staged_cleanup_job, "interval", minutes=30, args=[app], id="staged_uploads")
    scheduler.add_job(run_survey_invitation_job, "interval", minutes=5, args=[app], id="survey_invitations")
    scheduler.add_job(run_orphan_cleanup_job, "interval", minutes=60, args=[app], id="orphan_files")
    scheduler.add_job(run_audit_check_job, "interval", minutes=app.config.get("LIGAT_AUDIT_CHECK_MINUTES", 60),
                      args=[app], id="audit_check")
    scheduler.add_job(run_dashboard_job, "interval", minutes=app.config["LIGAT_DASHBOARD_REFRESH_MINUTES"],
                      args=[app], id="dashboard_summary")
    scheduler.add_job(run_dashboard_snapshot_job, "interval", seconds=app.config["LIGAT_DASHBOARD_SNAPSHOT_SECONDS"],
                      args=[app], id="dashboard_snapshot")
    scheduler.start()
    log.info("penjadwal berjalan: timer dan notifikasi tiap %s detik", seconds)
    return scheduler
