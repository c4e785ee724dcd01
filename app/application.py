"""The app's Flask class: Flask's own, with two things it redoes on every request done once.

Measured on a citizen's report (bench/RESULTS.md, "Report request, round seven"): about 220 Python
calls a request went to asking each hook whether it is a coroutine, and 45 to building the session
cookie's serializer.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_COROUTINE
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, the serializer built once per set of keys rather than twice a
    request (to read the cookie and to write it). The same keys, salt and signer: the same cookies."""

    def __init__(self) -> None:
        self._kept: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Keyed by the keys themselves: a test or an installation that changes SECRET_KEY gets a new one.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


class LigatFlask(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = KeptSerializerSessions()  # one per app: apps may hold different keys

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks this of the view and of every before-, after- and teardown hook on every request
        (22 times a report), each time through `inspect.iscoroutinefunction` (about ten Python calls). A
        plain function or bound method answers from its code's flags, as that check would; anything else
        (a partial, a callable object) is asked Flask's way."""
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)
