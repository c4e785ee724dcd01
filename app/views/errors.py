"""Engine errors → what a person sees; the error pages themselves."""

from __future__ import annotations

from flask import Flask, abort, current_app, flash, g, render_template, request
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from workflows.errors import Forbidden, NotFound

from ..extensions import db
from ..hardening import refuse
from .display import page_message


def abort_for(error: Exception) -> None:
    if isinstance(error, NotFound):
        abort(404, description=str(error))
    if isinstance(error, Forbidden):
        abort(403, description=str(error))


def flash_error(error: Exception) -> None:
    flash(page_message(str(error)), "danger")


# Titles of the error pages; the Indonesian text is the msgid (English in the catalogue).
TITLES = {
    400: lazy_gettext("Permintaan tidak dapat diproses"),
    403: lazy_gettext("Akses ditolak"),
    404: lazy_gettext("Halaman tidak ditemukan"),
    405: lazy_gettext("Cara membuka halaman ini tidak didukung"),
    500: lazy_gettext("Terjadi kesalahan di server"),
    503: lazy_gettext("Layanan belum tersedia"),
}
EXPLANATIONS = {
    400: lazy_gettext("Isian atau alamat yang dikirim tidak dapat dibaca. Periksa kembali lalu coba lagi."),
    403: lazy_gettext("Anda tidak memiliki hak untuk membuka halaman ini. Bila Anda memerlukannya, hubungi admin."),
    404: lazy_gettext("Alamat ini tidak ada, atau data yang dicari tidak ada dalam wilayah kerja Anda."),
    405: lazy_gettext("Halaman ini tidak dapat dibuka dengan cara tersebut."),
    500: lazy_gettext("Permintaan Anda tidak tersimpan. Kesalahan telah dicatat; coba lagi sebentar lagi."),
    503: lazy_gettext("Bagian ini belum dapat digunakan di server ini."),
}
# Public pages (no account): answered in the portal's layout, never the officers'.
PUBLIC_PREFIXES = ("/lapor", "/lacak", "/laporan/", "/layanan", "/permohonan/", "/verifikasi/", "/offline")


def _message(error: HTTPException) -> str:
    """Our own description where the code that aborted gave one; Werkzeug's English default is not shown."""
    own = error.description and error.description != type(error).description
    return page_message(str(error.description)) if own else str(EXPLANATIONS.get(error.code or 500, ""))


def _back_link() -> str | None:
    """The page the person came from, if it is one of ours (never an outside address)."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer.rstrip("/") != request.url.rstrip("/"):
        return referrer
    return None


def error_page(error: HTTPException):  # noqa: ANN201
    code = error.code or 500
    if code >= 500:
        db.session.rollback()  # a failed request must not leave its half-done work for the next one
    message = _message(error)
    if request.path.startswith(("/api/", "/open311/")) or request.is_json \
            or request.accept_mimetypes.best == "application/json":
        return refuse(code, message)
    officer = current_user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES) \
        and request.path != "/"
    if not officer:
        return render_template("portal/error.html", message=message, code=code, title=TITLES.get(code)), code
    if not hasattr(g, "user"):
        g.user = current_user  # FAB's menu reads it; a request that failed before FAB's hook has none
    return render_template("ligat/error.html", code=code, title=TITLES.get(code, TITLES[500]), message=message,
                           back=_back_link(), appbuilder=current_app.appbuilder,
                           base_template=current_app.appbuilder.base_template), code


def register_error_pages(app: Flask) -> None:
    """403, 404, 500 (and 400, 405, 503) in LIGAT's layout and language, with a way back."""
    for code in TITLES:
        app.register_error_handler(code, error_page)
