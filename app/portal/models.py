"""Portal-side tables, keyed by case id: where a citizen's report is (coordinates
and written address), the phone's idempotency key, the photos/video sent with it, and
the photos still to re-encode (media_job).

The engine's `case` row stays the source of truth for status; these rows are
written in the same transaction as the case (see app/portal/reports.py).
"""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflows import storage
from workflows.db import Case, utcnow

# A Column object (not "case.id"): the case table lives in the engine's MetaData.
CASE_ID = Case.__table__.c.id


class PortalReport(Model):
    """One report made through the portal or Open311 (one row per case)."""

    __tablename__ = "portal_report"
    __table_args__ = (Index("ix_portal_report_geo", "latitude", "longitude"),)

    case_id: Mapped[int] = mapped_column(ForeignKey(CASE_ID, name="fk_portal_report_case_id_case"), primary_key=True)
    # Made on the phone (or by a partner app): the same key twice is the same report.
    client_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    source: Mapped[str] = mapped_column(String(80), default="web")  # web, offline, open311:<key name>
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    # The report's own words, for public lists (Open311) without loading the workflow.
    description: Mapped[str | None] = mapped_column(Text)
    # What the office lets the public read of this report: the citizen's own words are never
    # public; an officer may write (and is named for) a reviewed summary.
    public_summary: Mapped[str | None] = mapped_column(Text)
    public_summary_by: Mapped[str | None] = mapped_column(String(100))
    public_summary_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PortalMedia(Model):
    """A photo or video of a report, kept by workflows/storage.py (area "media") under a random name."""

    __tablename__ = "portal_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(CASE_ID, name="fk_portal_media_case_id_case"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # foto, video
    media_type: Mapped[str] = mapped_column(String(60))
    # The file officers are served: media/<year>/<random>.<ext>. None while a photo waits for re-encoding.
    storage_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The photo as the citizen sent it (EXIF, GPS and all) until it is re-encoded: never served
    # (app/portal/cleaning.py). Exactly one of storage_key and raw_key is set.
    raw_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MediaJob(Model):
    """A photo to re-encode, written with its report: the scheduler works it (app/portal/cleaning.py),
    retries it on a passing error and keeps it, with the error, when it cannot be done."""

    __tablename__ = "media_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("portal_media.id", name="fk_media_job_media_id_portal_media"),
                                          unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when retrying is pointless (a file Pillow cannot read): the photo stays unserved, the row stays.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


storage.owned_by("media", PortalMedia.storage_key)  # app/portal/media.py AREA
storage.owned_by("media_raw", PortalMedia.raw_key)  # app/portal/cleaning.py RAW_AREA
