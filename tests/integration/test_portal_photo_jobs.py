"""Report photos are re-encoded off the request by a durable job: the job cleans them (EXIF and
GPS gone), a crash before or during the job loses nothing, and nobody is ever served a photo as
the citizen sent it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.portal import cleaning
from app.portal.models import MediaJob, PortalMedia
from app.scheduler import run_media_job
from tests.conftest import csrf_token
from tests.integration.portal_helpers import jpeg_with_gps, report_form
from workflows import storage
from workflows.db import AuditEvent, Case, utcnow

JSON = {"Accept": "application/json"}


def report_with_photo(client, photo: bytes) -> str:
    data = report_form(csrf_token(client, "/lapor"), foto=(io.BytesIO(photo), "IMG_0001.jpg"))
    response = client.post("/lapor", data=data, headers=JSON, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["tiket"]


def media_of(db_session, ticket: str) -> PortalMedia:
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    return db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))


def job_of(db_session, media_id: int) -> MediaJob | None:
    return db_session.scalar(select(MediaJob).where(MediaJob.media_id == media_id))


def assert_clean(data: bytes) -> None:
    assert data[:3] == b"\xff\xd8\xff"
    assert b"KameraUji" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0 and image.getexif().get_ifd(0x8825) == {}


def truncated_jpeg() -> bytes:
    """A header that reads (so the form takes it) and pixels that stop halfway (so re-encoding fails)."""
    out = io.BytesIO()
    Image.effect_noise((256, 256), 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()[: len(out.getvalue()) // 2]


def test_the_form_keeps_the_photo_as_sent_and_the_job_re_encodes_it(app, client, db_session):
    original = jpeg_with_gps()
    ticket = report_with_photo(client, original)
    item = media_of(db_session, ticket)
    assert item.storage_key is None
    assert storage.read(item.raw_key) == original  # kept as sent, apart from what is served
    job = job_of(db_session, item.id)
    assert job is not None and job.attempts == 0 and job.failed_at is None
    raw_path = storage.path_of(item.raw_key)

    assert run_media_job(app) >= 1
    item = media_of(db_session, ticket)
    assert item.raw_key is None and item.storage_key.startswith("media/")
    assert_clean(storage.read(item.storage_key))
    assert item.media_type == "image/jpeg" and item.size == len(storage.read(item.storage_key))
    assert not raw_path.exists()  # the upload as sent is gone once its clean copy is committed
    assert job_of(db_session, item.id) is None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.case_id == item.case_id,
                                                       AuditEvent.action == "media_cleaned"))
    assert json.loads(event.data_json)["sha256"] == item.sha256


def test_a_crash_before_the_job_runs_loses_nothing(app, client, db_session):
    """The answer was sent and the web process died: the job and the photo are in the database and on
    disk, seen from a new connection (another process), and the scheduler cleans the photo later."""
    ticket = report_with_photo(client, jpeg_with_gps("green"))
    with app.app_context():
        from app.extensions import db

        url, options = db.engine.url, {}
    other = create_engine(url.render_as_string(hide_password=False), **options)
    with Session(other) as fresh:
        case = fresh.scalar(select(Case).where(Case.reference == ticket))
        item = fresh.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
        assert item.storage_key is None and storage.path_of(item.raw_key).is_file()
        assert fresh.scalar(select(MediaJob).where(MediaJob.media_id == item.id)) is not None
    other.dispose()
    run_media_job(app)
    item = media_of(db_session, ticket)
    assert item.raw_key is None
    assert_clean(storage.read(item.storage_key))


def test_a_crash_during_the_job_loses_nothing(app, client, db_session, monkeypatch):
    """Killed after writing the clean file but before the commit: the job is still there, the photo
    still waits as sent (still unserved), and the next run finishes it."""
    ticket = report_with_photo(client, jpeg_with_gps("yellow"))
    item = media_of(db_session, ticket)

    class Killed(BaseException):
        pass

    def die(*_args, **_kwargs):
        raise Killed

    monkeypatch.setattr(cleaning.audit, "append", die)
    with pytest.raises(Killed), app.app_context():
        from app.extensions import db

        try:
            cleaning.clean_one(db.session, item.id)
        finally:
            db.session.rollback()  # what the database does to a dead connection's transaction
            db.session.remove()
    monkeypatch.undo()
    item = media_of(db_session, ticket)
    assert item.storage_key is None and storage.path_of(item.raw_key).is_file()
    assert job_of(db_session, item.id) is not None
    run_media_job(app)
    item = media_of(db_session, ticket)
    assert item.raw_key is None
    assert_clean(storage.read(item.storage_key))


def test_a_passing_error_is_retried_later(app, client, db_session):
    ticket = report_with_photo(client, jpeg_with_gps("purple"))
    item = media_of(db_session, ticket)
    raw_path = storage.path_of(item.raw_key)
    hidden = raw_path.with_suffix(".hidden")
    raw_path.rename(hidden)  # the disk is not readable for a moment
    run_media_job(app)
    db_session.expire_all()
    job = job_of(db_session, item.id)
    assert job.attempts == 1 and job.failed_at is None and "FileNotFoundError" in job.last_error
    assert job.next_try_at > utcnow()
    hidden.rename(raw_path)
    run_media_job(app)  # not due yet: left alone
    assert media_of(db_session, ticket).storage_key is None
    job.next_try_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    run_media_job(app)
    item = media_of(db_session, ticket)
    assert item.raw_key is None and job_of(db_session, item.id) is None
    assert_clean(storage.read(item.storage_key))


def test_officers_get_the_re_encoded_photo_even_before_the_job_ran(app, client, db_session, login_as):
    original = jpeg_with_gps("blue")
    item = media_of(db_session, report_with_photo(client, original))
    assert item.storage_key is None
    response = login_as("operator").get(f"/lampiran-laporan/{item.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data != original
    assert_clean(response.data)
    # Re-encoded on that first access, once: the job has nothing left to do for it.
    db_session.expire_all()
    item = db_session.get(PortalMedia, item.id)
    assert item.raw_key is None and job_of(db_session, item.id) is None
    assert storage.read(item.storage_key) == response.data


def test_a_photo_that_cannot_be_re_encoded_is_never_served(app, client, db_session, login_as):
    broken = truncated_jpeg()
    item = media_of(db_session, report_with_photo(client, broken))
    raw_key = item.raw_key
    operator = login_as("operator")
    assert operator.get(f"/lampiran-laporan/{item.id}").status_code == 404
    db_session.expire_all()
    job = job_of(db_session, item.id)
    assert job.failed_at is not None and job.last_error  # kept, with the reason, for the admin
    run_media_job(app)  # given up on: not tried again
    assert job_of(db_session, item.id).attempts == job.attempts
    item = db_session.get(PortalMedia, item.id)
    assert item.storage_key is None and item.raw_key == raw_key and storage.read(raw_key) == broken
    assert operator.get(f"/lampiran-laporan/{item.id}").status_code == 404
    # The case page says so instead of showing a broken picture.
    page = operator.get(f"/kasus/{item.case_id}").get_data(as_text=True)
    assert "tidak dapat dibaca (berkas rusak)" in page and f"/lampiran-laporan/{item.id}" not in page
    # Not under the web root either.
    assert client.get(f"/static/{raw_key}").status_code == 404
