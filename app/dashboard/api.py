"""The dashboard's figures as JSON for the page's charts and map and for other tools (signed-in session;
GET only): `/dasbor/api/ringkasan`, `/dasbor/api/peta`, `/dasbor/api/peta-proses/<code>`."""

from __future__ import annotations

from flask import jsonify
from flask_appbuilder import BaseView, expose

from workflows.dashboard import figures, heatmap
from workflows.dashboard.filters import BadFilter
from workflows.packages import package_of_definition

from ..extensions import db
from ..package_english import localized_figures, localized_heatmap
from ..security import DASHBOARD, current_principal
from .maps import report_points
from .params import dashboard_access, filters_from_request
from .views import definition_or_404


def _error(error: Exception, status: int):  # noqa: ANN202
    return jsonify({"error": str(error)}), status


class DashboardApi(BaseView):
    route_base = "/dasbor/api"
    class_permission_name = DASHBOARD
    base_permissions = ["can_read"]

    @expose("/ringkasan")
    @dashboard_access
    def summary(self):  # noqa: ANN201
        try:
            filters = filters_from_request()
        except BadFilter as error:
            return _error(error, 400)
        return jsonify(localized_figures(figures.dashboard(db.session, current_principal(), filters)))

    @expose("/peta")
    @dashboard_access
    def points(self):  # noqa: ANN201
        try:
            filters = filters_from_request()
        except BadFilter as error:
            return _error(error, 400)
        return jsonify({"titik": report_points(db.session, current_principal(), filters)})

    @expose("/peta-proses/<code>")
    @dashboard_access
    def process_map(self, code: str):  # noqa: ANN201
        try:
            filters = filters_from_request()
        except BadFilter as error:
            return _error(error, 400)
        definition = definition_or_404(code)
        data = heatmap.heatmap(db.session, current_principal(), definition, filters)
        return jsonify(localized_heatmap(data, package_of_definition(db.session, definition)))
