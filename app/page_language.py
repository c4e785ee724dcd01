"""Every HTML page says its language: `<html lang>` and Content-Language follow the chosen
language (`ui_lang`). The portal's own base template writes `lang` itself; Flask-AppBuilder's
base template (`appbuilder/init.html`) writes a bare `<html>`, which is filled in here rather
than copying FAB's template into the project."""

from __future__ import annotations

from flask import Flask, Response

from .views.display import ui_lang

BARE_HTML = b"<html>"
# The tag sits after the doctype and FAB's template imports: within the first few hundred bytes.
HEAD_BYTES = 512


def _tag_language(response: Response) -> Response:
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    language = ui_lang()
    response.headers.setdefault("Content-Language", language)
    body = response.get_data()
    at = body.find(BARE_HTML, 0, HEAD_BYTES)
    if at >= 0:
        response.set_data(body[:at] + f'<html lang="{language}">'.encode() + body[at + len(BARE_HTML):])
    return response


def init_page_language(app: Flask) -> None:
    app.after_request(_tag_language)
