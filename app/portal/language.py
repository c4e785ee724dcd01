"""The portal's language switch. It writes the same session key as Flask-AppBuilder's own
switch (`/lang/<locale>`, `session["locale"]`), so one choice holds for the portal and the
officers' pages. Plain links: it works without JavaScript."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, session
from flask_appbuilder.utils.base import is_safe_redirect_url
from flask_babel import refresh

from ..views.display import forget_ui_lang, ui_lang
from .views import portal


def _back_to(target: str | None) -> str:
    """The page the switch was pressed on, only when it is one of ours (never an outside address)."""
    # A backslash is refused outright: some browsers read "/\\host" as "//host".
    if target and target.startswith("/") and "\\" not in target and is_safe_redirect_url(target):
        return target
    return "/"


@portal.after_request
def content_language(response):  # noqa: ANN001, ANN201
    """The page's language for browsers and for the service worker, which keeps a copy per language."""
    headers = response.headers
    headers["Content-Language"] = ui_lang()
    if "Vary" in headers:
        response.vary.add("Cookie")
    else:  # what `vary.add` writes on an answer without one, without parsing and re-writing the header
        headers["Vary"] = "Cookie"
    return response


@portal.get("/bahasa/<kode>")
def switch_language(kode: str):  # noqa: ANN201
    if kode not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = kode
    refresh()
    forget_ui_lang()
    return redirect(_back_to(request.args.get("next")))
