"""Officers' landing page: straight to the work that fits the role."""

from __future__ import annotations

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from workflows.principal import HEAD_OF_OFFICE

from ..security import DESIGNER, current_principal


class HomeView(IndexView):
    route_base = "/kantor"

    @expose("/")
    def index(self):  # noqa: ANN201
        if not current_user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        principal = current_principal()
        if principal.has_role(HEAD_OF_OFFICE):  # the head of office starts from the office's figures
            return redirect(url_for("DashboardView.index"))
        if principal.can_work:
            return redirect(url_for("InboxView.index"))
        if principal.reads_everything:
            return redirect(url_for("CaseView.index"))
        if self.appbuilder.sm.has_access("can_read", DESIGNER):
            return redirect(url_for("DesignerView.index"))
        return self.render_template("appbuilder/index.html", appbuilder=self.appbuilder)
