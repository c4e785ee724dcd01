"""Write ORM objects' changed columns with Core UPDATEs, now, instead of through the unit of work.

The engine step changes a few columns of the case row and of the completed inbox row; the ORM's flush of
those objects cost more CPU than the rest of the step's writes together, and it writes a versioned row
one UPDATE at a time, so a scheduler's batch of wakes paid one statement per case. `write_changes` (one
row) and `write_all` (rows of one table changing the same columns go in one executemany) send the UPDATE
the flush would: the changed columns, with the version check and bump where the mapper has a version
column. The objects are then marked clean, so the ORM neither writes them again nor reloads them: each
stays what the database now holds. A version found changed raises `StaleDataError`, as the flush does,
which the use cases report as a concurrent update and the scheduler rolls its batch back for.

A new row is written the same way (`hold_new`): one Core INSERT with the values the object holds when it is
written. Given its id beforehand (PostgreSQL: drawn from the table's sequence), the row is held until the
step that made it saves it (`write_new`), or until the session's next flush, query or commit writes it first
(held.py's hooks, ahead of the rows that reference it): a new case goes out once, with its final values,
instead of an INSERT of placeholders and an UPDATE of the same row.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Table, Update, bindparam, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, attributes
from sqlalchemy.orm.exc import StaleDataError

from . import compiled_writes, held

T = TypeVar("T")
READ_VERSION = "row_writes_read_version"
ROW_ID = "row_writes_id"
NEW = "ligat_new_rows"  # session.info key: new objects with an id, not yet written


def new_object(cls: type[T], values: dict[str, Any]) -> T:
    """A new object of the mapped class `cls` holding `values` (attribute names, as its constructor takes them),
    made without the constructor's change event per attribute: for a row `hold_new` writes, whose INSERT sends
    the values the object holds and then marks it clean, so no change history is read in between. Attributes
    set on it afterwards are tracked as on any object."""
    manager, names = _manager(cls)
    if not values.keys() <= names:  # as the constructor refuses them
        raise TypeError(f"{sorted(values.keys() - names)} are not attributes of {cls.__name__}")
    obj = manager.new_instance()
    attributes.instance_dict(obj).update(values)
    return obj


@functools.cache
def _manager(cls: type) -> tuple[Any, frozenset[str]]:
    """The class's SQLAlchemy ClassManager and its attribute names."""
    mapper = inspect(cls)
    # Only plain attributes: a backref or a collection needs the events new_object leaves out.
    if any(prop.back_populates or prop.backref or prop.uselist for prop in mapper.relationships):
        raise ValueError(f"{cls.__name__}: new_object covers classes without backrefs or collections")
    return mapper.class_manager, frozenset(mapper.attrs.keys())


def hold_new(session: Session, obj: Any) -> None:
    """Add the new object `obj` (a single-table row with one integer key) to the session, to be written with one
    Core INSERT: now when it has no id yet (the database gives one), else at `write_new` or before the session's
    next flush, query or commit, whichever comes first. Rows referencing it are written after it."""
    session.add(obj)
    state = inspect(obj)
    if state.dict.get(state.mapper.primary_key[0].key) is None:
        _insert(session, state)
    else:
        session.info.setdefault(NEW, []).append(state)


def write_new(session: Session) -> None:
    """Write the new objects `hold_new` holds (each with the values it has now)."""
    for state in session.info.pop(NEW, None) or ():
        if state.pending:  # not written since by other means (expunged, or flushed by the ORM)
            _insert(session, state)


def _forget_new(session: Session) -> None:
    session.info.pop(NEW, None)


# Ahead of the held rows and audit events: they reference it.
held.buffer(NEW, write_new, _forget_new, first=True)


def _insert(session: Session, state: InstanceState) -> None:
    """One Core INSERT of a pending object's values (its defaults filled in as the flush would), then the object
    made persistent as a flush makes it: clean, in the identity map, expunged again if the transaction rolls back."""
    mapper = state.mapper
    table, columns = _layout(mapper)
    if table is None:
        raise ValueError(f"{mapper.class_.__name__}: one table and one key needed for a Core INSERT")
    values = state.dict
    version_key = _version_key(mapper)
    if version_key is not None and values.get(version_key) is None:
        values[version_key] = 1  # the ORM's first version
    key = mapper.primary_key[0].key
    params = {columns[k]: values[k] for k in columns if k in values and not (k == key and values[k] is None)}
    owner = state.session  # the Session itself (callers may hand a scoped_session proxy)
    conn = owner.connection()
    # Its compiled SQL kept (compiled_writes) where it gives back what Core would; else Core's execution.
    done = compiled_writes.insert_row(conn, held.insert_of(table), params)
    if done is None:
        result = conn.execute(held.insert_of(table), params)
        sent = result.last_inserted_params()  # with the Python-side defaults the INSERT applied
        new_key = None if values.get(key) is not None else result.inserted_primary_key[0]
    else:
        result, sent = done
        new_key = None if values.get(key) is not None else result.lastrowid
    for attr, column in columns.items():
        if column in sent:
            values[attr] = sent[column]
    if values.get(key) is None:
        values[key] = new_key
    owner._register_persistent({state})


def write_changes(session: Session, obj: Any) -> bool:
    """Write `obj`'s changed columns with one UPDATE on the session's connection; returns False (and writes
    nothing) when the ORM must write it itself: a new object, a changed relationship or primary key, or a
    mapper this helper does not cover (several tables, a composite key)."""
    state = inspect(obj)
    params = _params(state)
    if params is None:
        return False
    if params:
        _execute(session, state.mapper, [(state, params)])
    return True


def write_all(session: Session, objs: Iterable[Any]) -> None:
    """Write the changed columns of `objs` now, one executemany per table and set of changed columns; a row
    this helper does not cover is left to the session's flush. One row moved by someone else since it was
    read fails the whole statement (StaleDataError): the caller rolls back what it wrote with them."""
    groups: dict[tuple[Mapper, tuple[str, ...]], list[tuple[InstanceState, dict[str, Any]]]] = defaultdict(list)
    for obj in objs:
        state = inspect(obj)
        params = _params(state)
        if params:
            groups[(state.mapper, tuple(sorted(params)))].append((state, params))
    for (mapper, _keys), rows in groups.items():
        _execute(session, mapper, rows)


def _params(state: InstanceState) -> dict[str, Any] | None:
    """The UPDATE's parameters for a row's changes ({}: nothing changed), or None: the ORM must write it."""
    if not state.persistent:
        return None
    changed = state.committed_state
    if not changed:
        return {}
    mapper = state.mapper
    table, columns = _layout(mapper)
    if table is None or not changed.keys() <= columns.keys() or mapper.primary_key[0].key in changed:
        return None
    values = state.dict
    params = {columns[key]: values[key] for key in changed if key in values}
    if len(params) != len(changed):  # a changed attribute expired since: let the ORM sort it out
        return None
    params[ROW_ID] = state.identity[0]
    version_key = _version_key(mapper)
    if version_key is not None:
        version = values.get(version_key)
        if version_key in changed or version is None:
            return None  # set by hand, or not loaded: the ORM's rules apply
        params[columns[version_key]] = version + 1
        params[READ_VERSION] = version
    return params


def _execute(session: Session, mapper: Mapper, rows: list[tuple[InstanceState, dict[str, Any]]]) -> None:
    table, _columns = _layout(mapper)
    statement = _update(table, mapper.primary_key[0].name, _version_name(mapper))
    params = [p for _state, p in rows]
    result = compiled_writes.execute(session.connection(), statement, params[0] if len(params) == 1 else params)
    if result.rowcount != len(rows):
        ids = ", ".join(str(p[ROW_ID]) for p in params)
        raise StaleDataError(f"UPDATE of {table.name} id {ids} matched {result.rowcount} of {len(rows)} rows: "
                             "changed by someone else since read")
    version_key = _version_key(mapper)
    for state, _p in rows:
        values = state.dict
        if version_key is not None:
            values[version_key] += 1
        # The row is as the object says: mark it clean. A savepoint rolled back later must still expire it,
        # as it expires what a flush wrote inside it.
        owner = state.session  # the Session itself (callers may hand a scoped_session proxy)
        state._commit_all(values, owner.identity_map)
        owner._register_altered([state])


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
