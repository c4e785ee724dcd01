"""compiled_writes fills in the defaults Core fills in, and leaves to Core a default that needs the execution's
context (SQLite in memory, a table of its own)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select

from workflows import compiled_writes

META = MetaData()
ROWS = Table(
    "uji", META,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("kind", String(10), default="teks"),
    Column("made_at", DateTime, default=lambda: datetime(2026, 1, 2, 3, 4, 5)),
    Column("twice", Integer, default=lambda ctx: ctx.get_current_parameters()["base"] * 2),
    Column("base", Integer),
)
INSERT = ROWS.insert()


def _engine():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    return engine


def test_scalar_and_plain_callable_defaults_are_filled_in_for_each_row():
    with _engine().begin() as conn:
        compiled_writes.execute(conn, INSERT, [{"name": "a", "twice": 0, "base": 1},
                                               {"name": "b", "twice": 0, "base": 2}])
        conn.execute(INSERT, {"name": "c", "twice": 0, "base": 3})
        assert compiled_writes._plan(INSERT, conn.dialect, frozenset({"name", "twice", "base"}), True) is not None
        rows = conn.execute(select(ROWS.c.name, ROWS.c.kind, ROWS.c.made_at).order_by(ROWS.c.id)).all()
        raw = conn.exec_driver_sql("SELECT made_at FROM uji ORDER BY id").scalars().all()
    assert [tuple(r) for r in rows] == [(n, "teks", datetime(2026, 1, 2, 3, 4, 5)) for n in "abc"]
    assert raw[0] == raw[1] == raw[2]  # the same text as Core's conversion writes


def test_a_default_that_needs_the_execution_context_is_left_to_core():
    with _engine().begin() as conn:
        assert compiled_writes._plan(INSERT, conn.dialect, frozenset({"name", "base"}), False) is None
        compiled_writes.execute(conn, INSERT, {"name": "d", "base": 4})
        compiled_writes.execute(conn, INSERT, [{"name": "e", "base": 5}, {"name": "f", "base": 6}])
        twice = conn.execute(select(ROWS.c.twice).order_by(ROWS.c.id)).scalars().all()
    assert twice == [8, 10, 12]
