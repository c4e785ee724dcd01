"""Tables of the WhatsApp channel. Everything a conversation needs lives here, so it
survives restarts and is shared by every web process and scheduler."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class WaInbound(Base):
    """One inbound message from the webhook, queued for the worker. The unique message id
    makes WhatsApp's retries of the same message harmless."""

    __tablename__ = "wa_inbound"
    __table_args__ = (Index("ix_wa_inbound_pending", "status", "id"),
                      Index("ix_wa_inbound_sender", "wa_id", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    wa_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))  # text, interactive, location, image, video, document, ...
    payload: Mapped[str] = mapped_column(Text)  # the message object as WhatsApp sent it (JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, done, limited, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)


class WaConversation(Base):
    """Where one number stands in the menu, plus its consent to notifications."""

    __tablename__ = "wa_conversation"

    wa_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(30), default="menu")
    data: Mapped[str] = mapped_column(Text, default="{}")  # answers collected so far (JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))  # the case a talk with an officer is about
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime)  # opens WhatsApp's 24-hour window
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def may_be_told(self) -> bool:
        """The number agreed to hear from the office on WhatsApp and has not said STOP since."""
        return bool(self.consent) and self.opted_out_at is None


class WaCaseLink(Base):
    """Which WhatsApp number a case talks to. Officers never see it: for an anonymous
    reporter LIGAT relays the messages and shows no number."""

    __tablename__ = "wa_case_link"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WaThreadMessage(Base):
    """One message of the conversation on a case (the officer panel's thread)."""

    __tablename__ = "wa_thread_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    direction: Mapped[str] = mapped_column(String(4))  # in (citizen), out (officer)
    author: Mapped[str] = mapped_column(String(100))  # officer's username, or "warga"
    body: Mapped[str] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
