"""LKS permits and COTA adoption in the web app: the public application and
resubmission pages (no account needed), the LKS register for officers and the
panels beside their tasks. The flows themselves are bpmn/izin_lks.bpmn and
bpmn/cota.bpmn; the rules are in workflows/lks.py, workflows/cota.py and
workflows/applicant_links.py."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, appbuilder: Any) -> None:
    from workflows import applicant_links

    from ..security import MENU_LKS
    from . import panels  # noqa: F401  (registers the task panels of both lines)
    from .public import public
    from .register import LksRegisterView

    applicant_links.SETTINGS.public_url = app.config["LIGAT_PUBLIC_URL"]
    app.register_blueprint(public)
    appbuilder.add_view(LksRegisterView, MENU_LKS, icon="fa-building", href="/lks/")
