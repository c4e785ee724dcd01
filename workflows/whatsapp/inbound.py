"""Inbound side: the webhook stores each message once (WhatsApp retries; the message id is
unique) and answers at once; the worker takes queued messages one by one, moves the
conversation on and queues the replies in the one outbox. The scheduler runs the worker;
the simulator and the tests call the same function."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from .. import notifications
from ..db import utcnow
from . import conversation, step_reads, wire
from .cloud import SETTINGS
from .models import WaCaseLink, WaConversation, WaInbound

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
CHANNEL = "whatsapp"


@dataclass
class Stored:
    stored: int = 0
    duplicates: int = 0
    limited: int = 0
    statuses: int = 0


def _recent(session: Session, wa_id: str) -> int:
    since = utcnow() - timedelta(minutes=1)
    return session.scalar(select(func.count()).select_from(WaInbound)
                          .where(WaInbound.wa_id == wa_id, WaInbound.received_at >= since)) or 0


def store_update(session: Session, update: dict[str, Any]) -> Stored:
    """Queue the messages of one (already authenticated) webhook body and record delivery statuses.
    Commits. A sender over the per-minute limit is kept (so a retry stays a duplicate) but not answered."""
    messages, statuses = wire.parse_update(update)
    result = Stored()
    for item in messages:
        if session.scalar(select(WaInbound.id).where(WaInbound.message_id == item.message_id)) is not None:
            result.duplicates += 1
            continue
        limited = _recent(session, item.wa_id) >= SETTINGS.rate_per_minute
        row = WaInbound(message_id=item.message_id, wa_id=item.wa_id, kind=item.kind[:20],
                        payload=json.dumps(item.message | ({"_nama": item.name} if item.name else {})),
                        status="limited" if limited else "pending")
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # the same message, delivered twice at once: the other copy won
            result.duplicates += 1
            continue
        if limited:
            result.limited += 1
            log.warning("pesan WhatsApp dibatasi: pengirim melewati %s pesan/menit", SETTINGS.rate_per_minute)
        else:
            result.stored += 1
    for status in statuses:
        error = "; ".join(f"{e.get('code')}: {e.get('title') or e.get('message') or ''}" for e in status.errors) or None
        result.statuses += notifications.record_delivery(session, status.message_id, status.status, error)
    session.commit()
    return result


def _claim(session: Session, wa_id: str | None, busy: set[str]) -> WaInbound | None:
    query = select(WaInbound).where(WaInbound.status == "pending").order_by(WaInbound.id).limit(1)
    if wa_id is not None:
        query = query.where(WaInbound.wa_id == wa_id)
    if busy:
        query = query.where(WaInbound.wa_id.not_in(busy))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def _in_turn(session: Session, row: WaInbound) -> bool:
    """One sender's messages are answered in the order they came, by one process at a time: this row
    must be the sender's oldest waiting one, and no other process may hold the sender's conversation
    (PostgreSQL: its row locked, skipped if taken; SQLite has one writer anyway)."""
    oldest = session.scalar(select(func.min(WaInbound.id)).where(WaInbound.wa_id == row.wa_id,
                                                                 WaInbound.status == "pending"))
    if oldest != row.id:
        return False
    if session.get_bind().dialect.name != "postgresql":
        return True
    held = session.scalar(select(WaConversation.wa_id).where(WaConversation.wa_id == row.wa_id)
                          .with_for_update(skip_locked=True))
    # Not held by us: free only when there is no conversation yet (a first message).
    return held is not None or session.get(WaConversation, row.wa_id) is None


def queue_replies(session: Session, wa_id: str, replies: list[dict[str, Any]], case_id: int | None = None) -> None:
    for body in replies:
        notifications.queue(session, case_id, wa_id, wire.preview(body), CHANNEL,
                            kind="list" if body["type"] == "interactive" else "text", payload={"message": body},
                            routed=False)


def process_pending(session: Session, office: Callable[[], conversation.Office], limit: int = 50,
                    wa_id: str | None = None) -> int:
    """Handle up to `limit` queued messages, each in its own transaction; returns how many."""
    done = 0
    busy: set[str] = set()
    for _ in range(limit):
        row = _claim(session, wa_id, busy)
        if row is None:
            break
        row_id, sender = row.id, row.wa_id
        if not _in_turn(session, row):
            busy.add(sender)  # another process is answering this sender: leave them to it
            session.rollback()
            continue
        try:
            message = json.loads(row.payload)
            name = message.pop("_nama", None)
            turn = conversation.handle(session, office(), sender, message, name)
            queue_replies(session, sender, turn.replies)
            row.status, row.processed_at = "done", utcnow()
            row.attempts += 1
            session.commit()
            done += 1
        except Exception as exc:  # one bad message never stops the queue; its text is not logged
            session.rollback()
            row = session.get(WaInbound, row_id)
            row.attempts += 1
            row.last_error = type(exc).__name__
            row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            session.commit()
            log.exception("pesan WhatsApp #%s gagal diproses (%s)", row_id, type(exc).__name__)
            if row.status == "pending":
                break  # try again on the next run, after the other processes had their turn
    return done


def expire_quiet(session: Session, limit: int = 100) -> int:
    """Close conversations left half-way for longer than the expiry setting, with a polite message
    (the citizen wrote recently enough for WhatsApp's window to be open). Commits."""
    cutoff = utcnow() - timedelta(minutes=SETTINGS.expiry_minutes)
    rows = session.scalars(select(WaConversation).where(
        WaConversation.state.in_(conversation.EXPIRING), WaConversation.last_inbound_at < cutoff).limit(limit)).all()
    for conv in rows:
        conv.state, conv.data, conv.case_id = "menu", "{}", None
        queue_replies(session, conv.wa_id, [wire.text_body(
            f"Percakapan kami tutup karena tidak ada balasan selama {SETTINGS.expiry_minutes} menit. "
            "Kirim pesan apa saja untuk mulai lagi. (Conversation closed after no reply; write again any time.)")])
    session.commit()
    return len(rows)


def relay(session: Session, case_id: int) -> str | None:
    """Outbox relay: the WhatsApp number of an anonymous reporter's case (never shown to officers)."""
    link = session.identity_map.get(identity_key(WaCaseLink, case_id))
    if link is None:
        found = notifications.known(session)
        if step_reads.relay_key(case_id) in found:  # read with the step's case (step_reads)
            return found[step_reads.relay_key(case_id)]
        link = session.get(WaCaseLink, case_id)
    return link.wa_id if link is not None and link.anonymous else None


def consent_route(session: Session, recipient: str, channel: str) -> str | None:
    """Outbox route: a number that opted in on WhatsApp is told there; one that opted out is not told."""
    wa_id = wire.wa_id_of(recipient)
    if not wa_id:
        return channel
    conv = session.identity_map.get(identity_key(WaConversation, wa_id))
    if conv is None:
        found = notifications.known(session)
        if step_reads.consent_key(wa_id) in found:  # read with the step's case (step_reads)
            return _route(found[step_reads.consent_key(wa_id)], channel)
        # Only the conversation's standing, kept for the transaction like the step's read: loading the row as
        # an ORM object cost more CPU than the query (a case start with a reporter's number pays it once).
        standing = found[step_reads.consent_key(wa_id)] = session.scalar(step_reads.standing_query(),
                                                                         {"wa_id": wa_id})
        return _route(standing, channel)
    standing = (step_reads.OPTED_OUT if conv.opted_out_at is not None
                else step_reads.TOLD if conv.may_be_told else step_reads.KNOWN)
    return _route(standing, channel)


def _route(standing: str | None, channel: str) -> str | None:
    if standing is None:  # no conversation with this number
        return channel
    if standing == step_reads.OPTED_OUT:
        return None
    return CHANNEL if standing == step_reads.TOLD or channel == CHANNEL else channel
