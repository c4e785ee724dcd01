"""The officers' page to start a case of any line for a resident (`/kantor/layanan/<code>/baru`),
for the roles the line's package names in `start.roles`; the line's form, checks and documents
come from its descriptor (app/services/start.py)."""

from __future__ import annotations

import re
from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from workflows.errors import LigatError
from workflows.issued_letters import office_today

from ..formfields import form_data
from ..security import INBOX, current_principal
from . import exports, start, tables
from .start import Line


class ServiceStartView(BaseView):
    route_base = "/kantor/layanan"
    # Same permission set as the inbox (FAB: views sharing a permission name list the same set); the
    # line's start roles and the officer's region are checked on the server below.
    class_permission_name = INBOX
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "new": "read", "create": "write", "bulk_form": "read",
                              "bulk_template": "read", "bulk_create": "write", "export": "read"}
    default_view = "index"

    def _line(self, code: str) -> Line:
        line = start.line(code)
        if line is None:
            abort(404)
        if not line.may_start(current_principal()):
            abort(403, description=_("Peran Anda tidak dapat memulai layanan ini."))
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
                 if p.descriptor.start.get("channel", "application") == "application"]
        lines = [line for line in lines if line.may_start(principal)
                 or (line.descriptor.raw.get("exports") and exports.may_export(principal, line.package))]
        return self.render_template("layanan/officer_lines.html", lines=lines, principal=principal,
                                    this_month=f"{office_today():%Y-%m}")

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
        flash(_("Permohonan %(ref)s tersimpan dan diteruskan.", ref=case.reference), "success")
        return redirect(url_for("CaseView.show", case_id=case.id))

    # -- many cases from one list --------------------------------------------------------------------
    def _bulk_line(self, code: str) -> Line:
        line = self._line(code)
        if "bulk" not in line.descriptor.start:
            abort(404)
        return line

    @expose("/<code>/massal")
    @has_access
    def bulk_form(self, code: str):  # noqa: ANN201
        line = self._bulk_line(code)
        return self.render_template("layanan/bulk.html", line=line, columns=self._columns(line),
                                    shared=start.bulk_documents(line))

    @staticmethod
    def _columns(line: Line) -> list[tuple[str, str, bool]]:
        props, required = line.schema.get("properties", {}), set(line.schema.get("required", []))
        return [(name, props[name].get("title", name), name in required) for name in start.bulk_fields(line)]

    @expose("/<code>/massal/templat.<fmt>")
    @has_access
    def bulk_template(self, code: str, fmt: str):  # noqa: ANN201
        line = self._bulk_line(code)
        if fmt not in ("xlsx", "csv"):
            abort(404)
        headers = start.bulk_fields(line)
        data = tables.write_xlsx(headers, [], line.code) if fmt == "xlsx" else tables.write_csv(headers, [])
        return _download(data, f"{line.code}-daftar.{fmt}", fmt)

    @expose("/<code>/massal", methods=["POST"])
    @has_access
    def bulk_create(self, code: str):  # noqa: ANN201
        line = self._bulk_line(code)
        principal = current_principal()
        columns, shared_names = self._columns(line), start.bulk_documents(line)
        upload = request.files.get("daftar")
        # One byte over the limit is enough to refuse the file rather than read half of it.
        content = upload.stream.read(tables.MAX_BYTES + 1) if upload and upload.filename else b""
        shared, file_errors = start.collect_uploads(line, {}, request.files)
        shared = [u for u in shared if u.kind in shared_names]
        missing = [n for n in shared_names if n not in {u.kind for u in shared} and n not in file_errors]
        for name in missing:
            file_errors[name] = "Wajib diunggah. (Required.)"
        try:
            if not content:
                raise tables.TableRefused("Pilih berkas daftar (CSV atau XLSX). (Choose the list file.)")
            rows = tables.read_rows(content)
        except tables.TableRefused as exc:
            return self.render_template("layanan/bulk.html", line=line, columns=columns, shared=shared_names,
                                        refused=str(exc), file_errors=file_errors), 422
        if file_errors:
            return self.render_template("layanan/bulk.html", line=line, columns=columns, shared=shared_names,
                                        file_errors=file_errors), 422
        good, problems = start.validate_rows(line, rows, principal, shared)
        try:
            result = start.start_many(line, good, shared, principal)
        except LigatError as exc:
            return self.render_template("layanan/bulk.html", line=line, columns=columns, shared=shared_names,
                                        refused=str(exc)), 409
        # The good rows start; the others are listed by row for the officer to fix and send again.
        status = 422 if problems and not result.started else 200
        return self.render_template("layanan/bulk.html", line=line, columns=columns, shared=shared_names,
                                    problems=problems, rows=len(rows), started=result.started,
                                    already=result.already), status

    # -- lists to download ---------------------------------------------------------------------------
    @expose("/<code>/ekspor/<export_code>")
    @has_access
    def export(self, code: str, export_code: str):  # noqa: ANN201
        from workflows.packages import latest_package

        from ..extensions import db

        package = latest_package(db.session, code)
        spec = exports.spec_of(package, export_code) if package else None
        principal = current_principal()
        if spec is None:
            abort(404)
        if not exports.may_export(principal, package):
            abort(403)
        raw = (request.args.get("bulan") or "").strip()
        if not raw:
            month = office_today().replace(day=1)
        elif not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", raw):
            abort(400, description=_("Bulan ditulis TTTT-BB, mis. 2026-11."))
        else:
            month = date.fromisoformat(raw + "-01")
        fmt = request.args.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            abort(400, description=_("Format xlsx atau csv."))
        exported = exports.rows(package, spec, month)
        exports.log(principal, package, spec, month, fmt, exported)
        data = (tables.write_xlsx(exported.headers, exported.rows, spec["code"]) if fmt == "xlsx"
                else tables.write_csv(exported.headers, exported.rows))
        return _download(data, f"{package.code}-{spec['code']}-{month:%Y-%m}.{fmt}", fmt)


def _download(data: bytes, filename: str, fmt: str) -> Response:
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                else "text/csv")  # Flask adds the charset
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                     "Cache-Control": "private, no-store"})
