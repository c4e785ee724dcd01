"""Open311 API keys: issued by an admin (CLI or the admin page), shown once, stored as a SHA-256 hash.

    flask --app run ligat open311-key "Aplikasi Kampung Digital"
    flask --app run ligat open311-key "Aplikasi Kampung Digital" --cabut
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from datetime import datetime

import click
from flask import current_app, flash, redirect, request, url_for
from flask.cli import with_appcontext
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla import Model
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Boolean, DateTime, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.db import utcnow

from ...extensions import db

PREFIX = "l311_"


class Open311Key(Model):
    """A partner application allowed to POST service requests."""

    __tablename__ = "open311_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyRefused(ValueError):
    pass


def issue_key(session: Session, name: str, created_by: str) -> tuple[Open311Key, str]:
    """A new key for `name`; returns the row and the secret (shown once, never stored)."""
    name = (name or "").strip()
    if not 3 <= len(name) <= 100:
        raise KeyRefused("Nama aplikasi 3–100 karakter. (Name must be 3-100 characters.)")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = Open311Key(name=name, key_prefix=secret[:12], key_hash=_hash(secret), active=True, created_by=created_by)
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise KeyRefused(f"Nama '{name}' sudah dipakai. (Name already used.)") from exc
    return row, secret


def revoke_key(session: Session, key_id: int) -> Open311Key | None:
    row = session.get(Open311Key, key_id)
    if row is not None and row.active:
        row.active, row.revoked_at = False, utcnow()
        session.commit()
    return row


def verify_key(session: Session, secret: str | None) -> Open311Key | None:
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = session.scalar(select(Open311Key).where(Open311Key.key_hash == _hash(secret)))
    return row if row is not None and row.active else None


@click.command("open311-key")
@click.argument("name")
@with_appcontext
@click.option("--cabut", "revoke", is_flag=True, help="Cabut (nonaktifkan) kunci aplikasi ini.")
def open311_key_command(name: str, revoke: bool) -> None:
    """Buat kunci API Open311 untuk aplikasi mitra NAME (ditampilkan sekali), atau cabut dengan --cabut."""
    if revoke:
        row = db.session.scalar(select(Open311Key).where(Open311Key.name == name))
        if row is None:
            click.echo(f"Tidak ada kunci bernama '{name}'.", err=True)
            sys.exit(1)
        revoke_key(db.session, row.id)
        click.echo(f"Kunci '{name}' ({row.key_prefix}…) dicabut.")
        return
    try:
        row, secret = issue_key(db.session, name, "cli")
    except KeyRefused as exc:
        click.echo(f"DITOLAK: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Kunci API Open311 untuk '{row.name}' (simpan sekarang, tidak ditampilkan lagi):")
    click.echo(secret)


class Open311KeyView(BaseView):
    """Admin page: list, issue and revoke partner keys."""

    route_base = "/admin/open311"
    class_permission_name = "Open311Key"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "create": "write", "revoke": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        rows = db.session.scalars(select(Open311Key).order_by(Open311Key.id.desc())).all()
        return self.render_template("open311/keys.html", rows=rows, secret=None,
                                    base_url=current_app.config["LIGAT_PUBLIC_URL"])

    @expose("/buat", methods=["POST"])
    @has_access
    def create(self):  # noqa: ANN201
        try:
            row, secret = issue_key(db.session, request.form.get("nama", ""), current_user.username)
        except KeyRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for("Open311KeyView.index"))
        rows = db.session.scalars(select(Open311Key).order_by(Open311Key.id.desc())).all()
        # Rendered, not redirected: the secret must not travel in a URL or a flash cookie.
        return self.render_template("open311/keys.html", rows=rows, secret=secret, issued=row,
                                    base_url=current_app.config["LIGAT_PUBLIC_URL"])

    @expose("/<int:key_id>/cabut", methods=["POST"])
    @has_access
    def revoke(self, key_id: int):  # noqa: ANN201
        row = revoke_key(db.session, key_id)
        if row is not None:
            flash(_("Kunci '%(name)s' dicabut.", name=row.name), "info")
        return redirect(url_for("Open311KeyView.index"))
