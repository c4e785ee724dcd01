"""Service lines in the web app, all driven by their packages' descriptors: the public
application and resubmission pages (no account needed), the officers' start page, and the
registers. No module here names a line."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, appbuilder: Any) -> None:
    from ..security import MENU_REGISTER, MENU_START
    from .exports import may_export
    from .officer import ServiceStartView
    from .public import public
    from .register import RegisterView

    app.register_blueprint(public)
    app.jinja_env.filters["may_export"] = lambda package, principal: may_export(principal, package)
    appbuilder.add_view(ServiceStartView, MENU_START, icon="fa-file-text", href="/kantor/layanan/")
    appbuilder.add_view(RegisterView, MENU_REGISTER, icon="fa-building", href="/daftar/")
