"""Values read once per transaction: several parts of a request ask for the same small row (the newest package
id, the signed-in officer's profile and session generation), and one statement may read several of them at
once (the user's, app/security.py). The value is kept in `session.info` for the transaction that read it; the
next transaction (the next request, or after a commit or rollback) reads it again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, scoped_session

from .db import own_session

T = TypeVar("T")
_KEPT = "ligat_transaction_values"  # session.info key: (transaction, {key: value})


def _values(session: Session) -> dict[Hashable, Any] | None:
    kept = session.info.get(_KEPT)
    transaction = session.get_transaction()
    if kept is None or transaction is None or kept[0] is not transaction:
        return None
    return kept[1]


def keep(session: Session | scoped_session, key: Hashable, value: Any) -> None:
    """Keep `value`, just read in the session's current transaction, for the rest of that transaction."""
    session = own_session(session)
    values = _values(session)
    if values is None:
        values = {}
        session.info[_KEPT] = (session.get_transaction(), values)
    values[key] = value


def kept(session: Session | scoped_session, key: Hashable) -> Any:  # noqa: ANN401 (whatever was kept)
    """What was kept under `key` in this transaction, or None."""
    values = _values(own_session(session))
    return None if values is None else values.get(key)


def forget(session: Session | scoped_session, key: Hashable) -> None:
    """The transaction changed what `key` names: the next ask reads it again."""
    values = _values(own_session(session))
    if values is not None:
        values.pop(key, None)


def once(session: Session | scoped_session, key: Hashable, read: Callable[[], T]) -> T:
    """The value kept under `key` in this transaction, or `read()` (kept then)."""
    session = own_session(session)
    values = _values(session)
    if values is not None and key in values:
        return values[key]
    value = read()
    keep(session, key, value)
    return value
