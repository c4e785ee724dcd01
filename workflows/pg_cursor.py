"""PostgreSQL cursors whose `description` makes its column objects when first read, not at every statement.

psycopg builds a `Column` (name, type, sizes) for every column of every result as soon as `description` is
asked for, and SQLAlchemy asks after each statement; but for a statement it ran before (its compiled form
cached, as every engine statement is) it only tests the description against None and takes the columns from
the result metadata it kept. An engine step's read of the task, its case and their routes' columns made
about fifty of them per completion for nothing. The description here is the same sequence of the same
columns, made on first use; None exactly when psycopg's is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

try:
    import psycopg
    from psycopg import pq
except ImportError:  # SQLite only: nothing to do
    psycopg = None

if psycopg is not None:
    _TUPLES = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)

    class Description(Sequence):
        """The columns of one result, made when first read."""

        __slots__ = ("_columns", "_cursor", "_result")

        def __init__(self, cursor: psycopg.Cursor, result: Any) -> None:  # noqa: ANN401 (a PGresult)
            self._cursor, self._result, self._columns = cursor, result, None

        def __len__(self) -> int:
            return self._result.nfields

        def __getitem__(self, index: Any) -> Any:  # noqa: ANN401 (as a list: an index or a slice)
            return self._made()[index]

        def __iter__(self) -> Iterator[psycopg.Column]:
            return iter(self._made())

        def __eq__(self, other: object) -> bool:
            return self._made() == (other._made() if isinstance(other, Description) else other)

        __hash__ = None  # a list's is none either

        def __repr__(self) -> str:
            return repr(self._made())

        def _made(self) -> list[psycopg.Column]:
            if self._columns is None:
                # Of this result, even if the cursor has moved on to another since (executemany, nextset).
                source = self._cursor if self._cursor.pgresult is self._result else _At(self._cursor, self._result)
                self._columns = [psycopg.Column(source, i) for i in range(self._result.nfields)]
            return self._columns

    class _At:
        """What `psycopg.Column` reads of a cursor, as it was at an earlier result."""

        __slots__ = ("_encoding", "adapters", "pgresult")

        def __init__(self, cursor: psycopg.Cursor, result: Any) -> None:  # noqa: ANN401 (a PGresult)
            self.pgresult, self._encoding, self.adapters = result, cursor._encoding, cursor.adapters

    class Cursor(psycopg.Cursor):
        @property
        def description(self) -> Description | None:
            res = self.pgresult
            # psycopg's own test: columns, or a result of tuples without any ("SELECT ;").
            if res and (res.nfields or res.status in _TUPLES):
                return Description(self, res)
            return None

    @event.listens_for(Engine, "connect")
    def _lazy_description(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 (a DBAPI connection)
        if isinstance(dbapi_connection, psycopg.Connection) and dbapi_connection.cursor_factory is psycopg.Cursor:
            dbapi_connection.cursor_factory = Cursor
