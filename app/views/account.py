"""The signed-in officer's own account: who they are in LIGAT (roles, region, bidang) and a
password change that asks for the current password and ends their other sessions."""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..extensions import db
from ..models import OfficerProfile
from ..regions import region_label
from .display import bidang_label

# FAB's rule (FAB_PASSWORD_COMPLEXITY_ENABLED), with a message an officer can act on in both languages.
STRONG = re.compile(r"^(?=.*[A-Z].*[A-Z])(?=.*[^0-9a-zA-Z])(?=.*[0-9].*[0-9])(?=.*[a-z].*[a-z].*[a-z]).{10,}$")


def password_problem(current_ok: bool, new: str, repeat: str) -> str | None:
    if not current_ok:
        return _("Kata sandi saat ini salah.")
    if new != repeat:
        return _("Kata sandi baru dan ulangannya tidak sama.")
    if not STRONG.match(new):
        return _("Kata sandi baru minimal 10 karakter, dengan dua huruf besar, tiga huruf kecil, dua angka "
                 "dan satu tanda baca.")
    return None


class AccountView(BaseView):
    """Every signed-in user reaches their own account page (no FAB permission: it shows only them)."""

    route_base = "/akun"
    default_view = "index"

    def _signed_in(self) -> bool:
        return bool(current_user and current_user.is_authenticated)

    @expose("/")
    def index(self):  # noqa: ANN201
        if not self._signed_in():
            return redirect(self.appbuilder.get_url_for_login)
        profile = db.session.scalar(select(OfficerProfile).where(OfficerProfile.user_id == current_user.id))
        return self.render_template(
            "ligat/account.html", user=current_user, roles=sorted(r.name for r in current_user.roles),
            region=region_label(profile.region_code) if profile and profile.region_code else None,
            bidang=bidang_label(profile.bidang) if profile and profile.bidang else None,
            jabatan=profile.jabatan if profile else None,
        )

    @expose("/kata-sandi", methods=["POST"])
    def password(self):  # noqa: ANN201
        if not self._signed_in():
            return redirect(self.appbuilder.get_url_for_login)
        current = request.form.get("kata_sandi_lama", "")
        new, repeat = request.form.get("kata_sandi_baru", ""), request.form.get("ulangi", "")
        problem = password_problem(check_password_hash(current_user.password or "", current), new, repeat)
        if problem:
            flash(problem, "danger")
            return redirect(url_for("AccountView.index"))
        # Bumps the session generation: every other browser and saved cookie is signed out (app/security.py).
        current_app.appbuilder.sm.reset_password(current_user.id, new)
        flash(_("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri."), "success")
        return redirect(url_for("AccountView.index"))
