"""A use case's returned row kept readable after its commit, instead of reloaded by the caller's next read.

A commit expires every object of the session, so the caller reading the case it was handed back (its id,
reference, status) sent one more SELECT for values the use case had just written. `commit_keeping` commits
and puts those values back: they are exactly what the transaction committed. They stay only until the
session next begins a transaction (its next query, flush or step): the object is expired then, as the
commit would have done (all but its primary key, which never changes), so a later use case never works on
values another process may have changed since.
Only rows with a version column are kept: were one changed by the caller in between and written, its
version check would still catch a change made by someone else.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

KEPT = "ligat_kept_rows"  # session.info key: states kept loaded past the last commit


def commit_keeping(session: Session, obj: Any) -> None:
    """Commit the session; `obj` (a mapped row with a version column) keeps the values it was committed with."""
    state = inspect(obj, raiseerr=False)
    owner = session if isinstance(session, Session) else session()  # a scoped_session gives its Session
    if (state is None or not getattr(state, "persistent", False) or state.session is not owner
            or state.mapper.version_id_col is None):
        session.commit()
        return
    session.flush()  # the values below are then the ones written
    columns = state.mapper.column_attrs.keys()
    values = state.dict
    snapshot = {key: values[key] for key in columns if key in values}
    session.commit()
    if state.session is None or state.deleted or state.detached:
        return
    values.update(snapshot)
    state._commit_all(values, state.session.identity_map)  # loaded as of the commit: clean, not expired
    state.session.info.setdefault(KEPT, []).append(state)


@sa_event.listens_for(Session, "after_begin")
def _expire_kept(session: Session, transaction: Any, connection: Any) -> None:
    # A new transaction reads the rows afresh, as after an ordinary commit. A row the caller changed since is
    # left to its version check (expiring it would drop the change).
    kept = session.info.pop(KEPT, None)
    for state in kept or ():
        obj = state.obj()
        if obj is not None and state.session is session and not state.modified:
            session.expire(obj, _changeable(state.mapper))


@functools.cache
def _changeable(mapper: Any) -> list[str]:
    """Every attribute but the primary key, which never changes: reading the id then needs no reload."""
    key = {prop.key for prop in mapper.column_attrs if any(column.primary_key for column in prop.columns)}
    return [name for name in mapper.attrs.keys() if name not in key]
