"""Notification outbox: messages are written in the case's transaction and sent
later by channel adapters, so a slow or failing gateway never blocks a step."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import OutboxMessage, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Channel(Protocol):
    name: str

    def send(self, recipient: str, message: str) -> None:
        """Deliver or raise."""


def mask_recipient(recipient: str) -> str:
    return recipient[:4] + "****" + recipient[-3:] if len(recipient) > 7 else "****"


class LogChannel:
    """Local default: records that a message would be sent, without personal data."""

    name = "log"

    def send(self, recipient: str, message: str) -> None:
        log.info("notifikasi (log) ke %s: %d karakter", mask_recipient(recipient), len(message))


CHANNELS: dict[str, Callable[[], Channel]] = {"log": LogChannel}


def queue(session: Session, case_id: int | None, recipient: str, message: str, channel: str) -> OutboxMessage:
    msg = OutboxMessage(case_id=case_id, recipient=recipient, message=message, channel=channel)
    session.add(msg)
    return msg


def dispatch_pending(session: Session, limit: int = 100) -> int:
    """Send due messages; failures are retried with backoff, then marked failed."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sent = 0
    for msg in session.execute(query).scalars():
        msg.attempts += 1
        try:
            CHANNELS[msg.channel]().send(msg.recipient, msg.message)
        except Exception as exc:  # any gateway failure is retried, never raised to the caller
            msg.last_error = type(exc).__name__ + ": " + str(exc)[:500]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.status = "failed"
            else:
                msg.next_attempt_at = now + timedelta(seconds=30 * 2**msg.attempts)
            continue
        msg.status = "sent"
        msg.sent_at = now
        sent += 1
    session.commit()
    return sent
