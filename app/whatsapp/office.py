"""What the WhatsApp conversation asks of the office, answered by the same code the portal
uses: the complaint form's check and `create_report` (one way to start a report), media
cleaned by `media.clean_uploads`, the catalogue, and the public tracking page's stages."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from workflows import cases
from workflows.db import Case
from workflows.errors import LigatError
from workflows.principal import ADMIN, OFFICE, Principal
from workflows.whatsapp import cloud
from workflows.whatsapp.conversation import MediaItem, ReportRefused

from ..portal import catalogue, media, reports
from ..portal.views import find_case, media_limits, validate_report
from ..regions import villages
from ..views.display import format_dt

# Answers a citizen gives on WhatsApp reach a waiting process as this system principal.
RELAY = Principal("whatsapp", frozenset({ADMIN}), scopes=((ADMIN, OFFICE),))
STAGE_MARK = {"done": "✅", "current": "▶️", "pending": "⏳"}


class PortalOffice:
    def __init__(self, session: Session):
        self.session = session
        self.name = current_app.config["LIGAT_OFFICE_NAME"]

    def categories(self) -> list[tuple[str, str]]:
        return [(c["kode"], c["nama"]) for c in catalogue.categories()]

    def villages(self) -> list[tuple[str, str]]:
        return villages(current_app.config["LIGAT_OFFICE_REGION"])

    def services(self) -> list[dict[str, Any]]:
        return [s for s in catalogue.services(self.session) if s.get("kode") and s.get("nama")]

    def check_media(self, item: MediaItem) -> None:
        """Type and size from the media API's answer, before anything is downloaded."""
        limits = media_limits()
        info = cloud.api().get_media_url(media_id=item.media_id)
        mime = str(info.get("mime_type") or "").split(";")[0].strip()
        allowed = media.PHOTO_TYPES if item.kind == "image" else set(media.VIDEO_TYPES)
        if mime not in allowed:
            raise ReportRefused("Berkas ini tidak diterima: kirim foto JPEG/PNG/WebP atau video MP4/3GP. "
                                "(Unsupported file type.)")
        limit = limits.photo_bytes if item.kind == "image" else limits.video_bytes
        if int(info.get("file_size") or 0) > limit:
            raise ReportRefused(f"Berkas terlalu besar (maksimal {limit // (1024 * 1024)} MB). (File too large.)")

    def _clean(self, items: list[MediaItem]) -> list[media.CleanMedia]:
        limits = media_limits()
        photos, video = [], None
        for item in items:
            limit = limits.photo_bytes if item.kind == "image" else limits.video_bytes
            try:
                # The media info is asked again here on purpose: its download URL lives about five
                # minutes, and the citizen may have sent the photo long before finishing the report.
                data, _mime = cloud.fetch_media(item.media_id, limit + 1)
            except cloud.MediaTooLarge:
                raise ReportRefused(f"Berkas terlalu besar (maksimal {limit // (1024 * 1024)} MB). "
                                    "(File too large.)") from None
            if item.kind == "image":
                photos.append(data)
            else:
                video = data
        try:
            return media.clean_uploads(photos, video, limits)  # exactly as the portal's uploads
        except media.MediaRejected as exc:
            raise ReportRefused(str(exc)) from None

    def start_report(self, fields: dict[str, Any], items: list[MediaItem], client_key: str) -> Case:
        cleaned, errors = validate_report(fields)
        if errors:
            raise ReportRefused("Laporan belum dapat dikirim: " + "; ".join(errors.values()))
        attachments = self._clean(items)
        # The message id is the report's idempotency key (hashed: the form allows [A-Za-z0-9_-] only).
        cleaned["client_id"] = "wa-" + hashlib.sha256(client_key.encode()).hexdigest()[:40]
        case, _created = reports.create_report(self.session, reports.NewReport(
            fields=cleaned, actor="warga", source="whatsapp", client_key=cleaned["client_id"], media=attachments))
        return case

    def find_case(self, reference: str, code: str) -> Case | None:
        return find_case(reference, code)

    def status_text(self, case: Case) -> str:
        """What the public tracking page shows, as a message."""
        session = self.session
        lines = [f"LIGAT · {case.reference}", reports.line_name(session, case),
                 f"Status: {case.status}" + (f" — {case.status_note}" if case.status_note else "")]
        stages = reports.tracking_stages(session, case)
        if stages:
            lines.append("Tahapan: " + " → ".join(f"{STAGE_MARK[s['state']]} {s['label']}" for s in stages))
        expected = reports.expected_completion(session, case)
        if expected:
            lines.append(f"Perkiraan selesai (expected): {format_dt(expected)}")
        timeline = reports.public_timeline(session, case)
        if timeline:
            lines.append(f"Terakhir diperbarui (last update): {format_dt(timeline[-1]['at'])}")
        return "\n".join(lines)

    def deliver_answer(self, case: Case, text: str) -> bool:
        """Give the citizen's answer to the process when it waits for a message (one step, committed)."""
        waiting = sorted(cases.waiting_messages_of(case))
        if not waiting:
            return False
        try:
            cases.deliver_message(self.session, case.id, waiting[0], {"balasan_warga": text}, RELAY)
        except LigatError:
            return False
        return True
