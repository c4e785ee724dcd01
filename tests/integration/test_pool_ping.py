"""The pool tests a connection before use only after it sat idle (workflows/pool_ping.py): a busy process sends
no ping, a database that dropped the pool's connections while it was quiet fails no request, and a connection
dropped while in use fails only its own statement."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import POSTGRES
from workflows.pool_ping import ping_when_idle


def _app_engine(app):
    from app.extensions import db

    with app.app_context():
        return db.engine


@pytest.fixture
def pings(app, monkeypatch):
    """The pings of the app's engine (pool_pre_ping and the idle ping both call the dialect's `do_ping`)."""
    dialect = _app_engine(app).dialect
    seen = []
    real = dialect.do_ping

    def counted(dbapi_connection):
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return seen


def test_a_busy_process_sends_no_ping(app, pings):
    engine = _app_engine(app)
    for _ in range(engine.pool.checkedin() + 1):  # each pooled connection used once (idle ones are tested)
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    pings.clear()
    for _ in range(20):
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    assert pings == []


def test_connections_idle_in_the_pool_are_pinged_once_before_use(app, pings):
    engine = _app_engine(app)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    idle = app.config["LIGAT_DB_PING_IDLE_SECONDS"]
    assert 0 < idle <= 10
    time.sleep(idle + 0.2)
    # The pool hands its connections out in turn: each idle one is tested at its first use, once.
    for _ in range(2 * engine.pool.checkedin() + 2):
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    assert pings and len({id(c) for c in pings}) == len(pings)
    tested = len(pings)
    for _ in range(20):  # in use again at once: not tested again
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    assert len(pings) == tested


def _backend_pids(engine, count: int) -> list[int]:
    """Hold `count` connections at once (so the pool keeps that many) and return their server pids."""
    conns = [engine.connect() for _ in range(count)]
    try:
        return [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in conns]
    finally:
        for c in conns:
            c.close()


def _terminate(pids: list[int]) -> None:
    from config import database_url

    killer = create_engine(database_url())
    try:
        with killer.begin() as conn:
            for pid in pids:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        killer.dispose()
    time.sleep(0.2)  # the backends exit


@pytest.mark.skipif(not POSTGRES, reason="terminates PostgreSQL backends")
def test_connections_dropped_while_the_pool_was_idle_fail_no_request(app, client, pings):
    """A database restart while the pool is quiet: every pooled connection is gone; the next requests pass."""
    engine = _app_engine(app)
    engine.dispose()  # the pool holds the two connections below and no others
    pids = _backend_pids(engine, 2)
    time.sleep(app.config["LIGAT_DB_PING_IDLE_SECONDS"] + 0.2)
    _terminate(pids)
    # A public report's page reads the case table: an unknown ticket is a 404, not a failed request.
    assert client.get("/laporan/PGD-1999-000000").status_code == 404
    # The ping found the first one dead; the pool replaced it and the others made before now.
    assert len(pings) == 1
    assert not set(_backend_pids(engine, 2)) & set(pids)


@pytest.mark.skipif(not POSTGRES, reason="terminates PostgreSQL backends")
def test_a_connection_dropped_in_use_fails_only_its_own_request():
    from config import database_url

    engine = create_engine(database_url())
    ping_when_idle(engine, 3600)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _terminate([pid])
            with pytest.raises(DBAPIError) as failed:
                conn.execute(text("SELECT 1"))
            assert failed.value.connection_invalidated
        with engine.begin() as conn:  # the next one connects anew
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


@pytest.mark.skipif(not POSTGRES, reason="terminates PostgreSQL backends")
def test_a_connection_dropped_within_the_window_fails_once_and_the_pool_recovers():
    """Not pinged (back within the window): its statement fails, SQLAlchemy invalidates the pool's
    connections, and the next checkout connects anew without a ping."""
    from config import database_url

    engine = create_engine(database_url())
    ping_when_idle(engine, 3600)
    try:
        pids = _backend_pids(engine, 2)
        _terminate(pids)
        with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        assert not set(_backend_pids(engine, 2)) & set(pids)
    finally:
        engine.dispose()
