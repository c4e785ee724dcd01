"""Checks every request passes before a view sees it, and the headers every answer carries.

Input (before any view):
- a NUL byte anywhere in the path, the query, a form field or file name, or a JSON body → 400
  (PostgreSQL cannot store one in text; the driver's error would otherwise be a 500);
- a JSON body nested deeper than LIGAT_MAX_JSON_DEPTH, or too deep for the parser → 400;
- `<int:...>` route values, FAB's `<pk>` and paging parameters beyond the database's integer (2**31-1) → 404.

Headers (Flask-Talisman, its per-request work kept in app/security_headers.py, plus per-path rules below):
- anti-framing: X-Frame-Options DENY and CSP frame-ancestors 'none' (a view's answer may allow our own
  pages only, `allow_same_origin_framing`: the letter preview PDF the task page embeds);
- X-Content-Type-Options nosniff; Referrer-Policy same-origin (no-referrer on /lacak, whose URL
  carries the tracking code); Cache-Control no-store on pages with personal data;
- Content-Security-Policy. Scripts: 'self' plus a per-request nonce. FAB's templates put the
  nonce on each of their inline scripts (baselib.get_nonce → Talisman's csp_nonce), and so do
  ours; no inline event handlers are used, so 'unsafe-inline' is NOT allowed for scripts.
  Styles: 'self' 'unsafe-inline', because FAB's and our templates use style="" attributes (and
  Leaflet/Bootstrap set styles from script), which a nonce cannot cover; inline CSS cannot run
  code. Images: 'self', data: and blob: (photo previews), and the map tile server's origin
  (LIGAT_TILE_URL). Media: 'self' blob: (video preview).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1
# Query parameters that page through lists: ours (hal) and FAB's (page_<view>, psize_<view>).
PAGING_ARGS = ("hal", "page", "per_page", "page_size", "limit", "offset")
PAGING_PREFIXES = ("page_", "psize_")
# Pages that show personal data: never stored by a browser or a shared proxy.
NO_STORE_PREFIXES = ("/kasus", "/inbox", "/berkas", "/kantor", "/daftar", "/lacak", "/lapor/terkirim",
                     "/permohonan", "/audit", "/surat", "/lampiran-laporan", "/users", "/roles", "/admin",
                     "/layanan", "/api/", "/login", "/resetmypassword", "/resetpassword", "/userinfo")
# Pages whose URL carries a tracking code or an applicant's link token: not sent on to another
# site (e.g. the map tile server).
NO_REFERRER_PREFIXES = ("/lacak", "/lapor/terkirim", "/permohonan")

NUL_MESSAGE = "Permintaan berisi karakter NUL yang tidak diizinkan. (The request contains a NUL character.)"
DEEP_JSON_MESSAGE = "JSON terlalu dalam bersarang. (JSON nested too deeply.)"
BAD_JSON_MESSAGE = "JSON tidak valid. (Invalid JSON.)"
NOT_FOUND_MESSAGE = "Tidak ditemukan. (Not found.)"


def _up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit."""
    digits = str(limit)
    n = len(digits)
    if n == 1:
        return f"[0-{digits}]"
    parts = ["0", rf"[1-9]\d{{0,{n - 2}}}"]  # every shorter number
    for i, digit in enumerate(digits):  # same length: smaller at position i, anything after
        low, top = (1 if i == 0 else 0), int(digit) - 1
        if top >= low:
            parts.append(digits[:i] + f"[{low}-{top}]" + (rf"\d{{{n - i - 1}}}" if i < n - 1 else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only values a database INTEGER column can hold. The bound is in
    the pattern itself, so a larger number matches no route at all (404), not the same path's
    POST route (which would answer 405)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002, ANN001
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        if max is not None and not signed and not fixed_digits:
            self.regex = _up_to(max)


def refuse(code: int, message: str) -> Response:
    """An error in the caller's language of formats: Open311's error list, JSON, or a page."""
    if request.path.startswith("/open311/"):
        from .open311.common import error_response

        return error_response(code, message)
    if request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify({"message": message})
        response.status_code = code
        return response
    return Response(render_template("portal/error.html", message=message, code=code), status=code)


def _has_nul(value: Any) -> bool:
    """Iterative walk (a deep structure must not exhaust the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _id_out_of_range(view_args: dict[str, Any] | None) -> bool:
    """FAB's own routes take ids as strings (`/users/show/<pk>`): bound those too."""
    for name, value in (view_args or {}).items():
        if isinstance(value, str) and (name == "pk" or name.endswith("_id")):
            digits = value.strip().lstrip("+-")
            if digits.isdigit() and (len(digits) > 12 or int(digits) > DB_INT_MAX):
                return True
    return False


def _paging_out_of_range(args: MultiDict) -> bool:
    for name, value in args.items(multi=True):
        if name in PAGING_ARGS or name.startswith(PAGING_PREFIXES):
            digits = value.strip().lstrip("+-")
            if digits.isdigit() and (len(digits) > 12 or int(digits) > DB_INT_MAX):
                return True
    return False


def _nul_in(texts: Iterable[str]) -> bool:
    """A flat run of texts (path, names, values): no walk needed."""
    return any("\x00" in text for text in texts)


def check_request() -> Response | None:
    # The request object once: every `request.…` is a context-local lookup (four Python calls each).
    req = request._get_current_object()
    args = req.args
    if "\x00" in req.path or (args and (_nul_in(args.keys()) or _nul_in(args.values()))):
        return refuse(400, NUL_MESSAGE)
    if (args and _paging_out_of_range(args)) or _id_out_of_range(req.view_args):
        return refuse(404, NOT_FOUND_MESSAGE)
    if req.method in ("POST", "PUT", "PATCH", "DELETE"):
        if req.is_json and req.content_length != 0:
            try:
                body = req.get_json(silent=True)
            except RecursionError:
                return refuse(400, DEEP_JSON_MESSAGE)
            if body is None and req.get_data(cache=True).strip():
                return refuse(400, BAD_JSON_MESSAGE)
            if _depth(body) > int(current_app.config["LIGAT_MAX_JSON_DEPTH"]):
                return refuse(400, DEEP_JSON_MESSAGE)
            if _has_nul(body):
                return refuse(400, NUL_MESSAGE)
        else:
            form, files = req.form, req.files
            if _nul_in(form.keys()) or _nul_in(form.values()) or (files and _nul_in(
                    name for upload in files.values() for name in (upload.filename or "", upload.name or ""))):
                return refuse(400, NUL_MESSAGE)
    return None


def _view_headers(response: Response) -> Response:
    """Runs before Talisman's hook, which sets Referrer-Policy for all: keep what a view chose."""
    g.view_referrer_policy = response.headers.get("Referrer-Policy")
    return response


def allow_same_origin_framing(response: Response) -> Response:
    """This answer (a PDF the task page embeds) may be shown in a frame of our own pages, no one else's."""
    g.same_origin_framing = True
    return response


def _frame_same_origin(response: Response) -> None:
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    policy = response.headers.get("Content-Security-Policy")
    if policy:
        response.headers["Content-Security-Policy"] = policy.replace("frame-ancestors 'none'",
                                                                     "frame-ancestors 'self'")


def _headers(response: Response) -> Response:
    path = request.path
    if g.get("same_origin_framing"):
        _frame_same_origin(response)
    if path.startswith(NO_STORE_PREFIXES) and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if path.startswith(NO_REFERRER_PREFIXES):
        response.headers["Referrer-Policy"] = "no-referrer"
    elif g.get("view_referrer_policy"):
        response.headers["Referrer-Policy"] = g.view_referrer_policy
    return response


def _tile_origin(url: str) -> str | None:
    """https://{s}.tile.example.org/{z}/{x}/{y}.png → https://*.tile.example.org (None for a local path)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy(app: Flask) -> dict[str, Any]:
    images = ["'self'", "data:", "blob:"]
    tiles = _tile_origin(app.config.get("LIGAT_TILE_URL", ""))
    if tiles:
        images.append(tiles)
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def init_hardening(app: Flask) -> None:
    """Before the views are registered: the URL converter must be in place when routes are added."""
    from .security_headers import KeptPolicyTalisman

    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request)
    # Flask runs after_request functions last-registered first: this one is registered before
    # Talisman's so that it runs after it and its per-path Referrer-Policy wins.
    app.after_request(_headers)
    KeptPolicyTalisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy; LIGAT_SESSION_SECURE marks cookies
        session_cookie_secure=bool(app.config.get("LIGAT_SESSION_SECURE")),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        referrer_policy="same-origin",
        content_security_policy=content_security_policy(app),
        content_security_policy_nonce_in=["script-src"],
        permissions_policy={"geolocation": "(self)", "camera": "(self)", "microphone": "(self)",
                            "payment": "()", "usb": "()"},
    )
    app.after_request(_view_headers)  # registered after Talisman's, so it runs before it

