"""Append-only audit events chained per case by SHA-256.

Each event's hash covers its own fields and the previous event's hash, so an
edited, removed or reordered row breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import AuditEvent, utcnow

GENESIS = "0" * 64


def _digest(event: AuditEvent) -> str:
    body = json.dumps(
        {
            "case_id": event.case_id,
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
            "actor": event.actor,
            "action": event.action,
            "task_name": event.task_name,
            "task_title": event.task_title,
            "data": event.data_json,
            "prev": event.prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    case_id: int,
    actor: str,
    action: str,
    data: dict[str, Any] | None = None,
    task_name: str | None = None,
    task_title: str | None = None,
) -> AuditEvent:
    """Add one event to the case's chain inside the caller's transaction."""
    heads: dict[int, tuple[int, str]] = session.info.setdefault("audit_heads", {})
    if case_id not in heads:
        # No autoflush: this session's own new events of the case are already in `heads`.
        with session.no_autoflush:
            last = session.execute(
                select(AuditEvent.seq, AuditEvent.hash)
                .where(AuditEvent.case_id == case_id)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            ).first()
        heads[case_id] = (last.seq, last.hash) if last else (0, GENESIS)
    seq, prev = heads[case_id]
    event = AuditEvent(
        case_id=case_id,
        seq=seq + 1,
        occurred_at=utcnow(),
        actor=actor,
        action=action,
        task_name=task_name,
        task_title=task_title,
        data_json=json.dumps(data or {}, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev,
    )
    event.hash = _digest(event)
    heads[case_id] = (event.seq, event.hash)
    session.add(event)
    return event


def start_chain(session: Session, case_id: int) -> None:
    """A case created in this transaction has no events yet: spare the head lookup."""
    session.info.setdefault("audit_heads", {})[case_id] = (0, GENESIS)


def forget_heads(session: Session) -> None:
    """Drop cached chain heads (after a rollback they may be wrong)."""
    session.info.pop("audit_heads", None)


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


def verify_all(session: Session, batch: int = 5000) -> tuple[int, list[BrokenLink]]:
    """Check every chain; return (events checked, first broken link of each broken case)."""
    broken: list[BrokenLink] = []
    checked = 0
    current: list[AuditEvent] = []
    stream = session.execute(
        select(AuditEvent)
        .order_by(AuditEvent.case_id, AuditEvent.seq)
        .execution_options(yield_per=batch, populate_existing=True)
    ).scalars()
    for event in stream:
        checked += 1
        if current and current[0].case_id != event.case_id:
            link = verify_case(current)
            if link:
                broken.append(link)
            current = []
        current.append(event)
    if current:
        link = verify_case(current)
        if link:
            broken.append(link)
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
