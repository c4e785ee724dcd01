"""Auditor's page: verify every audit chain on demand (read-only)."""

from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access

from workflows.audit import verify_all
from workflows.packages.drafts import verify_package_chains

from ..extensions import db
from ..security import AUDIT


class AuditView(BaseView):
    route_base = "/audit"
    class_permission_name = AUDIT
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        checked, broken = verify_all(db.session)
        package_events, broken_packages = verify_package_chains(db.session)
        return self.render_template("ligat/audit.html", checked=checked, broken=broken,
                                    package_events=package_events, broken_packages=broken_packages)
