"""Issued letters to the applicant's WhatsApp: once a letter's PDF exists, and the case's
applicant gave a number that agreed to hear from LIGAT on WhatsApp (and did not opt out),
the PDF goes out as a document message through the outbox, once per letter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, notifications
from ..db import Case, OutboxMessage, utcnow
from ..issued_letters import Letter
from . import wire
from .cloud import SETTINGS
from .inbound import CHANNEL
from .models import WaConversation

RECENT = timedelta(days=7)  # letters issued before the channel was switched on are not sent


def dedupe_key(letter: Letter) -> str:
    return f"surat:{letter.id}:whatsapp"


def queue_issued_letters(session: Session, limit: int = 50) -> int:
    """Queue a document message for each new letter whose applicant agreed; commits; returns how many."""
    rows = session.execute(
        select(Letter, Case).join(Case, Case.id == Letter.case_id)
        .where(Letter.pdf_key.is_not(None), Letter.status == "valid", Letter.issued_at >= utcnow() - RECENT,
               Case.reporter_phone.is_not(None), Case.anonymous.is_(False))
        .order_by(Letter.id.desc()).limit(200)
    ).all()
    keys = [dedupe_key(letter) for letter, _ in rows]
    sent = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    rows = [(letter, case) for letter, case in rows if dedupe_key(letter) not in sent][:limit]
    queued = 0
    for letter, case in rows:
        conversation = session.get(WaConversation, wire.wa_id_of(case.reporter_phone or ""))
        if conversation is None or not conversation.may_be_told:
            continue
        filename = f"{letter.number.replace('/', '-')}.pdf"
        kind = letter.type_label or letter.letter_type
        caption = f"LIGAT: surat {kind} nomor {letter.number} untuk {case.reference}."
        msg = notifications.queue(
            session, case.id, conversation.wa_id, caption, CHANNEL, kind="document", dedupe_key=dedupe_key(letter),
            payload={"document": {"storage_key": letter.pdf_key, "filename": filename, "mime_type": "application/pdf"},
                     "template": {"name": SETTINGS.template_letter, "params": [case.reference, letter.number]}})
        session.flush()
        audit.append(session, case.id, "whatsapp", "letter_sent_whatsapp", {"surat": letter.number, "pesan": msg.id})
        queued += 1
    session.commit()
    return queued

