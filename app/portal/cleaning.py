"""Report photos re-encoded off the request, never lost, never served as sent.

The portal's form checks a photo (type by content, size, dimensions from the header) and keeps it
as sent under `media.RAW_AREA`, with a `media_job` row, in the report's own transaction: a crash
after the answer loses nothing. The scheduler (`run_pending`) re-encodes waiting photos; an
officer opening one first re-encodes it on the spot (`clean_one`, the same step). Only the
re-encoded file gets a `storage_key`, and only a `storage_key` is ever served.

A passing failure (a file not readable now, a busy database, a lost race on the case's audit
chain) is retried later with a growing delay (at most an hour), never given up on; a photo Pillow
cannot decode is kept with its error (`failed_at`) and stays unserved. No Flask here: a session in, counts out.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workflows import audit, storage
from workflows.db import utcnow

from . import media
from .models import MediaJob, PortalMedia

log = logging.getLogger(__name__)
ACTOR = "sistem"


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _note_failure(session: Session, media_id: int, error: str, permanent: bool) -> None:
    """Count the attempt in a transaction of its own (the failed one was rolled back)."""
    session.rollback()
    try:
        job = session.scalar(select(MediaJob).where(MediaJob.media_id == media_id))
        if job is None:
            return
        job.attempts += 1
        job.last_error = error[:1000]
        job.next_try_at = utcnow() + retry_delay(job.attempts)
        if permanent:
            job.failed_at = utcnow()
            log.error("foto laporan %s tidak dapat dibersihkan: %s", media_id, error)
        session.commit()
    except SQLAlchemyError:  # the database is busy too: the job stays due and is tried next round
        session.rollback()


def clean_one(session: Session, media_id: int) -> bool:
    """Re-encode one waiting photo in its own transaction. True when the photo has a clean file
    (made now, or before, by the scheduler or another process); False when it has none yet."""
    item = session.get(PortalMedia, media_id)
    if item is None:
        return False
    if item.raw_key is None:
        return item.storage_key is not None
    raw_key, case_id, sent_sha256 = item.raw_key, item.case_id, item.sha256
    try:
        raw = storage.read(raw_key)
        # No transaction is held while Pillow works: PostgreSQL sees no idle transaction, and on
        # SQLite the write below starts fresh instead of upgrading a read that another writer made stale.
        session.rollback()
        clean = media.reencode_photo(raw)
    except media.MediaRejected as exc:
        _note_failure(session, media_id, str(exc), permanent=True)
        return False
    except OSError as exc:
        _note_failure(session, media_id, f"{type(exc).__name__}: {exc}", permanent=False)
        return False
    try:
        key = storage.store(session, media.AREA, clean.data, clean.extension)  # removed again on rollback
        # Guarded by the raw key: of two processes cleaning the same photo at once, one writes.
        moved = session.execute(
            update(PortalMedia).where(PortalMedia.id == media_id, PortalMedia.raw_key == raw_key)
            .values(storage_key=key, raw_key=None, media_type=clean.media_type, size=len(clean.data),
                    sha256=clean.sha256, width=clean.width, height=clean.height)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            session.rollback()
            return session.get(PortalMedia, media_id).storage_key is not None
        session.execute(MediaJob.__table__.delete().where(MediaJob.media_id == media_id))
        audit.append(session, case_id, ACTOR, "media_cleaned",
                     {"berkas": media_id, "sha256": clean.sha256, "ukuran": len(clean.data),
                      "sha256_kiriman": sent_sha256})
        session.commit()
    except SQLAlchemyError as exc:  # e.g. an officer's step took the audit chain's next number first
        _note_failure(session, media_id, f"{type(exc).__name__}", permanent=False)
        return False
    finally:
        audit.forget_heads(session)
    storage.path_of(raw_key).unlink(missing_ok=True)  # after the commit: the row no longer names it
    return True


def run_pending(session: Session, limit: int = 50) -> int:
    """The scheduler's job: re-encode the photos waiting longest (due ones, not given up on).
    Returns how many were cleaned."""
    due = list(session.scalars(
        select(MediaJob.media_id).where(MediaJob.failed_at.is_(None), MediaJob.next_try_at <= utcnow())
        .order_by(MediaJob.id).limit(limit)
    ))
    session.rollback()  # each photo is its own transaction
    return sum(1 for media_id in due if clean_one(session, media_id))



def given_up(session: Session, items: list[PortalMedia]) -> set[int]:
    """Ids of the photos among `items` that will not be re-encoded (their job failed for good)."""
    waiting = [item.id for item in items if item.storage_key is None]
    if not waiting:
        return set()
    return set(session.scalars(select(MediaJob.media_id).where(MediaJob.media_id.in_(waiting),
                                                                MediaJob.failed_at.is_not(None))))
