"""Officers' sign-in: throttling of failed logins and revocable sessions.

Both are kept in the database, so they hold across web processes and restarts.

Throttling. Every failed login (form /login/ or API /api/v1/security/login) is written to
`login_failure` twice: under the username typed (whether it exists or not) and under the
client's address. While a username has LIGAT_LOGIN_MAX_FAILURES failures in the last
LIGAT_LOGIN_WINDOW_MINUTES, or an address LIGAT_LOGIN_MAX_FAILURES_ADDRESS, a login with it is
refused with 429 before the password is checked. A successful login clears the username's
failures (not the address's: knowing one password must not reset a guessing run).

Sessions. Each user has a session generation (`session_generation`, 0 when no row). The
generation is put in the session cookie at login and compared on every request that loads the
user; logout and a password change bump it, so every cookie issued before (saved, stolen, on
another computer) stops working. API tokens carry the generation too (claim `ligat_gen`) and are
refused once it changed; `POST /api/v1/akun/keluar` is the API's logout.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, g, jsonify, make_response, request, session
from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, ForeignKey, Integer, Select, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from workflows import transaction_values
from workflows.db import utcnow

from .extensions import db

SESSION_KEY = "ligat_gen"
_GENERATION = "session_generation"  # transaction_values key (with the user id)
LOGIN_FORM, LOGIN_API = "/login/", "/api/v1/security/login"


class LoginFailure(Model):
    """One failed login, counted under `key`: "u:<username>" or "a:<address>"."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class SessionGeneration(Model):
    """A user's current session generation; cookies carrying an older one are refused."""

    __tablename__ = "session_generation"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------- throttling


def _user_key(username: str) -> str:
    return "u:" + (username or "").strip().lower()[:150]


def _address_key() -> str:
    return "a:" + (request.remote_addr or "?")[:150]


def _window() -> timedelta:
    return timedelta(minutes=int(current_app.config["LIGAT_LOGIN_WINDOW_MINUTES"]))


def throttle_message() -> str:
    minutes = int(current_app.config["LIGAT_LOGIN_WINDOW_MINUTES"])
    return (f"Terlalu banyak percobaan masuk yang gagal. Tunggu {minutes} menit lalu coba lagi, atau hubungi "
            f"admin untuk mengatur ulang kata sandi. (Too many failed sign-in attempts; wait {minutes} minutes "
            "and try again.)")


def _failures(key: str) -> int:
    since = utcnow() - _window()
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key, LoginFailure.at >= since)
    ) or 0


def is_throttled(username: str) -> bool:
    config = current_app.config
    return (_failures(_user_key(username)) >= int(config["LIGAT_LOGIN_MAX_FAILURES"])
            or _failures(_address_key()) >= int(config["LIGAT_LOGIN_MAX_FAILURES_ADDRESS"]))


def record_failure(username: str) -> None:
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - _window()))
    db.session.add_all([LoginFailure(key=_user_key(username), at=now), LoginFailure(key=_address_key(), at=now)])
    db.session.commit()


def clear_failures(username: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _user_key(username)))
    db.session.commit()


def _login_username() -> str | None:
    """The username of a login attempt in this request, or None when it is not one."""
    if request.method != "POST":
        return None
    if request.path == LOGIN_FORM:
        return request.form.get("username") or ""
    if request.path == LOGIN_API:
        body = request.get_json(silent=True)
        return str(body.get("username") or "") if isinstance(body, dict) else ""
    return None


def _refuse_throttled():  # noqa: ANN202
    username = _login_username()
    if username is None or not is_throttled(username):
        return None
    current_app.logger.warning("login ditahan: terlalu banyak kegagalan (%s)", request.remote_addr)
    if request.path == LOGIN_API:
        return jsonify({"message": throttle_message()}), 429
    from flask import flash
    from flask_appbuilder.security.forms import LoginForm_db

    view = current_app.appbuilder.sm.auth_view
    flash(throttle_message(), "danger")
    page = view.render_template(view.login_template, title=view.title, form=LoginForm_db(),
                                appbuilder=current_app.appbuilder)
    return make_response(page, 429)


# ---------------------------------------------------------------- session generations


def generation(user_id: int) -> int:
    """Read once per transaction: or along with the user (app/security.py `load_user`, `keep_generation`)."""
    return transaction_values.once(db.session, (_GENERATION, user_id), lambda: db.session.scalar(
        generation_select(user_id)) or 0)


def generation_select(user_id: object) -> Select:
    """The statement of a user's generation (`user_id`: a value, or a column to correlate with)."""
    return select(SessionGeneration.generation).where(SessionGeneration.user_id == user_id)


def keep_generation(session: object, user_id: int, value: int | None) -> None:
    """`value` (None: no row) was read in the session's current transaction."""
    transaction_values.keep(session, (_GENERATION, user_id), value or 0)


def bump_generation(user_id: int) -> int:
    """Revoke every session of the user; returns the new generation."""
    row = db.session.get(SessionGeneration, user_id)
    if row is None:
        row = SessionGeneration(user_id=user_id, generation=0)
        db.session.add(row)
    row.generation = (row.generation or 0) + 1
    transaction_values.forget(db.session, (_GENERATION, user_id))
    db.session.commit()
    return row.generation


def session_is_current(user_id: int) -> bool:
    return session.get(SESSION_KEY) == generation(user_id)


def token_claims(identity: object) -> dict:
    """Claims added to every API token FAB issues (identity: the user id as text)."""
    try:
        return {SESSION_KEY: generation(int(identity))}
    except (TypeError, ValueError):
        return {}


def token_is_revoked(_header: dict, payload: dict) -> bool:
    """A token whose generation is not the user's current one (or has none) is refused with 401."""
    try:
        return payload.get(SESSION_KEY) != generation(int(payload["sub"]))
    except (KeyError, TypeError, ValueError):
        return True


def _on_login(_app: Flask, user, **_extra) -> None:  # noqa: ANN001 (FAB's User)
    """After login_user: stamp the session, give it the configured lifetime, rotate the CSRF token."""
    session[SESSION_KEY] = generation(user.id)
    session.permanent = True  # PERMANENT_SESSION_LIFETIME (LIGAT_SESSION_HOURS), renewed while in use
    session.pop("csrf_token", None)  # Flask-WTF makes a new one on the next form
    g.pop("csrf_token", None)


def init_accounts(app: Flask) -> None:
    from flask_login import user_logged_in

    user_logged_in.connect(_on_login, app)
    app.before_request(_refuse_throttled)
