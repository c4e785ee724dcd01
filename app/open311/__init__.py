"""Open311 GeoReport v2 for partner applications, one folder per resource:
services/ (the PMKS categories), requests/ (complaint cases), keys/ (api_key issue
and revoke). An API: CSRF-exempt, rate-limited, errors as [{code, description}]."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, url_for

from ..extensions import csrf
from .common import api, jurisdiction, render


@api.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    from .common import check_format

    check_format(fmt)
    base = current_app.config["LIGAT_PUBLIC_URL"].rstrip("/")
    return render(fmt, {
        "changeset": "2026-11-23T00:00:00+09:00",
        "contact": current_app.config["LIGAT_OFFICE_NAME"],
        "key_service": "Kunci API diberikan admin LIGAT (Dinas Sosial).",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base + url_for("open311.services", fmt="json").rsplit("/", 1)[0],
            "changeset": "2026-11-23T00:00:00+09:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
        "jurisdiction_id": jurisdiction(),
    }, "discovery")


def register(app: Flask, appbuilder: Any) -> None:
    from ..cli import group
    from . import requests as _requests  # noqa: F401  (routes)
    from . import services as _services  # noqa: F401  (routes)
    from .keys import Open311KeyView, open311_key_command

    csrf.exempt(api)
    app.register_blueprint(api)
    appbuilder.add_view(Open311KeyView, "Kunci API Open311", icon="fa-key", category="Security")
    if "open311-key" not in group.commands:
        group.add_command(open311_key_command)
