"""Resubmission links for applicants without an account (an LKS representative,
prospective adoptive parents, …).

When an officer returns a file, the process calls `send_resubmission_link(reason,
valid_for)`: a random token is made, only its SHA-256 is stored (with the case, an
expiry and a used-at mark), and the link is sent to the applicant's phone through
the outbox. The link opens the applicant's open task of that case (a lane
whose role the package declares with scope `citizen`, in nobody's inbox) and works once: it is consumed in the same
transaction that completes the task, so a failed submission leaves it usable and
a second submission finds it spent. A newer link replaces older unused ones.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, Case, InboxTask, utcnow
from .errors import LigatError
from .packages import package_of_case
from .principal import CITIZEN_SCOPE, Principal
from .scripting import Effect, ScriptContext, ScriptFunction, register_script_function
from .timeplan import time_after


@dataclass
class LinkSettings:
    """Set once by the application: the public address the link points to."""

    public_url: str = "http://127.0.0.1:5000"
    path: str = "/permohonan/perbaiki/{reference}/{token}"

    def url(self, reference: str, token: str) -> str:
        return self.public_url.rstrip("/") + self.path.format(reference=reference, token=token)


SETTINGS = LinkSettings()


class LinkInvalid(LigatError):
    """The link is unknown, for another case, expired or already used; the message says which."""


class ApplicantLink(Base):
    __tablename__ = "applicant_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(session: Session, case: Case, valid_for: str = "P30D") -> tuple[str, ApplicantLink]:
    """A new link for the case (older unused ones stop working); returns the raw token, never stored."""
    now = utcnow()
    session.execute(
        update(ApplicantLink)
        .where(ApplicantLink.case_id == case.id, ApplicantLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    expires = datetime.fromisoformat(time_after(valid_for)).replace(tzinfo=None)
    link = ApplicantLink(case_id=case.id, token_hash=_hash(token), created_at=now, expires_at=expires)
    session.add(link)
    session.flush()
    return token, link


def find(session: Session, reference: str, token: str) -> tuple[Case, ApplicantLink]:
    """The case and link for a reference + token pair; LinkInvalid otherwise (the same message for
    unknown tokens and tokens of other cases, so nothing is revealed)."""
    unknown = LinkInvalid("Tautan perbaikan tidak dikenal. (Unknown resubmission link.)")
    if not token or len(token) > 100 or not reference:
        raise unknown
    link = session.scalar(select(ApplicantLink).where(ApplicantLink.token_hash == _hash(token)))
    case = session.get(Case, link.case_id) if link else None
    if link is None or case is None or case.reference != reference.strip().upper():
        raise unknown
    if link.used_at is not None:
        raise LinkInvalid("Tautan ini sudah dipakai atau diganti tautan yang lebih baru. (Link already used.)")
    if link.expires_at < utcnow():
        raise LinkInvalid("Tautan ini sudah kedaluwarsa; hubungi Dinas Sosial. (Link expired.)")
    return case, link


def citizen_roles(session: Session, case: Case) -> list[str]:
    """Roles of the case's package that stand for the applicant or reporter (scope `citizen`)."""
    roles = package_of_case(session, case).descriptor.roles.values()
    return sorted(role.name for role in roles if role.scope == CITIZEN_SCOPE)


def open_task(session: Session, case: Case) -> InboxTask | None:
    """The applicant's open task of the case, if the case is waiting for them."""
    return session.scalar(
        select(InboxTask).where(
            InboxTask.case_id == case.id, InboxTask.state == "open",
            InboxTask.role.in_(citizen_roles(session, case)),
        ).limit(1)
    )


def consume(session: Session, link: ApplicantLink) -> None:
    """Mark used inside the caller's transaction; a concurrent second use finds no row to update."""
    result = session.execute(
        update(ApplicantLink)
        .where(ApplicantLink.id == link.id, ApplicantLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise LinkInvalid("Tautan ini sudah dipakai. (Link already used.)")


def applicant_principal(session: Session, case: Case) -> Principal:
    """Who acts through a link: the applicant of this one case, in its citizen roles, on this case only."""
    roles = citizen_roles(session, case)
    return Principal(f"pemohon:{case.reference}", frozenset(roles), region_code=case.region_code,
                     scopes=tuple((role, CITIZEN_SCOPE) for role in roles), case_id=case.id)


@register_script_function("send_resubmission_link")
def _send_resubmission_link(ctx: ScriptContext) -> ScriptFunction:
    def send_resubmission_link(reason: str, valid_for: str = "P30D") -> str:
        """Send the applicant a single-use link to fix their file; returns the expiry (ISO, UTC)."""
        token, link = create(ctx.session, ctx.case, valid_for)
        case = ctx.case
        if case.reporter_phone and not case.anonymous:
            url = SETTINGS.url(case.reference, token)
            ctx.effects.append(Effect("notify", {
                "recipient": case.reporter_phone,
                "message": f"LIGAT: berkas {case.reference} perlu diperbaiki: {reason} "
                           f"Perbaiki lewat {url} (sekali pakai, berlaku sampai "
                           f"{link.expires_at:%d-%m-%Y}).",
            }))
        ctx.effects.append(Effect("resubmission_link_sent", {"berlaku_sampai": link.expires_at.isoformat()}))
        return link.expires_at.isoformat()

    return send_resubmission_link
