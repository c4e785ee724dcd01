"""The app factory can build more than one app in a process (tests, workers, benchmarks)."""

from __future__ import annotations


def test_create_app_twice_in_one_process(tmp_path, app):
    from app import create_app

    # Same file areas as the session's app: storage roots are process-wide settings.
    keep = {k: v for k, v in app.config.items() if k.startswith("LIGAT_") and k.endswith("_DIR")}
    second = create_app(
        {**keep, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'second.db'}", "LIGAT_SCHEDULER": False}
    )
    assert second is not app
    assert "InboxView" in second.blueprints and "portal" in second.blueprints
    assert second.test_client().get("/").status_code == 200


def test_one_rate_limiter_serves_the_app(app):
    """Flask-AppBuilder's own limiter (no limit of its own: logins are throttled in the database) is the
    app's limiter, not a second one running its pass before and after every request."""
    from app.ratelimit import limiter

    checks = [f for f in app.before_request_funcs[None] if getattr(f, "__name__", "") == "_check_request_limit"]
    assert len(checks) == 1 and checks[0].__self__ is limiter
    assert app.appbuilder.sm.limiter is limiter
