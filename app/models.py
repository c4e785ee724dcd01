"""Web-side tables. The engine's tables are in workflows/db.py."""

from __future__ import annotations

from flask_appbuilder.models.sqla import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship


class OfficerProfile(Model):
    """Where an officer works: region (Kemendagri code prefix) and bidang.

    region_code empty = office-wide; bidang empty = every bidang. Set by the admin's user
    form (app/views/users.py); reachable from a user as `user.officer_profile`.
    """

    __tablename__ = "officer_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    region_code: Mapped[str | None] = mapped_column(String(20))
    bidang: Mapped[str | None] = mapped_column(String(40))
    nip: Mapped[str | None] = mapped_column(String(30))
    jabatan: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(
        User, backref=backref("officer_profile", uselist=False, cascade="all, delete-orphan")
    )


class SavedInboxFilter(Model):
    """An inbox filter an officer saved under a name of their own (app/views/inbox.py); only its owner
    sees and uses it."""

    __tablename__ = "saved_inbox_filter"
    __table_args__ = (UniqueConstraint("username", "name", name="uq_saved_inbox_filter_username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    line: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    due: Mapped[str | None] = mapped_column(String(20))
