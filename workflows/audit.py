"""Append-only audit events chained per case by SHA-256.

Each event's hash covers its own fields and the previous event's hash, so an
edited, removed or reordered row breaks the chain from that point on. Events cut
off at the end or removed wholesale leave an intact-looking (or empty) chain: each
case's length and head hash are therefore also kept in `audit_chain`, written in
the same transaction as every event, and verification compares the two.

Events are buffered per transaction and written with Core (one executemany, one version-checked
update of each touched chain record) before the session's next flush, query or commit: an engine step
costs one round trip for all its events instead of one each. Session event listeners below do this for
every session, so callers only `append`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import compiled_writes, held
from .db import AuditChain, AuditEvent, utcnow

GENESIS = "0" * 64
CHAINS = "ligat_audit_chains"  # session.info key: case id → _Head of its chain in this transaction
PENDING = "ligat_audit_pending"  # session.info key: events appended and not yet written


def _digest(event: AuditEvent) -> str:
    return _row_digest({"case_id": event.case_id, "seq": event.seq, "occurred_at": event.occurred_at,
                        "actor": event.actor, "action": event.action, "task_name": event.task_name,
                        "task_title": event.task_title, "data_json": event.data_json, "prev_hash": event.prev_hash})


def _row_digest(row: dict[str, Any]) -> str:
    """The hash of an event given as its row's values (what `append` writes; `_digest` reads a loaded event)."""
    body = json.dumps(
        {
            "case_id": row["case_id"],
            "seq": row["seq"],
            "occurred_at": row["occurred_at"].isoformat(timespec="microseconds"),
            "actor": row["actor"],
            "action": row["action"],
            "task_name": row["task_name"],
            "task_title": row["task_title"],
            "data": row["data_json"],
            "prev": row["prev_hash"],
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class _Head:
    """A case's chain as this transaction sees it: its length and head with the events appended so far,
    and the length its `audit_chain` record holds in the database (None: no record yet)."""

    length: int
    head_hash: str
    stored: int | None
    updated_at: datetime | None = None


def _head(session: Session, case_id: int) -> _Head:
    """The case's chain head, read once per transaction (Core, so reading it flushes nothing)."""
    heads: dict[int, _Head] = session.info.setdefault(CHAINS, {})
    head = heads.get(case_id)
    if head is not None:
        return head
    conn = session.connection()
    record = conn.execute(select(AuditChain.length, AuditChain.head_hash)
                          .where(AuditChain.case_id == case_id)).first()
    if record is not None:
        head = _Head(record.length, record.head_hash, record.length)
    else:
        # A chain begun before the record existed (the migration fills these in; this is a fallback).
        last = conn.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        head = _Head(last.seq if last else 0, last.hash if last else GENESIS, None)
    heads[case_id] = head
    return head


def read_heads(session: Session, case_ids: list[int]) -> None:
    """Read the chain heads of several cases in one query (a batch of steps, such as the scheduler's)."""
    heads: dict[int, _Head] = session.info.setdefault(CHAINS, {})
    wanted = [case_id for case_id in case_ids if case_id not in heads]
    if not wanted:
        return
    rows = session.connection().execute(select(AuditChain.case_id, AuditChain.length, AuditChain.head_hash)
                                        .where(AuditChain.case_id.in_(wanted)))
    for row in rows:
        keep_head(session, row.case_id, row.length, row.head_hash)


def keep_head(session: Session, case_id: int, length: int, head_hash: str) -> None:
    """A chain record the caller read with its own query (a step reads its rows and the chain in one
    statement). A head this transaction already moved stays as it is."""
    session.info.setdefault(CHAINS, {}).setdefault(case_id, _Head(length, head_hash, length))


def append(
    session: Session,
    case_id: int,
    actor: str,
    action: str,
    data: dict[str, Any] | None = None,
    task_name: str | None = None,
    task_title: str | None = None,
) -> dict[str, Any]:
    """Add one event to the case's chain inside the caller's transaction; the chain record
    (length and head) moves with it in the same transaction. Returns the event's row as it will be written.

    The event is written with the others of the transaction in one statement (`write_pending`), before
    the session's next flush, query or commit: a step's events cost one round trip, not one each. It is
    kept as a plain row, not an ORM object: nothing reads it back as one, and making one cost more CPU
    than hashing it."""
    head = _head(session, case_id)
    row = {
        "case_id": case_id, "seq": head.length + 1, "occurred_at": utcnow(), "actor": actor, "action": action,
        "task_name": task_name, "task_title": task_title,
        "data_json": json.dumps(data or {}, sort_keys=True, ensure_ascii=False, default=str),
        "prev_hash": head.head_hash,
    }
    row["hash"] = _row_digest(row)
    head.length, head.head_hash, head.updated_at = row["seq"], row["hash"], row["occurred_at"]
    session.info.setdefault(PENDING, []).append(row)
    return row


def start_chain(session: Session, case_id: int) -> None:
    """A case created in this transaction has no events yet: its chain record starts empty."""
    session.info.setdefault(CHAINS, {})[case_id] = _Head(0, GENESIS, None)


def write_pending(session: Session) -> None:
    """Write the appended events (one executemany) and move each touched chain record, checking that no
    one else moved it since it was read: a record found at another length is a lost race (StaleDataError,
    which callers report as a concurrent update), never a silently forked chain."""
    pending = session.info.pop(PENDING, None)
    heads: dict[int, _Head] = session.info.get(CHAINS, {})
    moved = [(case_id, head) for case_id, head in heads.items() if head.length != head.stored]
    if not pending and not moved:
        return
    conn = session.connection()
    updates = []
    for case_id, head in moved:
        values = {"length": head.length, "head_hash": head.head_hash, "updated_at": head.updated_at or utcnow()}
        if head.stored is None:
            compiled_writes.execute(conn, held.insert_of(AuditChain.__table__), {"case_id": case_id, **values})
        else:
            updates.append({"chain_case": case_id, "stored_length": head.stored, **values})
    if updates:
        # One executemany for a batch of cases (the scheduler's); the rows it matched add up, so one
        # record found at another length is noticed, whichever it was.
        result = compiled_writes.execute(conn, _move_chain(), updates)
        if result.rowcount != len(updates):
            cases = ", ".join(str(u["chain_case"]) for u in updates)
            raise StaleDataError(f"audit chain of case {cases} moved on since it was read")
    for _case_id, head in moved:
        head.stored = head.length
    if pending:  # after the records' version checks: a lost race is reported as such, not as a duplicate seq
        compiled_writes.execute(conn, held.insert_of(AuditEvent.__table__), pending)


@functools.cache
def _move_chain() -> Update:
    """The chain record's version-checked move (built once: every engine step runs it)."""
    table = AuditChain.__table__
    return table.update().where(table.c.case_id == bindparam("chain_case"),
                                table.c.length == bindparam("stored_length"))


def forget_heads(session: Session) -> None:
    """Drop what this transaction knew of chains and its unwritten events (after a commit or rollback:
    the next transaction reads the heads again)."""
    session.info.pop(CHAINS, None)
    session.info.pop(PENDING, None)


# Written before the session's next flush, query or commit, forgotten with the transaction (held.py's hooks).
# Another process may append once the transaction is over (committed, rolled back or closed): the next one
# reads the heads again.
held.buffer(PENDING, write_pending, forget_heads)


@dataclass
class BrokenLink:
    case_id: int
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"kasus {self.case_id}, peristiwa #{self.seq}: {self.reason}"


def verify_case(events: list[AuditEvent]) -> BrokenLink | None:
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return BrokenLink(event.case_id, expected_seq, "peristiwa hilang atau urutan berubah")
        if event.prev_hash != prev:
            return BrokenLink(event.case_id, event.seq, "hash sebelumnya tidak cocok")
        if _digest(event) != event.hash:
            return BrokenLink(event.case_id, event.seq, "isi peristiwa telah diubah")
        prev = event.hash
    return None


MISSING_ALL = "semua peristiwa hilang (tercatat {expected}, tersisa 0)"
MISSING_TAIL = "peristiwa terakhir hilang (tercatat {expected}, tersisa {found})"
HEAD_CHANGED = "ujung rantai tidak cocok dengan catatan rantai"
NO_RECORD = "rantai tanpa catatan panjang dan ujung"


def against_record(case_id: int, events: list[AuditEvent], record: tuple[int, str] | None) -> BrokenLink | None:
    """A chain intact in itself is still broken when it is shorter than its record says (events cut off
    at the end or removed wholesale) or ends on another hash."""
    if record is None:
        return BrokenLink(case_id, events[-1].seq if events else 0, NO_RECORD)
    length, head = record
    if not events:
        return BrokenLink(case_id, 1, MISSING_ALL.format(expected=length)) if length else None
    if len(events) < length:
        return BrokenLink(case_id, len(events) + 1, MISSING_TAIL.format(expected=length, found=len(events)))
    if events[-1].hash != head or len(events) != length:
        return BrokenLink(case_id, events[-1].seq, HEAD_CHANGED)
    return None


def verify_all(session: Session, batch: int = 5000) -> tuple[int, list[BrokenLink]]:
    """Check every chain against itself and against its chain record; return (events checked,
    first broken link of each broken case). A table emptied by TRUNCATE shows as every recorded
    chain missing all its events."""
    records = {row.case_id: (row.length, row.head_hash) for row in session.execute(
        select(AuditChain.case_id, AuditChain.length, AuditChain.head_hash))}
    broken: list[BrokenLink] = []
    seen: set[int] = set()
    checked = 0

    def close(events: list[AuditEvent]) -> None:
        case_id = events[0].case_id
        seen.add(case_id)
        link = verify_case(events) or against_record(case_id, events, records.get(case_id))
        if link:
            broken.append(link)

    current: list[AuditEvent] = []
    stream = session.execute(
        select(AuditEvent)
        .order_by(AuditEvent.case_id, AuditEvent.seq)
        .execution_options(yield_per=batch, populate_existing=True)
    ).scalars()
    for event in stream:
        checked += 1
        if current and current[0].case_id != event.case_id:
            close(current)
            current = []
        current.append(event)
    if current:
        close(current)
    for case_id in sorted(records.keys() - seen):
        link = against_record(case_id, [], records[case_id])
        if link:
            broken.append(link)
    broken.sort(key=lambda link: link.case_id)
    return checked, broken


def status_history(session: Session, case_id: int, first_status: str = "Diterima") -> list[dict[str, Any]]:
    """The case's public status changes, oldest first: status, time and the public note only
    (no actors, no task data), read from the chain itself."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.in_(["case_started", "status_changed"]))
        .order_by(AuditEvent.seq)
    ).all()
    history = []
    for event in events:
        data = json.loads(event.data_json)
        status = first_status if event.action == "case_started" else data.get("status")
        note = data.get("catatan")
        if history and history[-1]["status"] == status:
            # The same status set again in one round (a script, then its task's own status): one entry.
            history[-1]["note"] = history[-1]["note"] or note
            continue
        history.append({"status": status, "at": event.occurred_at, "note": note})
    return history
