"""Test set-up: one migrated database per run, SQLite by default or the
PostgreSQL named by DATABASE_URL (the schema is dropped and rebuilt first)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _reset_postgres(url: str) -> None:
    from config import database_url

    engine = create_engine(database_url())
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("var")
    os.environ["LIGAT_VAR_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def app(var_dir: Path):
    if POSTGRES:
        _reset_postgres(os.environ["DATABASE_URL"])
        url = None
    else:
        url = f"sqlite:///{var_dir / 'test.db'}"
    from app import create_app
    from app.setup import seed

    overrides = {
        "TESTING": True,
        "LIGAT_SCHEDULER": False,
        "LIGAT_UPLOAD_DIR": str(var_dir / "uploads"),
        "SERVER_NAME": None,
        # The whole run posts from 127.0.0.1; tests of the limits themselves set tight ones.
        "LIGAT_RATELIMIT_REPORT": "1000 per minute",
        "LIGAT_RATELIMIT_REPORT_GLOBAL": "10000 per hour",
        "LIGAT_RATELIMIT_LOOKUP": "10000 per minute",
        # Failed logins are throttled per address too; tests of the throttle use addresses of their own.
        "LIGAT_LOGIN_MAX_FAILURES_ADDRESS": 1000,
    }
    if url:
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    application = create_app(overrides)
    with application.app_context():
        seed(application)
    return application


@pytest.fixture
def db_session(app):
    """A plain session on the app's engine. Not an app context: a context left
    pushed would be shared by the test client's requests (and their `g`)."""
    from sqlalchemy.orm import Session

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    session = Session(engine)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|id="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = "Ligat-Demo-2026!") -> None:
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "login failed"


@pytest.fixture
def login_as(app):
    """login_as("operator") → a test client logged in as that demo user."""

    def make(username: str):
        c = app.test_client()
        login(c, username)
        return c

    return make
