"""The dashboard pages: `/dasbor/` (figures, charts, map), `/dasbor/kasus` (the cases behind a figure),
the exports of both, and `/dasbor/peta-proses/<code>` (the process heatmap on the line's diagram)."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _

import forms
from workflows import documents, satisfaction
from workflows.dashboard import figures, heatmap, snapshot, summary
from workflows.dashboard.filters import BadFilter, Filters
from workflows.dashboard.histogram import RESOLUTION_PERCENT
from workflows.dashboard.verdict import verdict
from workflows.db import ProcessDefinition
from workflows.errors import NotFound
from workflows.packages import package_of_definition
from workflows.principal import ADMIN, HEAD_OF_OFFICE

from ..extensions import db
from ..package_english import localized_bpmn, localized_figures, localized_heatmap
from ..regions import office_areas
from ..security import DASHBOARD, current_principal
from ..services.tables import write_csv, write_xlsx
from ..views.display import format_day, ui_lang
from .params import dashboard_access, date_arg, filters_from_request, lines, process_of, query_args
from .tables import CASE_HEADERS, FIGURE_HEADERS, case_rows, figure_rows

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def bad_request(error: BadFilter) -> NoReturn:
    abort(400, description=str(error))


def download(data: bytes, fmt: str, name: str) -> Response:
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                else "text/csv")
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def export_format() -> str:
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        abort(400, description=_("Format harus csv atau xlsx."))
    return fmt


def log_export(kind: str, fmt: str) -> None:
    """A download of figures or of a case list, in the access log like every export."""
    documents.log_access(db.session, None, kind, 0, current_principal().username, fmt)
    db.session.commit()


def definition_or_404(code: str) -> ProcessDefinition:
    """The line's diagram version asked for (`versi`, the newest by default)."""
    try:
        return heatmap.definition_of(db.session, process_of(code), request.args.get("versi", type=int))
    except (BadFilter, NotFound):
        abort(404, description=_("Layanan atau versi tidak ditemukan."))


class DashboardView(BaseView):
    route_base = "/dasbor"
    class_permission_name = DASHBOARD
    base_permissions = ["can_read"]
    default_view = "index"

    def _filters(self) -> Filters:
        try:
            return filters_from_request()
        except BadFilter as error:
            bad_request(error)

    def _common(self, filters: Filters) -> dict[str, Any]:
        return {"filters": filters, "args": query_args(filters), "lines": lines(),
                "areas": office_areas(current_app.config["LIGAT_OFFICE_REGION"]),
                "categories": forms.pmks_categories(),
                "snapshot_at": figures.snapshot_time(db.session, current_principal()),
                "resolution": RESOLUTION_PERCENT}

    @expose("/")
    @dashboard_access
    def index(self):  # noqa: ANN201
        filters = self._filters()
        principal = current_principal()
        data = localized_figures(figures.dashboard(db.session, principal, filters))
        return self.render_template(
            "dashboard/index.html", data=data, verdict=verdict(db.session, principal, filters),
            elements=satisfaction.ELEMENTS, grade_labels=satisfaction.GRADE_LABELS,
            lang=ui_lang(),
            summary_at=(summary.coverage(db.session) or (None, None))[1],
            may_refresh=principal.has_role(HEAD_OF_OFFICE) or principal.has_role(ADMIN), **self._common(filters))

    @expose("/perbarui", methods=["POST"])
    @dashboard_access
    def refresh(self):  # noqa: ANN201
        """On demand: rewrite the daily summary's last days and take the snapshot now (the head of office and
        admins)."""
        principal = current_principal()
        if not (principal.has_role(HEAD_OF_OFFICE) or principal.has_role(ADMIN)):
            abort(403, description=_("Hanya Kepala Dinas atau Admin."))
        first, through = summary.refresh(db.session, current_app.config["LIGAT_DASHBOARD_REFRESH_DAYS"])
        snapshot.take(db.session)
        documents.log_access(db.session, None, "dasbor_ringkasan", 0, principal.username)
        db.session.commit()
        flash(_("Ringkasan diperbarui sampai %(day)s.", day=format_day(through)), "success")
        args = {k: v for k, v in request.form.items() if k in ("dari", "sampai", "lini", "wilayah", "kategori")}
        return redirect(url_for("DashboardView.index", **args))

    @expose("/ekspor")
    @dashboard_access
    def export(self):  # noqa: ANN201
        filters, fmt = self._filters(), export_format()
        data = figures.dashboard(db.session, current_principal(), filters)
        rows = figure_rows(data, lines())
        log_export("dasbor", fmt)
        body = write_csv(FIGURE_HEADERS, rows) if fmt == "csv" else write_xlsx(FIGURE_HEADERS, rows, "Dasbor")
        return download(body, fmt, f"dasbor-{filters.start}-{filters.end}")

    def _case_query(self, filters: Filters):  # noqa: ANN202
        measure = request.args.get("ukuran", "masuk")
        try:
            return measure, figures.cases_query(db.session, current_principal(), filters, measure,
                                                request.args.get("tahap"), date_arg("hari", None))
        except BadFilter as error:
            bad_request(error)

    @expose("/kasus")
    @dashboard_access
    def cases(self):  # noqa: ANN201
        filters = self._filters()
        measure, query = self._case_query(filters)
        page = max(request.args.get("hal", 1, type=int), 1)
        rows = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
        extra = {"ukuran": measure, "tahap": request.args.get("tahap"), "hari": request.args.get("hari")}
        return self.render_template("dashboard/cases.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE,
                                    page=page, measure=measure, extra=extra, **self._common(filters))

    @expose("/kasus/ekspor")
    @dashboard_access
    def cases_export(self):  # noqa: ANN201
        filters, fmt = self._filters(), export_format()
        measure, query = self._case_query(filters)
        rows = case_rows(list(db.session.scalars(query.limit(EXPORT_LIMIT))), lines())
        log_export("dasbor_kasus", fmt)
        body = write_csv(CASE_HEADERS, rows) if fmt == "csv" else write_xlsx(CASE_HEADERS, rows, "Kasus")
        return download(body, fmt, f"kasus-{measure}-{filters.start}-{filters.end}")

    @expose("/peta-proses/<code>")
    @dashboard_access
    def process_map(self, code: str):  # noqa: ANN201
        filters = self._filters()
        definition = definition_or_404(code)
        data = localized_heatmap(heatmap.heatmap(db.session, current_principal(), definition, filters),
                                 package_of_definition(db.session, definition))
        return self.render_template("dashboard/heatmap.html", code=code, data=data,
                                    versions=heatmap.versions(db.session, definition.process_id),
                                    **self._common(filters))

    @expose("/peta-proses/<code>/diagram.bpmn")
    @dashboard_access
    def diagram(self, code: str):  # noqa: ANN201
        definition = definition_or_404(code)
        xml = localized_bpmn(definition.bpmn_xml, package_of_definition(db.session, definition))
        return Response(xml, mimetype="application/xml")
