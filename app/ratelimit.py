"""Rate limits on public endpoints (Flask-Limiter) and the 429 answer in Bahasa Indonesia.

Limits are config values read per request (LIGAT_RATELIMIT_*), so an installation
(or a test) can change them without code. Storage: LIGAT_RATELIMIT_STORAGE_URI
(`ligat-memory://`, each process's own memory, by default: with N web processes an address gets
up to N times each limit; use redis:// or memcached:// to share one count).
FAB's own login limiter stays off (AUTH_RATE_LIMITED False): failed logins are throttled
per username and per address in the database (app/accounts.py), which holds across processes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter._extension import LimiterContext
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests


class ProcessMemoryStorage(MemoryStorage):
    """limits' in-process storage without its expiry thread. The parent starts a 10 ms
    `threading.Timer` on nearly every count (one new thread per limit per post: two per report at
    100 reports/s, each start waiting for the new thread to get the GIL, inside the request), and its
    own "timer not alive → new timer → start" races between request threads into a 500.

    Here nothing is started: a read already drops its own expired key (`get`), so the sweep only frees
    memory of keys no one asks about again, and it runs inline, at most once per SWEEP_SECONDS, in
    whichever request comes first (the others skip it). Counters stay per process (see the module's note
    on several web processes)."""

    STORAGE_SCHEME = ["ligat-memory"]
    SWEEP_SECONDS = 10.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        self._sweep_lock = threading.Lock()
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
        super().__init__(uri, wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the parent's private method, overridden)
        if time.monotonic() < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()


class LigatLimiter(Limiter):
    """Flask-Limiter, without its before-request pass on a request for which that pass has nothing to count.

    The pass checks the limits a view's own decorator does not: application, default, meta and blueprint
    limits, and the in-memory fallback once the storage failed. LIGAT sets none of those (every limit is a
    route's decorator, which checks its own), yet the pass resolved and evaluated an empty list on every
    request: about 200 Python calls a report. It runs as before as soon as any of them exists."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self._middleware_limits():
            return
        super()._check_request_limit(callable_name, in_middleware)

    @property
    def context(self) -> LimiterContext:
        """Flask-Limiter's state for this request, where Flask-Limiter keeps it (on the request context, one
        per limiter), read through one context lookup: Flask-Limiter asks for it about 15 times a request,
        and its own property went through the request proxy three times each (about ten Python calls)."""
        ctx = request_ctx._get_current_object()
        try:
            contexts = ctx._limiter_request_context
        except AttributeError:
            contexts = ctx._limiter_request_context = defaultdict(LimiterContext)
        return contexts[self]

    def _middleware_limits(self) -> bool:
        manager = self.limit_manager
        return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                    or self._meta_limits or self._storage_dead)


limiter = LigatLimiter(key_func=get_remote_address, strategy="fixed-window")

MESSAGE = ("Terlalu banyak permintaan dari jaringan Anda. Tunggu beberapa menit lalu coba lagi; "
           "laporan yang tersimpan di HP akan dikirim otomatis. (Too many requests, try again later.)")
# The application and resubmission pages have no offline queue: say only what is true there.
APPLICATION_MESSAGE = ("Terlalu banyak permohonan dari jaringan Anda. Tunggu beberapa menit lalu kirim lagi. "
                       "(Too many applications from your network; wait a few minutes and send again.)")


def sent_only(response) -> bool:  # noqa: ANN001 (Flask's response)
    """Count a post against the limit only when it went through (not a form sent back for corrections)."""
    return response.status_code < 400


def setting(name: str) -> Callable[[], str]:
    """A limit read from config at request time."""
    return lambda: current_app.config[name]


def everyone() -> str:
    """One shared bucket for all clients: caps what reaches the office's inboxes in a flood."""
    return "semua"


# Shared by the portal form and Open311 POST; only reports actually created are counted,
# so a phone re-sending its queue (same idempotency key) does not use the allowance up.
global_reports = limiter.shared_limit(
    setting("LIGAT_RATELIMIT_REPORT_GLOBAL"), scope="laporan-semua", key_func=everyone,
    deduct_when=lambda response: bool(g.get("report_created")),
)


def _too_many(error: TooManyRequests):  # noqa: ANN202
    # Retry-After and X-RateLimit-* are added by Flask-Limiter (RATELIMIT_HEADERS_ENABLED).
    if request.path.startswith("/open311/"):
        from .open311.common import error_response

        return error_response(429, MESSAGE)
    if wants_json():
        return jsonify({"error": MESSAGE}), 429
    message = APPLICATION_MESSAGE if request.path.startswith(("/layanan/", "/permohonan/")) else MESSAGE
    return render_template("portal/error.html", message=message, code=429), 429


def wants_json() -> bool:
    """The portal's script (and the offline queue) ask for JSON; browsers without script get HTML."""
    return request.accept_mimetypes.best == "application/json"


def init_ratelimit(app: Flask) -> None:
    hops = int(app.config.get("LIGAT_TRUSTED_PROXIES", 0))
    if hops:
        # Behind nginx/a load balancer every client would otherwise share the proxy's address
        # (and one limit). Trust exactly as many X-Forwarded-For hops as there are proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    limiter.init_app(app)
    app.register_error_handler(429, _too_many)
