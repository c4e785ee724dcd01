"""Write an ORM object's changed columns with one Core UPDATE, now, instead of through the unit of work.

The engine step changes a few columns of the case row and of the completed inbox row; the ORM's flush of
those two objects cost more CPU than the rest of the step's writes together. `write_changes` sends the same
UPDATE the flush would (the changed columns, and the version check and bump where the mapper has a version
column), then marks the object clean, so the ORM neither writes it again nor reloads it: the object stays
what the database now holds. A version found changed raises `StaleDataError`, as the flush does, which the
use cases report as a concurrent update.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, Update, bindparam, inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.exc import StaleDataError

READ_VERSION = "row_writes_read_version"
ROW_ID = "row_writes_id"


def write_changes(session: Session, obj: Any) -> bool:
    """Write `obj`'s changed columns with one UPDATE on the session's connection; returns False (and writes
    nothing) when the ORM must write it itself: a new object, a changed relationship or primary key, or a
    mapper this helper does not cover (several tables, a composite key)."""
    state = inspect(obj)
    if not state.persistent:
        return False
    changed = state.committed_state
    if not changed:
        return True
    mapper = state.mapper
    table, columns = _layout(mapper)
    if table is None or not changed.keys() <= columns.keys() or mapper.primary_key[0].key in changed:
        return False
    values = state.dict
    params = {columns[key]: values[key] for key in changed if key in values}
    if len(params) != len(changed):  # a changed attribute expired since: let the ORM sort it out
        return False
    params[ROW_ID] = state.identity[0]
    version_key = _version_key(mapper)
    version = None
    if version_key is not None:
        version = values.get(version_key)
        if version_key in changed or version is None:
            return False  # set by hand, or not loaded: the ORM's rules apply
        params[columns[version_key]] = version + 1
        params[READ_VERSION] = version
    result = session.connection().execute(_update(table, mapper.primary_key[0].name, _version_name(mapper)), params)
    if result.rowcount != 1:
        raise StaleDataError(f"UPDATE of {table.name} id {state.identity[0]} matched {result.rowcount} rows "
                             f"(version {version} read): changed by someone else")
    if version_key is not None:
        values[version_key] = version + 1
    # The row is as the object says: mark it clean. A savepoint rolled back later must still expire it, as
    # it expires what a flush wrote inside it.
    owner = state.session  # the Session itself (callers may hand a scoped_session proxy)
    state._commit_all(values, owner.identity_map)
    owner._register_altered([state])
    return True


@functools.cache
def _layout(mapper: Mapper) -> tuple[Table | None, dict[str, str]]:
    """The mapper's one table and its attribute → column names (None: not a single-table, single-key row)."""
    if len(mapper.tables) != 1 or len(mapper.primary_key) != 1:
        return None, {}
    table = mapper.local_table
    columns = {prop.key: prop.columns[0].name for prop in mapper.column_attrs
               if len(prop.columns) == 1 and prop.columns[0].table is table}
    return table, columns


def _version_key(mapper: Mapper) -> str | None:
    column = mapper.version_id_col
    return None if column is None else mapper.get_property_by_column(column).key


def _version_name(mapper: Mapper) -> str | None:
    return None if mapper.version_id_col is None else mapper.version_id_col.name


@functools.cache
def _update(table: Table, key: str, version: str | None) -> Update:
    """Built once per table: the SET columns come from each call's parameters (SQLAlchemy caches the
    compiled form per set of columns)."""
    where = [table.c[key] == bindparam(ROW_ID)]
    if version is not None:
        where.append(table.c[version] == bindparam(READ_VERSION))
    return table.update().where(*where)
