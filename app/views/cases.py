"""Case list and case page: state, data, open tasks and the full history."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from workflows import cases
from workflows.db import AuditEvent, Case, InboxTask
from workflows.errors import LigatError
from workflows.outlook import outlook
from workflows.visibility import case_list_query

from ..audit.readable import readable
from ..casedata import form_fields, hidden_fields, log_case_view, visible_case_or_404
from ..extensions import db
from ..security import AUDIT, CASE, current_principal
from .errors import flash_error

PAGE_SIZE = 50


class CaseView(BaseView):
    route_base = "/kasus"
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read", "show": "read", "message": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        principal = current_principal()
        page = max(request.args.get("hal", 1, type=int), 1)
        query = case_list_query(db.session, principal)
        status = request.args.get("status")
        if status:
            query = query.where(Case.status == status)
        rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        return self.render_template("ligat/cases.html", rows=rows, page=page, status=status)

    @expose("/<int:case_id>")
    @has_access
    def show(self, case_id: int):  # noqa: ANN201
        case = visible_case_or_404(case_id, current_principal())
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
        ).all()
        tasks = db.session.scalars(
            select(InboxTask).where(InboxTask.case_id == case.id).order_by(InboxTask.id)
        ).all()
        principal = current_principal()
        hidden = hidden_fields(case, principal)
        fields = form_fields(case)
        history = [readable(e, case, hidden, fields=fields, complete=False) for e in events]
        data = cases.case_data(case)
        log_case_view(case, principal, "kasus", data)
        messages = sorted(cases.waiting_messages_of(case)) if principal.can_work and not case.completed else []
        return self.render_template(
            "ligat/case.html", case=case, data=data, history=history, tasks=tasks,
            outlook=outlook(db.session, case), messages=messages, principal=principal,
            can_audit=self.appbuilder.sm.has_access("can_read", AUDIT),
        )

    @expose("/<int:case_id>/pesan", methods=["POST"])
    @has_access
    def message(self, case_id: int):  # noqa: ANN201
        """An officer delivers a message the case waits for (e.g. an answer given by phone)."""
        name = (request.form.get("pesan") or "").strip()
        text = (request.form.get("isi") or "").strip()[:2000]
        principal = current_principal()
        try:
            cases.deliver_message(db.session, case_id, name, {"isi_pesan": text, "pengirim": principal.username},
                                  principal)
        except LigatError as exc:
            flash_error(exc)
        else:
            flash(_("Pesan '%(name)s' diteruskan ke proses.", name=name), "success")
        return redirect(url_for("CaseView.show", case_id=case_id))
