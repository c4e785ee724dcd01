"""The process designer's workbench: pages under /perancang/ (views.py), JSON under
/api/v1/designer/ (api.py). The drafts themselves live in workflows/packages/drafts.py."""

from __future__ import annotations

from typing import Any

from flask import Flask


def register(app: Flask, appbuilder: Any) -> None:
    from ..security import MENU_DESIGNER
    from .api import DesignerApi
    from .views import DesignerView

    appbuilder.add_view(DesignerView, MENU_DESIGNER, icon="fa-pencil-square-o", href="/perancang/")
    appbuilder.add_api(DesignerApi)
