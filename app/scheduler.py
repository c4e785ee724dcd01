"""Background jobs: wake due timers and send queued notifications.

Safe in every web process at once: timers are claimed with row locks (see
workflows/timers.py) and outbox rows with SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from workflows.notifications import dispatch_pending
from workflows.timers import wake_due_timers

from .extensions import db

log = logging.getLogger(__name__)


def run_timer_job(app: Flask) -> int:
    with app.app_context():
        try:
            return wake_due_timers(db.session)
        finally:
            db.session.remove()


def run_outbox_job(app: Flask) -> int:
    with app.app_context():
        try:
            return dispatch_pending(db.session)
        finally:
            db.session.remove()


def start_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    seconds = app.config["LIGAT_TIMER_POLL_SECONDS"]
    scheduler.add_job(run_timer_job, "interval", seconds=seconds, args=[app], id="timers")
    scheduler.add_job(run_outbox_job, "interval", seconds=seconds, args=[app], id="outbox")
    scheduler.start()
    log.info("penjadwal berjalan: timer dan notifikasi tiap %s detik", seconds)
    return scheduler
