"""Auditor's page: search the audit trail and the access logs; the last chain verification and a
"check now" action. Auditors, the head of office and admins (permission Audit)."""

from __future__ import annotations

import io
from datetime import date

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from workflows import audit_checks, documents
from workflows.audit_search import EVENTS, FILE_ACCESS, KINDS, PERSON_VIEWS, AuditQuery, search
from workflows.db import utcnow
from workflows.durations import SETTINGS as TIME_SETTINGS
from workflows.durations import parse_day
from workflows.packages import latest_packages, text

from ..casedata import form_fields, visible_case_or_404
from ..extensions import db
from ..security import AUDIT, current_principal
from ..views.display import format_dt, ui_lang
from .history_pdf import history_pdf
from .labels import ACTIONS, FILE_KINDS
from .readable import readable

FILTER_ARGS = ("jenis", "tiket", "pengguna", "aksi", "dari", "sampai", "layanan")  # kept from page to page


class QueryRefused(ValueError):
    """A filter the auditor typed that cannot be read; the message says which, in both languages."""


def _day(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise QueryRefused(str(exc)) from None


def query_from_args() -> AuditQuery:
    """The search the address asks for (GET, so a search can be bookmarked; no personal data in it)."""
    kind = request.args.get("jenis") or EVENTS
    if kind not in KINDS:
        raise QueryRefused(_("Jenis catatan tidak dikenal."))
    query = AuditQuery(
        kind=kind,
        reference=(request.args.get("tiket") or "").strip()[:40] or None,
        username=(request.args.get("pengguna") or "").strip()[:100] or None,
        action=(request.args.get("aksi") or "").strip()[:40] or None,
        date_from=_day("dari"),
        date_to=_day("sampai"),
        line=(request.args.get("layanan") or "").strip()[:60] or None,
        office_tz=TIME_SETTINGS.office_tz,
        page=max(request.args.get("hal", 1, type=int) or 1, 1),
    )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise QueryRefused(_("Tanggal awal jatuh setelah tanggal akhir."))
    return query


class AuditView(BaseView):
    route_base = "/audit"
    class_permission_name = AUDIT
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read", "check_now": "read", "history_pdf": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        status = 200
        try:
            query = query_from_args()
        except QueryRefused as exc:
            flash(str(exc), "danger")
            query, status = AuditQuery(office_tz=TIME_SETTINGS.office_tz), 400
        result = search(db.session, query)
        rows = result.rows
        if query.kind == EVENTS:
            fields_of: dict[int, dict] = {}
            readable_rows = []
            for event in rows:
                case = result.cases.get(event.case_id)
                if case is not None and case.id not in fields_of:
                    fields_of[case.id] = form_fields(case)
                # Masked: this list shows many people's data and is not a view of one person's record.
                readable_rows.append(readable(event, case, mask=True, fields=fields_of.get(event.case_id, {})))
            rows = readable_rows
        # Only the recorded result: the scheduler, "check now" or the CLI make the checks (a GET that checked
        # every chain would be slow on a large database, and would write).
        last = audit_checks.last_check(db.session)
        lines = sorted((p.code, text(p.descriptor.name, ui_lang())) for p in latest_packages(db.session))
        page_args = {k: v for k, v in request.args.items() if k in FILTER_ARGS}
        return self.render_template(
            "ligat/audit.html", query=query, result=result, rows=rows, lines=lines, actions=ACTIONS,
            file_kinds=FILE_KINDS, kinds=(EVENTS, PERSON_VIEWS, FILE_ACCESS), page_args=page_args,
            last_check=last,
        ), status

    @expose("/periksa", methods=["POST"])
    @has_access
    def check_now(self):  # noqa: ANN201
        """Verify every chain now (CSRF-checked POST); the run is recorded with who asked for it."""
        check = audit_checks.run_check(db.session, "manual", current_principal().username)
        if check.intact:
            flash(_("Semua rantai audit utuh (%(n)s peristiwa diperiksa).", n=check.events_checked), "success")
        else:
            flash(_("%(n)s rantai audit rusak.", n=check.broken_count), "danger")
        return redirect(url_for("AuditView.index"))

    @expose("/kasus/<int:case_id>/riwayat.pdf")
    @has_access
    def history_pdf(self, case_id: int):  # noqa: ANN201
        """The case's full history with its chain hashes, as a PDF to file; the download is logged."""
        principal = current_principal()
        case = visible_case_or_404(case_id, principal)
        made_at = format_dt(utcnow())
        pdf = history_pdf(db.session, case, current_app.config["LIGAT_OFFICE_NAME"], principal.username, made_at)
        if pdf is None:
            abort(503, description=_("PDF tidak dapat dibuat: LibreOffice tidak terpasang di server ini."))
        documents.log_access(db.session, case.id, "history", case.id, principal.username, "pdf")
        db.session.commit()
        response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                             download_name=f"riwayat-{case.reference}.pdf")
        response.headers["Cache-Control"] = "no-store"
        return response
