"""Runs of the audit chain verification (scheduled, from the auditor's page, or the CLI) and
their results, so the auditor's page shows when the chains were last checked and what was found.

A run checks the cases' chains and the service packages' history chains (drafts, publications,
rollbacks) alike; the page only reads the last recorded run, so viewing it checks nothing and
writes nothing."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .audit import verify_all
from .db import Base, utcnow

TRIGGERS = ("jadwal", "manual", "cli")  # scheduler, "check now" on the page, `flask ligat verify-audit`


class AuditCheck(Base):
    __tablename__ = "audit_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(100))
    events_checked: Mapped[int] = mapped_column(Integer)
    broken_count: Mapped[int] = mapped_column(Integer)
    # [[case id, seq, reason], …] of the first 200 broken chains
    broken_json: Mapped[str] = mapped_column(Text, default="[]")
    # The packages' history chains: events checked and the codes of broken ones (None: a run made before
    # package chains were part of a check).
    package_events_checked: Mapped[int | None] = mapped_column(Integer)
    broken_packages_json: Mapped[str | None] = mapped_column(Text)

    @property
    def broken(self) -> list[tuple[int, int, str]]:
        return [tuple(item) for item in json.loads(self.broken_json)]

    @property
    def broken_packages(self) -> list[str]:
        return json.loads(self.broken_packages_json or "[]")

    @property
    def packages_checked(self) -> bool:
        return self.package_events_checked is not None

    @property
    def intact(self) -> bool:
        return self.broken_count == 0


def run_check(session: Session, trigger: str, actor: str) -> AuditCheck:
    """Verify every chain (cases' and packages'), record the result and commit."""
    from .packages.drafts import verify_package_chains

    started = utcnow()
    checked, broken = verify_all(session)
    package_events, broken_packages = verify_package_chains(session)
    check = AuditCheck(
        started_at=started, finished_at=utcnow(), trigger=trigger, actor=actor[:100], events_checked=checked,
        broken_count=len(broken),
        broken_json=json.dumps([[b.case_id, b.seq, b.reason] for b in broken[:200]], ensure_ascii=False),
        package_events_checked=package_events, broken_packages_json=json.dumps(broken_packages),
    )
    session.add(check)
    session.commit()
    return check


def last_check(session: Session) -> AuditCheck | None:
    return session.scalars(select(AuditCheck).order_by(AuditCheck.finished_at.desc(), AuditCheck.id.desc())
                           .limit(1)).first()
