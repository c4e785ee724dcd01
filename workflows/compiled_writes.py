"""The step's writes (built-once INSERTs and UPDATEs) sent as their compiled SQL with `exec_driver_sql`.

`Connection.execute(statement, rows)` looks the statement's compiled form up in SQLAlchemy's cache and builds
each row's parameters through the compiler at every execution: a quarter of the client's instructions for a
one-row INSERT and a three-row executemany (PostgreSQL 934 K → 691 K, SQLite 767 K → 607 K; bench/RESULTS.md,
"Step writes, round seven"). Here the compiled SQL, its parameter order, the columns the statement fills
in by their Python defaults and the types' bind processors are kept per statement and set of parameter
names; each execution only fills in the rows. `exec_driver_sql` is still SQLAlchemy's execution: the
engine's cursor events (statement counters) see the same SQL, a DBAPI error comes back as SQLAlchemy's
(IntegrityError…), `hide_parameters` applies, and the transaction, savepoints and the session's hooks are
the caller's as before.

A statement this does not cover (a default computed by SQL or needing the execution context, escaped
parameter names, rows naming different columns) goes through `Connection.execute` unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: tuple[str, ...] | None  # a positional paramstyle's order of names (SQLite); None: by name
    defaults: tuple[tuple[str, Callable[[], Any] | None, Any], ...]  # (name, callable, scalar) to fill in
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]  # the types' conversions of bound values
    has_key: bool = True  # every primary key column is sent (an INSERT without one gets it from the database)


def execute(conn: Connection, statement: UpdateBase, params: dict[str, Any] | Sequence[dict[str, Any]]
            ) -> CursorResult:
    """Run `statement` (built once: plans are kept per statement object) with one row of parameters or an
    executemany of rows naming the same columns, as `conn.execute(statement, params)` would."""
    rows = [params] if isinstance(params, dict) else list(params)
    if not rows:
        return conn.execute(statement, params)
    keys = frozenset(rows[0])
    plan = _plan(statement, conn.dialect, keys, len(rows) > 1)
    if plan is None or any(len(row) != len(keys) or not keys.issuperset(row) for row in rows[1:]):
        return conn.execute(statement, params)
    made = [_bound(plan, row) for row in rows]
    return conn.exec_driver_sql(plan.sql, made[0] if isinstance(params, dict) else made)


def insert_row(conn: Connection, statement: UpdateBase, row: dict[str, Any]
               ) -> tuple[CursorResult, dict[str, Any]] | None:
    """Run a one-row INSERT as `conn.execute(statement, row)` would, and return with its result the row as sent,
    the Python defaults the INSERT applied filled in (what Core's `last_inserted_params()` gives). A row without
    its primary key is covered where the DBAPI gives the new key as the cursor's `lastrowid` (SQLite: read it
    from the result); None: not covered, nothing was run (the caller uses `Connection.execute`, which can
    add RETURNING for the key)."""
    plan = _plan(statement, conn.dialect, frozenset(row), False)
    if plan is None or (not plan.has_key and not conn.dialect.postfetch_lastrowid):
        return None
    values = _filled(plan, row)
    return conn.exec_driver_sql(plan.sql, _processed(plan, dict(values))), values


def _bound(plan: _Plan, row: dict[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
    return _processed(plan, _filled(plan, row))


def _filled(plan: _Plan, row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for name, call, scalar in plan.defaults:
        values[name] = call() if call is not None else scalar
    return values


def _processed(plan: _Plan, values: dict[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
    for name, process in plan.processors:
        values[name] = process(values[name])
    if plan.order is None:
        return values
    return tuple(values[name] for name in plan.order)


@functools.cache
def _plan(statement: UpdateBase, dialect: Dialect, keys: frozenset[str], many: bool) -> _Plan | None:
    """The statement compiled for rows naming `keys`, as SQLAlchemy compiles it for them (None: not covered)."""
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys), for_executemany=many)
    if compiled.escaped_bind_names or compiled.literal_execute_params or compiled.post_compile_params:
        return None
    defaults = []
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        default = column.onupdate if column in compiled.update_prefetch else column.default
        # A callable taking no context is kept by SQLAlchemy wrapped (`__wrapped__`); one taking the
        # execution's context needs Core.
        made = getattr(default.arg, "__wrapped__", None) if default is not None and default.is_callable else None
        if default is None or not (default.is_scalar or made is not None):
            return None
        defaults.append((column.key, made, None if made is not None else default.arg))
    names = set(compiled.binds)
    if not names <= keys | {name for name, _c, _s in defaults}:
        return None  # a value the rows do not give (Core would refuse it or compute it in SQL)
    processors = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    order = tuple(compiled.positiontup) if compiled.positional else None
    table = getattr(statement, "table", None)
    has_key = not compiled.isinsert or all(column.key in names for column in table.primary_key)
    return _Plan(compiled.string, order, tuple(defaults), tuple(processors), has_key)
