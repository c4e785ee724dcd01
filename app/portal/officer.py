"""Officers' side of portal reports: the photos/video and map position of a case,
served only to those allowed to see the case (same rule as the case page); each download logged."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from workflows import documents, storage
from workflows import principal as roles
from workflows.db import Case
from workflows.errors import LigatError
from workflows.visibility import can_view_case

from ..casedata import visible_case_or_404
from ..extensions import db
from ..security import CASE, current_principal
from . import cleaning, reports
from .models import PortalMedia


class PortalMediaView(BaseView):
    route_base = "/lampiran-laporan"
    # Same permission (and the same base_permissions) as the case page: see DESIGN.md on FAB.
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"file": "read"}

    @expose("/<int:media_id>")
    @has_access
    def file(self, media_id: int):  # noqa: ANN201
        item = db.session.get(PortalMedia, media_id)
        case = db.session.get(Case, item.case_id) if item else None
        # 404, not 403: a file of a case outside one's region is not revealed to exist.
        if item is None or case is None or not can_view_case(current_principal(), case):
            abort(404)
        # A photo the scheduler has not re-encoded yet is re-encoded now; one that cannot be has
        # nothing to serve. The file as the citizen sent it (raw_key) is never sent.
        if item.storage_key is None and not cleaning.clean_one(db.session, item.id):
            abort(404)
        path = storage.path_of(item.storage_key)
        if not path.is_file():
            abort(404)
        # A report's photo may show a person: every download is logged like a document's.
        documents.log_access(db.session, case.id, "media", item.id, current_principal().username)
        db.session.commit()
        response = send_file(path, mimetype=item.media_type, conditional=True, max_age=0,
                             download_name=f"{case.reference}-{item.id}.{path.suffix.lstrip('.')}")
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
        return response


# Who decides what the public reads of a report: the verifier and those who answer for the office.
PUBLIC_TEXT_ROLES = frozenset({roles.OPERATOR, roles.HEAD_OF_BIDANG, roles.HEAD_OF_OFFICE, roles.ADMIN})


def may_write_public_summary(principal: roles.Principal, case: Case) -> bool:
    """A confidential report has no public page: nobody writes a public text for it."""
    return not case.confidential and bool(principal.roles & PUBLIC_TEXT_ROLES) and can_view_case(principal, case)


class PublicSummaryView(BaseView):
    """An officer writes the reviewed summary the public reads of a report (portal, Open311)."""

    route_base = "/ringkasan-publik"
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"save": "read"}

    @expose("/<int:case_id>", methods=["POST"])
    @has_access
    def save(self, case_id: int):  # noqa: ANN201
        principal = current_principal()
        case = visible_case_or_404(case_id, principal)
        if not may_write_public_summary(principal, case):
            abort(403)
        try:
            reports.set_public_summary(db.session, case_id, request.form.get("ringkasan_publik", ""),
                                       principal.username)
        except LigatError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Ringkasan publik disimpan."), "success")
        return redirect(url_for("CaseView.show", case_id=case_id) + "#portal-report")


def case_portal_info(case: Case) -> dict[str, Any] | None:
    """Location and media of a case for the case page (None when the case did not come from the portal)."""
    where = reports.location_of(db.session, case)
    if where is None:
        return None
    principal = current_principal()
    items = reports.media_of(db.session, case)
    return {"report": where, "media": items, "unreadable": cleaning.given_up(db.session, items),
            "public": reports.public_view(case, where, current_app.config["LIGAT_PUBLIC_COORD_DECIMALS"]),
            "may_write_summary": may_write_public_summary(principal, case)}
