"""Ping a pooled connection before use only when it sat idle in the pool.

`pool_pre_ping` tests every checkout: one round trip and the dialect's ping for each transaction, which a
busy process pays for nothing (its connections were in use a moment ago). This is SQLAlchemy's documented
checkout-event form of the same pessimistic test ("Disconnect Handling - Pessimistic"), kept for
connections idle longer than `idle_seconds`: a database restarted while the pool was quiet is found by
the ping, the pool's connections are replaced, and no request fails. A connection dropped within the
window, or while in use, is found by SQLAlchemy's disconnect detection on its next statement: that
statement fails, the connection and the pool are invalidated, and the next checkout connects anew.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

RETURNED = "ligat_returned_at"  # the pool record's info (cleared with its DBAPI connection): last check-in


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a connection before use when it sat in `engine`'s pool for `idle_seconds` or more (0: every
    checkout of a connection used before, as `pool_pre_ping`). A failed ping that is a disconnect
    replaces the pool's connections (the database was restarted) and checks out a new one."""
    dialect = engine.dialect
    clock = time.monotonic

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:  # None: the connection was invalidated
            record.info[RETURNED] = clock()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get(RETURNED)
        if returned is None or clock() - returned < idle_seconds:
            return  # new, or back in use within the window
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                # The pool tries again with a new connection, and replaces the others made before now.
                raise exc.InvalidatePoolError() from err
            raise
