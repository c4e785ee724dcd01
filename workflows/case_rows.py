"""The case rows of a batch of steps written with Core: one version-checked executemany instead of one
UPDATE per case from the ORM's unit of work (the ORM emits a versioned row's UPDATE one at a time).

Used by the scheduler's batch of wakes, whose steps run side by side in one transaction. Each row is
updated only where its `lock_version` is still the one read, and bumped as the ORM would: a row another
process moved meanwhile fails the whole statement (StaleDataError), and the caller rolls the batch back.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from sqlalchemy import Column, Update, bindparam, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .db import Case


def write_cases(session: Session, cases: list[Case]) -> None:
    """Write the changed columns of `cases` now, rows changing the same columns in one executemany, and
    expire them in the session (its flush then has nothing left to do for them; reading one again reads
    the row as written)."""
    columns = _case_columns()
    groups: dict[tuple[str, ...], list[tuple[Case, dict[str, Any]]]] = defaultdict(list)
    for case in cases:
        state = inspect(case)
        changed = tuple(sorted(key for key in state.committed_state if key != "lock_version"))
        if not changed or not state.persistent or any(key not in columns for key in changed):
            continue  # unchanged, or a change the ORM's flush must write (a relationship)
        params = {f"v_{key}": getattr(case, key) for key in changed}
        params |= {"case_id": case.id, "read_version": case.lock_version, "next_version": case.lock_version + 1}
        groups[changed].append((case, params))
    conn = session.connection() if groups else None
    for keys, rows in groups.items():
        result = conn.execute(_update(keys), [params for _, params in rows])
        if result.rowcount != len(rows):
            ids = ", ".join(str(case.id) for case, _ in rows)
            raise StaleDataError(f"case rows {ids}: another process changed one since it was read")
        # Written: expired like a flushed and committed row, so the session's flush has nothing to compare
        # for them (the batch's commit, right after, expires them all the same).
        for case, _ in rows:
            session.expire(case)


@functools.cache
def _case_columns() -> dict[str, Column]:
    """Attribute name → column, for the case's plain columns."""
    return {prop.key: prop.columns[0] for prop in inspect(Case).column_attrs}


@functools.lru_cache(maxsize=64)
def _update(keys: tuple[str, ...]) -> Update:
    """The versioned UPDATE of these columns (built once per set of columns: most wakes change the same)."""
    table = Case.__table__
    columns = _case_columns()
    values = {columns[key].name: bindparam(f"v_{key}") for key in keys}
    return (table.update()
            .where(table.c.id == bindparam("case_id"), table.c.lock_version == bindparam("read_version"))
            .values(values | {table.c.lock_version.name: bindparam("next_version")}))
