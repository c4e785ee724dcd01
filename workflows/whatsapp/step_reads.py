"""The WhatsApp route's and relay's lookups of a case (the reporter's conversation and consent, the link of an
anonymous reporter's case), read as columns of the engine step's own read of the case: a completion then
sends no query per outbox message. What they find is kept for the transaction only; a row the session holds
itself, or a number the SQL below does not spell as `wire.wa_id_of` does, is read as before."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal, select
from sqlalchemy.orm import Session

from .. import notifications
from ..db import Case
from .models import WaCaseLink, WaConversation

OPTED_OUT, TOLD, KNOWN = "out", "told", "known"  # a conversation's standing; None: no conversation


def consent_key(wa_id: str) -> tuple[str, str]:
    return ("wa_consent", wa_id)


def relay_key(case_id: int) -> tuple[str, int]:
    return ("wa_relay", case_id)


def _standing() -> ColumnElement[Any]:
    """What consent_route needs of a conversation: opted out, may be told, or only known."""
    return case((WaConversation.opted_out_at.is_not(None), literal(OPTED_OUT)),
                (WaConversation.consent == True, literal(TOLD)),  # noqa: E712 (SQL, not Python)
                else_=literal(KNOWN))


@functools.cache
def standing_query() -> Select[tuple[str]]:
    """One number's standing (`wa_id` bound), for a route asked about a number the step's read did not cover.
    Built once: composing the select costs more CPU than running it."""
    return select(_standing()).where(WaConversation.wa_id == bindparam("wa_id"))


def columns() -> list[ColumnElement[Any]]:
    phone = Case.reporter_phone
    # wire.wa_id_of for the usual spellings (+62…, 62…, 0…); any other spelling misses in `known` and is read.
    phone_id = case((phone.like("+%"), func.substr(phone, 2)),
                    (phone.like("0%"), literal("62") + func.substr(phone, 2)), else_=phone)
    anonymous_link = (WaCaseLink.case_id == Case.id, WaCaseLink.anonymous == True)  # noqa: E712
    link = select(WaCaseLink.wa_id).where(*anonymous_link).scalar_subquery()
    # Each subquery one level under the step's read, so each correlates with its `case` row.
    phone_standing = select(_standing()).where(WaConversation.wa_id == phone_id).scalar_subquery()
    link_standing = (select(_standing()).join_from(WaCaseLink, WaConversation, WaConversation.wa_id == WaCaseLink.wa_id)
                     .where(*anonymous_link).scalar_subquery())
    return [phone_id, phone_standing, link, link_standing]


def keep(session: Session, case_id: int, values: tuple[Any, ...]) -> None:
    phone_id, phone_standing, link, link_standing = values
    found = notifications.known(session)
    found[relay_key(case_id)] = link
    if phone_id:
        found[consent_key(phone_id)] = phone_standing
    if link:
        found[consent_key(link)] = link_standing


READS = notifications.CaseReads(columns, keep)
