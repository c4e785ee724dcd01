"""The officers' page to start a case of any line for a resident (`/kantor/layanan/<code>/baru`),
for the roles the line's package names in `start.roles`; the line's form, checks and documents
come from its descriptor (app/services/start.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from workflows.errors import LigatError

from ..formfields import form_data
from ..security import INBOX, current_principal
from . import start
from .start import Line


class ServiceStartView(BaseView):
    route_base = "/kantor/layanan"
    # Same permission set as the inbox (FAB: views sharing a permission name list the same set); the
    # line's start roles and the officer's region are checked on the server below.
    class_permission_name = INBOX
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "new": "read", "create": "write"}
    default_view = "index"

    def _line(self, code: str) -> Line:
        line = start.line(code)
        if line is None:
            abort(404)
        if not line.may_start(current_principal()):
            abort(403, description="Peran Anda tidak dapat memulai layanan ini. (Your role cannot start this service.)")
        return line

    def _render(self, line: Line, values: dict | None = None, errors: dict | None = None, status: int = 200,
                staged: dict | None = None):  # noqa: ANN202
        fields = start.form_fields(line, values, errors, current_principal(), staged)
        return self.render_template("layanan/officer_apply.html", line=line, fields=fields,
                                    checklist=line.descriptor.documents, form_error=(errors or {}).get("_form")), status

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        """The lines this officer may start."""
        from workflows.packages import latest_packages

        from ..extensions import db

        principal = current_principal()
        lines = [Line(p) for p in latest_packages(db.session)
                 if p.descriptor.start.get("channel", "application") == "application" and Line(p).may_start(principal)]
        return self.render_template("layanan/officer_lines.html", lines=lines)

    @expose("/<code>/baru")
    @has_access
    def new(self, code: str):  # noqa: ANN201
        return self._render(self._line(code))

    @expose("/<code>/baru", methods=["POST"])
    @has_access
    def create(self, code: str):  # noqa: ANN201
        line = self._line(code)
        principal = current_principal()
        data = form_data(line.schema, request.form)
        uploads, file_errors = start.collect_uploads(line, data, request.files)
        cleaned, errors = start.validate(line, data, principal)
        errors.update(file_errors)
        if errors:
            return self._render(line, data, errors, 422, start.keep_uploads(uploads, principal.username))
        try:
            case = start.start(line, cleaned, uploads, principal)
        except LigatError as exc:
            flash(str(exc), "danger")
            return self._render(line, data, {}, 409)
        flash(f"Permohonan {case.reference} tersimpan dan diteruskan. (Request {case.reference} submitted.)",
              "success")
        return redirect(url_for("CaseView.show", case_id=case.id))
