"""PostgreSQL connections' cursors describe a result as psycopg does, making the column objects on first read
(workflows/pg_cursor.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import POSTGRES
from workflows.db import Case

pytestmark = pytest.mark.skipif(not POSTGRES, reason="psycopg connections only")

QUERY = "SELECT 1 AS n, 'a'::text AS word, now() AS moment, NULL::numeric(10, 2) AS amount"


def _fields(description) -> list[tuple]:  # noqa: ANN001
    return [(c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale, c.null_ok)
            for c in description]


def test_the_description_is_psycopgs_made_on_first_read(db_session):
    import psycopg

    from workflows import pg_cursor

    raw = db_session.connection().connection.dbapi_connection
    assert raw.cursor_factory is pg_cursor.Cursor
    with raw.cursor() as lazy, psycopg.Cursor(raw) as plain:
        lazy.execute(QUERY)
        plain.execute(QUERY)
        described = lazy.description
        assert described._columns is None  # nothing made until read
        assert len(described) == 4 and described
        assert _fields(described) == _fields(plain.description)
        assert described[1].name == "word" and described[-1].name == "amount"
        assert [c.name for c in described[1:3]] == ["word", "moment"]
        first = lazy.description
        lazy.execute("SELECT 'other' AS later")
        assert [c.name for c in first] == ["n", "word", "moment", "amount"]  # of its own result still
        lazy.execute("UPDATE \"case\" SET id = id WHERE false")
        assert lazy.description is None and plain.description is not None
        lazy.execute("SELECT")  # tuples without a column: an empty description, not None
        plain.execute("SELECT")
        assert lazy.description is not None and not lazy.description and plain.description == []


def test_engine_results_read_as_before(db_session):
    db_session.execute(select(Case.id, Case.reference).limit(1)).all()
    for _ in range(2):  # the second run takes the kept result metadata
        result = db_session.execute(select(Case.id.label("case_id"), Case.reference).limit(1))
        assert list(result.keys()) == ["case_id", "reference"]
        rows = result.mappings().all()
        assert all(set(row) == {"case_id", "reference"} for row in rows)
