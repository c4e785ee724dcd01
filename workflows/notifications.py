"""Notification outbox: messages are written in the case's transaction and sent
later by channel adapters, so a slow or failing gateway never blocks a step."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from . import held
from .db import OutboxMessage, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Channel(Protocol):
    name: str

    def send(self, recipient: str, message: str) -> None:
        """Deliver or raise."""


class Refused(Exception):
    """The gateway refused a message for good (a rejected template, a bad number): recorded, not retried."""


def mask_recipient(recipient: str) -> str:
    return recipient[:4] + "****" + recipient[-3:] if len(recipient) > 7 else "****"


class LogChannel:
    """Local default: records that a message would be sent, without personal data."""

    name = "log"

    def send(self, recipient: str, message: str) -> None:
        log.info("notifikasi (log) ke %s: %d karakter", mask_recipient(recipient), len(message))


CHANNELS: dict[str, Callable[[], Channel]] = {"log": LogChannel}
# Routes choose the channel a message to a number goes by (WhatsApp for a number that opted in,
# nothing for one that opted out); a route returns the channel, or None to record without sending.
Route = Callable[[Session, str, str], str | None]
ROUTES: list[Route] = []
# Relays give the number of a case's reporter when the case keeps none (an anonymous reporter on a
# channel that relays, such as WhatsApp): the message reaches them, officers never see the number.
Relay = Callable[[Session, int], str | None]
RELAYS: list[Relay] = []




@dataclass(frozen=True)
class CaseReads:
    """What a route or relay reads about a case, read with the engine step's own read of the case instead of
    one query per message: SQL columns correlated with the `case` row, and a function keeping their values
    (in `known(session)`) for the rest of the transaction, where the route and relay look first."""

    columns: Callable[[], list[ColumnElement[Any]]]
    keep: Callable[[Session, int, tuple[Any, ...]], None]


CASE_READS: list[CaseReads] = []
KNOWN = "ligat_notify_known"  # session.info key: what the step's read found for routes and relays


def known(session: Session) -> dict[Any, Any]:
    """Values kept by CASE_READS for this transaction (forgotten when it ends: they may change after)."""
    return session.info.setdefault(KNOWN, {})


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_known(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(KNOWN, None)


def relay_of(session: Session, case_id: int) -> str | None:
    for relay in RELAYS:
        found = relay(session, case_id)
        if found:
            return found
    return None


def queue(
    session: Session, case_id: int | None, recipient: str, message: str, channel: str, *,
    kind: str = "text", payload: dict[str, Any] | None = None, dedupe_key: str | None = None,
    routed: bool = True,
) -> OutboxMessage:
    """One message in the caller's transaction. `payload` carries what a rich channel needs
    (a template and its parameters for outside WhatsApp's window, a document). `routed=False`:
    a direct answer to what the person just wrote, on the channel they wrote from."""
    msg = OutboxMessage(**_outbox_values(session, case_id, recipient, message, channel, kind, payload, dedupe_key,
                                         routed))
    session.add(msg)
    return msg


def queue_written(session: Session, case_id: int, recipient: str, message: str, channel: str, *,
                  kind: str = "text", payload: dict[str, Any] | None = None) -> None:
    """The same message as `queue`, held as a plain row (held.py) and written with the transaction's other held
    rows in one Core executemany, with no ORM object: for the engine step, which never reads its messages back
    (the ORM's unit of work costs more CPU than the row). A new case is written before it."""
    values = _outbox_values(session, case_id, recipient, message, channel, kind, payload, None, True)
    held.hold(session, OutboxMessage.__table__, [values])


def _outbox_values(session: Session, case_id: int | None, recipient: str, message: str, channel: str, kind: str,
                   payload: dict[str, Any] | None, dedupe_key: str | None, routed: bool) -> dict[str, Any]:
    chosen: str | None = channel
    for route in ROUTES if routed else ():
        chosen = route(session, recipient, channel)
        if chosen != channel:
            break
    values = {"case_id": case_id, "recipient": recipient, "message": message, "channel": chosen or channel,
              "kind": kind, "payload": json.dumps(payload, ensure_ascii=False) if payload else None,
              "dedupe_key": dedupe_key}
    if chosen is None:
        values |= {"status": "skipped", "last_error": "Penerima berhenti berlangganan. (Recipient opted out.)"}
    return values


def dispatch_pending(session: Session, limit: int = 100, recipient: str | Collection[str] | None = None) -> int:
    """Send due messages; failures are retried with backoff, then marked failed. A refusal for good
    (Refused) is recorded at once. `recipient` limits the run to one number, or to the spellings of
    one number (the simulator)."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if recipient is not None:
        query = query.where(OutboxMessage.recipient.in_([recipient] if isinstance(recipient, str) else recipient))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sent = 0
    for msg in session.execute(query).scalars():
        msg.attempts += 1
        try:
            channel = CHANNELS[msg.channel]()
            deliver = getattr(channel, "deliver", None)
            if deliver is not None:  # rich channels: the whole row, the gateway's message id back
                msg.provider_id = deliver(session, msg) or None
            else:
                channel.send(msg.recipient, msg.message)
        except Refused as exc:
            msg.status, msg.delivery_status = "failed", "failed"
            msg.last_error = str(exc)[:500]
            log.warning("pesan #%s ditolak gateway %s", msg.id, msg.channel)
            continue
        except Exception as exc:  # any gateway failure is retried, never raised to the caller
            msg.last_error = type(exc).__name__ + ": " + str(exc)[:500]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.status = "failed"
            else:
                msg.next_attempt_at = now + timedelta(seconds=30 * 2**msg.attempts)
            continue
        msg.status = "sent"
        msg.delivery_status = msg.delivery_status or "sent"
        msg.sent_at = now
        sent += 1
    session.commit()
    return sent


DELIVERY_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def record_delivery(session: Session, provider_id: str, status: str, error: str | None = None) -> bool:
    """A gateway's later report on a sent message (WhatsApp `statuses`): sent, delivered, read or failed.
    Reports may arrive out of order; a status never goes back (read stays read)."""
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id))
    if msg is None or status not in DELIVERY_ORDER:
        return False
    if DELIVERY_ORDER[status] >= DELIVERY_ORDER.get(msg.delivery_status or "", 0):
        msg.delivery_status = status
    if status == "failed":
        msg.status = "failed"
        msg.last_error = (error or "gagal terkirim (delivery failed)")[:500]
    return True
