"""What every request passes through, made cheaper, still does what Flask, Flask-Limiter and
Flask-Talisman do: the same hooks run, the same cookies and headers come out, the same limits hold."""

from __future__ import annotations

import functools

import pytest
from flask import Blueprint, Flask, session
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

from app.application import LigatFlask
from app.hardening import content_security_policy
from app.ratelimit import LigatLimiter
from app.security_headers import KeptPolicyTalisman


def _plain() -> None:
    return None


async def _coroutine() -> None:
    return None


class _Hooks:
    def hook(self) -> None:
        return None


@pytest.mark.parametrize("func", [_plain, _Hooks().hook, functools.partial(_plain), lambda: None])
def test_a_plain_hook_is_run_as_it_is(func):
    assert LigatFlask(__name__).ensure_sync(func) is func
    assert Flask(__name__).ensure_sync(func) is func


def test_a_coroutine_is_still_handed_to_flask():
    # Without the async extra Flask refuses a coroutine; either way it is not returned as it is.
    for app in (Flask(__name__), LigatFlask(__name__)):
        try:
            wrapped = app.ensure_sync(_coroutine)
        except RuntimeError as exc:
            assert "async" in str(exc)
        else:
            assert wrapped is not _coroutine


def _session_app(cls: type[Flask], key: str = "rahasia-" + "x" * 32) -> Flask:
    app = cls(__name__)
    app.secret_key = key

    @app.get("/tulis")
    def write() -> str:
        session["csrf_token"] = "abc"
        return "ok"

    @app.get("/baca")
    def read() -> str:
        return session.get("csrf_token", "-")

    return app


def test_the_session_cookie_is_flasks_own():
    ours, flasks = _session_app(LigatFlask), _session_app(Flask)
    cookie = ours.test_client().get("/tulis").headers["Set-Cookie"].split(";", 1)[0]
    other = flasks.test_client()
    other.set_cookie("session", cookie.split("=", 1)[1])
    assert other.get("/baca").get_data(as_text=True) == "abc"  # Flask reads what we wrote
    cookie = flasks.test_client().get("/tulis").headers["Set-Cookie"].split(";", 1)[0]
    ours_client = ours.test_client()
    ours_client.set_cookie("session", cookie.split("=", 1)[1])
    assert ours_client.get("/baca").get_data(as_text=True) == "abc"  # and we read what Flask wrote


def test_a_new_secret_key_refuses_the_old_cookies():
    app = _session_app(LigatFlask)
    client = app.test_client()
    client.get("/tulis")
    assert client.get("/baca").get_data(as_text=True) == "abc"
    app.secret_key = "lain-" + "y" * 32
    assert client.get("/baca").get_data(as_text=True) == "-"


# -- rate limits ------------------------------------------------------------------------------------------
def _limited_app(**options: object) -> tuple[Flask, LigatLimiter]:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter = LigatLimiter(key_func=get_remote_address, strategy="fixed-window", **options)
    bp = Blueprint("bp", __name__)

    @bp.get("/bp")
    def in_blueprint() -> str:
        return "ok"

    @app.get("/bebas")
    def free() -> str:
        return "ok"

    @app.get("/dibatasi")
    @limiter.limit("2 per minute")
    def limited() -> str:
        return "ok"

    app.register_blueprint(bp)
    return app, limiter


def test_a_route_limit_holds_and_says_so():
    app, limiter = _limited_app()
    limiter.init_app(app)
    client = app.test_client()
    first = client.get("/dibatasi")
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/dibatasi").status_code == 200
    refused = client.get("/dibatasi")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert all(client.get("/bebas").status_code == 200 for _ in range(5))


def test_default_application_and_blueprint_limits_still_hold():
    app, limiter = _limited_app(default_limits=["3 per minute"])
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/bebas").status_code for _ in range(4)] == [200, 200, 200, 429]

    app, limiter = _limited_app(application_limits=["2 per minute"])
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/bebas").status_code for _ in range(3)] == [200, 200, 429]

    app, limiter = _limited_app()
    limiter.limit("1 per minute")(app.blueprints["bp"])
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/bp").status_code for _ in range(2)] == [200, 429]


def test_the_before_request_pass_runs_only_with_limits_of_its_own(monkeypatch):
    app, limiter = _limited_app()
    limiter.init_app(app)
    resolved = []
    original = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *a, **k: resolved.append(k.get("in_middleware", a[4] if len(a) > 4 else None))
                        or original(*a, **k))
    client = app.test_client()
    client.get("/bebas")
    client.get("/dibatasi")
    assert resolved == [False]  # only the route's own decorator resolved its limits


# -- security headers -------------------------------------------------------------------------------------
def _headed_app(extension: type[Talisman], nonce_in: list[str]) -> Flask:
    app = Flask(__name__)
    app.config["LIGAT_TILE_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"

    @app.get("/")
    def page() -> str:
        return "ok"

    extension(app, force_https=False, frame_options="DENY", referrer_policy="same-origin",
              content_security_policy=content_security_policy(app), content_security_policy_nonce_in=nonce_in,
              permissions_policy={"geolocation": "(self)", "camera": "(self)", "payment": "()"})
    return app


@pytest.mark.parametrize("nonce_in", [["script-src"], ["script-src", "style-src"], ["frame-ancestors"]])
def test_the_security_headers_are_talismans_own(monkeypatch, nonce_in):
    monkeypatch.setattr("flask_talisman.talisman.get_random_string", lambda length: "n0nce-satu")
    answers = [_headed_app(extension, nonce_in).test_client().get("/") for extension in (Talisman, KeptPolicyTalisman)]
    ours, theirs = answers[1].headers, answers[0].headers
    names = ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Referrer-Policy",
             "X-Content-Type-Options")
    assert [ours.get(n) for n in names] == [theirs.get(n) for n in names]
    assert "'nonce-n0nce-satu'" in theirs["Content-Security-Policy"]


def test_a_policy_given_as_text_reads_as_talisman_reads_it():
    policy = "default-src 'self'; script-src 'self' cdn.example.org; img-src *"
    for nonce in (None, "abc"):
        texts = []
        for extension in (Talisman, KeptPolicyTalisman):
            app = Flask(__name__)
            ext = extension(app, force_https=False, content_security_policy=policy,
                            content_security_policy_nonce_in=["script-src"])
            with app.test_request_context("/"):
                from flask import request

                if nonce:
                    request.csp_nonce = nonce
                texts.append(ext._parse_policy(policy))
        assert texts[0] == texts[1]
