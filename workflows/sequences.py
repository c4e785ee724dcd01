"""Gap-free yearly counters: the row lock taken by UPDATE ... RETURNING holds
until the caller's transaction ends, so two concurrent callers never share a
value and a rolled-back caller leaves no gap."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import Counter, utcnow


def next_value(session: Session, name: str, year: int | None = None) -> int:
    year = year or utcnow().year
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Counter).values(name=name, year=year, value=0).on_conflict_do_nothing()
    )
    return session.execute(
        update(Counter)
        .where(Counter.name == name, Counter.year == year)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
