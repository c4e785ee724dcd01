"""The LKS register for officers: every LKS with its permits, their status (the
calendar and the letter's revocation taken into account) and each permit's
history (the status changes in its case's audit chain)."""

from __future__ import annotations

from flask import abort, request
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from workflows import audit, issued_letters, lks
from workflows.inbox import can_view_case

from ..extensions import db
from ..security import CASE, current_principal


def _history(case_id: int) -> list[dict]:
    return audit.status_history(db.session, case_id, first_status="Diajukan")


class LksRegisterView(BaseView):
    route_base = "/lks"
    # Same permission set as the case pages (FAB: views sharing a permission name list the same set);
    # the region is checked on the server below.
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read", "show": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        principal = current_principal()
        if not lks.can_read_register(principal):
            abort(403)
        query = lks.register_query(principal)
        search = (request.args.get("q") or "").strip()
        if search:
            query = query.where(lks.Lks.name.ilike(f"%{search[:100]}%"))
        rows = db.session.scalars(query.limit(500)).all()
        letters = self._letters([p for row in rows for p in row.permits])
        return self.render_template("lks/register.html", rows=rows, letters=letters, search=search,
                                    labels=lks.PERMIT_TYPES)

    @expose("/<int:lks_id>")
    @has_access
    def show(self, lks_id: int):  # noqa: ANN201
        principal = current_principal()
        row = db.session.get(lks.Lks, lks_id)
        if row is None or not lks.can_read_register(principal) or not (
            principal.reads_everything or principal.in_region(row.region_code)
        ):
            abort(404)
        letters = self._letters(row.permits)
        histories = {p.id: _history(p.case_id) for p in row.permits}
        visible = {p.id: can_view_case(principal, p.case) for p in row.permits}
        return self.render_template("lks/register_show.html", lks=row, letters=letters, histories=histories,
                                    visible=visible)

    @staticmethod
    def _letters(permits: list) -> dict[int, issued_letters.Letter]:
        ids = [p.letter_id for p in permits if p.letter_id]
        if not ids:
            return {}
        found = db.session.scalars(select(issued_letters.Letter).where(issued_letters.Letter.id.in_(ids))).all()
        return {letter.id: letter for letter in found}
