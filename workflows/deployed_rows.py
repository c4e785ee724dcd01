"""Deployed rows — a process definition, a package version — kept per process and put into a session without
reading their columns again.

Such a row never changes once deployed, so an engine step reads of it only its id and `deployed_at` (the
moment of its deploy, to the microsecond: another database's row with the same id was deployed at another
moment) and takes the other columns from what this process read before. The object it gets is the one a
query would have loaded: in the session's identity map, its columns loaded and clean, its large deferred
columns (the spec, the XML, the archive) left to load on first use as before. A row this process has not
read yet is read whole, once.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session, attributes, scoped_session

from .db import own_session

T = TypeVar("T")
_VALUES: dict[tuple[type, int, datetime], dict[str, Any]] = {}


@functools.cache
def _mapper(cls: type) -> Mapper:
    return inspect(cls)


@functools.cache
def _loaded_columns(mapper: Mapper) -> tuple[str, ...]:
    """The attributes a query loads (every column attribute but the deferred ones)."""
    return tuple(prop.key for prop in mapper.column_attrs if not prop.deferred)


def remember(obj: Any) -> bool:  # noqa: ANN401 (a mapped row with `id` and `deployed_at`)
    """Keep the loaded columns of a deployed row a session read, unless kept already; False: the object is not
    as the database holds it (changed in its session, or some column not loaded)."""
    state = inspect(obj)
    values = state.dict
    key = (state.class_, values.get("id"), values.get("deployed_at"))
    if key in _VALUES:
        return True
    names = _loaded_columns(state.mapper)
    if key[2] is None or state.modified or not state.has_identity or any(name not in values for name in names):
        return False
    if len(_VALUES) > 256:
        _VALUES.clear()
    _VALUES[key] = {name: values[name] for name in names}
    return True


def attach(session: Session | scoped_session, cls: type[T], row_id: int, deployed_at: datetime) -> T | None:
    """The deployed row `row_id` of `cls` in `session`, with its columns as `remember` kept them; None when
    neither this process nor the session has read that row (same id and deploy moment) yet. A row the session
    holds loaded is returned as it is; one it holds expired (after a commit) gets its columns back."""
    session = own_session(session)
    values = _VALUES.get((cls, row_id, deployed_at))
    mapper = _mapper(cls)
    identity = mapper.identity_key_from_primary_key((row_id,))
    found = session.identity_map.get(identity)
    if found is not None:
        state = attributes.instance_state(found)
        if values is None:  # read by the session before the step (a page): kept from now on
            loaded = state.dict.get("deployed_at") == deployed_at and remember(found)
            return found if loaded else None
        expired = [name for name in state.expired_attributes if name in values]
        if expired:  # what a query would load again: nothing else (a change made in the session stays)
            for name in expired:
                state.dict[name] = values[name]
            state._commit(state.dict, expired)
        return found
    if values is None:
        return None
    # As the ORM's loading makes an object for a row: a new instance, keyed, in the identity map, clean.
    obj = mapper.class_manager.new_instance()
    state = attributes.instance_state(obj)
    state.key, state.identity_token = identity, None
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, identity)
    state.dict.update(values)
    return obj
