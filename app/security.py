"""Roles, their permissions, and the bridge from a logged-in user to the
engine's Principal (roles + region + bidang), on which every row-level check
is made.

The office's own roles are FAB "builtin roles" (FAB_ROLES): their permissions live here
in code, reviewed like code. A role that only a service package names (its lanes, e.g.
an adoption review team) is created when the package is deployed, with the permissions
of an inbox worker (`WORKER_PERMISSIONS`) stored in the database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app, flash, g, has_request_context, redirect, request, session
from flask_appbuilder import expose
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.local import LocalProxy

from workflows import principal as roles
from workflows import transaction_values
from workflows.packages import keep_newest_package_id, newest_package_id_select
from workflows.principal import CITIZEN_SCOPE, Principal
from workflows.visibility import principal as scoped_principal

from . import accounts
from .extensions import db
from .models import OfficerProfile
from .views.users import LigatUserDBModelView

READ = "can_read"
WRITE = "can_write"

# class_permission_name → used by views and APIs alike.
INBOX, CASE, AUDIT, DESIGNER, DASHBOARD = "Inbox", "Case", "Audit", "Designer", "Dashboard"
# Menu entries (FAB checks "menu_access" on the menu item's name).
MENU_INBOX, MENU_CASES, MENU_AUDIT = "Kotak Tugas", "Kasus", "Audit"
MENU_START, MENU_PERSON = "Buat Permohonan", "Data Warga"
MENU_REGISTER = "Daftar"
MENU_DESIGNER = "Perancang"
MENU_DASHBOARD = "Dasbor"
MENU = "menu_access"
_PROFILE = "officer_profile"  # transaction_values key (with the user id): the officer's profile, or None


def _worker(*extra: list[str]) -> list[list[str]]:
    # Which lines a worker may start and which registers they read is decided per line on the server.
    menus = f"{MENU_INBOX}|{MENU_CASES}|{MENU_PERSON}|{MENU_START}|{MENU_REGISTER}"
    return [[INBOX, f"{READ}|{WRITE}"], [CASE, READ], [menus, MENU], *extra]


ROLE_PERMISSIONS: dict[str, list[list[str]]] = {
    roles.ADMIN: [[".*", ".*"]],
    roles.OPERATOR: _worker(),
    roles.FIELD_OFFICER: _worker(),
    roles.HEAD_OF_BIDANG: _worker([DASHBOARD, READ], [MENU_DASHBOARD, MENU]),
    roles.HEAD_OF_OFFICE: _worker([AUDIT, READ], [MENU_AUDIT, MENU], [DASHBOARD, READ], [MENU_DASHBOARD, MENU]),
    roles.KELURAHAN_OFFICER: _worker(),
    roles.AUDITOR: [[CASE, READ], [AUDIT, READ], [f"{MENU_CASES}|{MENU_AUDIT}|{MENU_PERSON}", MENU]],
    roles.DESIGNER: [[DESIGNER, f"{READ}|{WRITE}"], [MENU_DESIGNER, MENU]],
}
# What a role created by a package gets: its inbox, the case pages, the people's records.
WORKER_PERMISSIONS = [(READ, INBOX), (WRITE, INBOX), (READ, CASE), (MENU, MENU_INBOX), (MENU, MENU_CASES),
                      (MENU, MENU_PERSON), (MENU, MENU_START), (MENU, MENU_REGISTER)]


class LigatAuthDBView(AuthDBView):
    """FAB's login page; logout only by POST (with the CSRF token, checked by Flask-WTF), and it
    ends every session of the user, not only this browser's (app/accounts.py)."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):  # noqa: ANN201
        """FAB's login, except that a sign-in without `?next=` goes to the index: FAB checks an empty
        target then and logs "Invalid redirect detected" on every ordinary login."""
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next") or self.appbuilder.get_url_for_index)
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(as_unicode(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            login_user(user, remember=False)
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)

    @expose("/logout/", methods=["POST"])
    def logout(self):  # noqa: ANN201
        user = self._get_authenticated_user()
        if user is not None:
            accounts.bump_generation(user.id)
        logout_user()
        session.pop(accounts.SESSION_KEY, None)
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(current_app.config.get("LOGOUT_REDIRECT_URL", self.appbuilder.get_url_for_index))


class LigatSecurityManager(SecurityManager):
    """FAB's security manager (config FAB_SECURITY_MANAGER_CLASS) whose user screens also set
    the officer's region, bidang, jabatan and NIP; with login throttling and revocable sessions
    (app/accounts.py)."""

    userdbmodelview = LigatUserDBModelView
    authdbview = LigatAuthDBView

    def create_limiter(self, app):  # noqa: ANN001, ANN201
        """The app's one rate limiter (app/ratelimit.py, set up by `init_ratelimit`), not a second of FAB's.
        FAB's own limiter has no limit here (AUTH_RATE_LIMITED is off: logins are throttled in the database,
        app/accounts.py), yet it ran Flask-Limiter's whole pass before and after every request: about 350
        Python calls a report. Limits FAB would add (a view's `limits`, AUTH_RATE_LIMITED) go to this one."""
        from .ratelimit import limiter

        return limiter

    def create_jwt_manager(self, app):  # noqa: ANN001, ANN201
        """API tokens carry the user's session generation: logout (browser or API) and a password
        change revoke every token issued before, as they end every browser session."""
        manager = super().create_jwt_manager(app)
        manager.additional_claims_loader(accounts.token_claims)
        manager.token_in_blocklist_loader(accounts.token_is_revoked)
        return manager

    def create_login_manager(self, app):  # noqa: ANN001, ANN201
        manager = super().create_login_manager(app)
        manager.user_loader(self.load_session_user)
        return manager

    def load_user(self, pk):  # noqa: ANN001, ANN201
        """The user with their roles and groups (and the groups' roles), and what the rest of the request reads
        about them, in one statement: their officer profile and session generation, and the newest package id
        (the principal's role scopes are keyed by it). Each was a statement of its own, one after another; the
        extra values are kept for this transaction (workflows/transaction_values.py)."""
        row = self.session.execute(self._user_statement, {"user_id": int(pk)}).unique().first()
        if row is None:
            return None
        user, profile, generation, newest = row
        keep_newest_package_id(self.session, newest)
        accounts.keep_generation(self.session, user.id, generation)
        transaction_values.keep(self.session, (_PROFILE, user.id), profile)
        return user if user.is_active else None

    @functools.cached_property
    def _user_statement(self) -> Select:
        """`load_user`'s statement, built once (the user's id a parameter): its joined loads cost more Python
        to build on every request than to run."""
        from flask_appbuilder.security.sqla.models import Group

        model = self.user_model
        return (select(model, OfficerProfile, accounts.generation_select(model.id).scalar_subquery(),
                       newest_package_id_select().scalar_subquery())
                .outerjoin(OfficerProfile, OfficerProfile.user_id == model.id)
                .where(model.id == bindparam("user_id", type_=model.id.type))
                .options(joinedload(model.roles), joinedload(model.groups).joinedload(Group.roles)))

    def load_session_user(self, pk):  # noqa: ANN001, ANN201
        """Flask-Login's loader for the session cookie: the user, if the cookie's generation is current."""
        user = self.load_user(pk)
        if user is None:
            return None
        if not accounts.session_is_current(user.id):
            session.pop("_user_id", None)
            session.pop(accounts.SESSION_KEY, None)
            return None
        return user

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """FAB's check, by FAB's own rules (`_has_view_access`), with the signed-in user resolved once a request:
        a page asks about ten times (its view, then every entry of the navbar), and each ask read the user
        through Flask-Login's proxy five times and inspected it again. API keys, tokens and anonymous visitors
        go through FAB's `has_access` unchanged."""
        user = self._session_user()
        if user is None:
            return super().has_access(permission_name, view_name)
        return self._has_view_access(user, permission_name, view_name)

    def _session_user(self):  # noqa: ANN202
        """The browser session's active user FAB's `has_access` checks (`g.user`, attached to the session), or
        None where FAB decides otherwise (no request, an API key, nobody signed in, an inactive user). Kept
        in `g` for the user Flask-Login gives (a login or logout within the request changes it)."""
        if not has_request_context() or getattr(g, "_api_key_user", False):
            return None
        signed_in = current_user._get_current_object()
        kept = g.get("ligat_session_user")
        if kept is not None and kept[0] is signed_in:
            return kept[1]
        user = None
        if signed_in is not None and signed_in.is_authenticated and hasattr(g, "user"):
            user = self._get_safe_user(g.user)
            user = user._get_current_object() if isinstance(user, LocalProxy) else user
            if not (user and user.is_active):
                user = None
        g.ligat_session_user = (signed_in, user)
        return user

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:  # noqa: ANN001
        """FAB's match of a builtin role's permissions (regular expressions over FAB_ROLES), kept per process:
        the builtin roles are code, fixed when the app starts."""
        kept = self.__dict__.setdefault("_ligat_builtin_access", {})
        key = (role.name, permission_name, view_name)
        found = kept.get(key)
        if found is None:
            if len(kept) > 4096:  # view names come from code; a bound all the same
                kept.clear()
            found = kept[key] = super()._has_access_builtin_roles(role, permission_name, view_name)
        return found

    def auth_user_db(self, username, password):  # noqa: ANN001, ANN201
        """Form and API logins both come here (the throttle itself is checked before the view)."""
        user = super().auth_user_db(username, password)
        if user is None:
            accounts.record_failure(username or "")
        else:
            accounts.clear_failures(username)
        return user

    def reset_password(self, userid, password):  # noqa: ANN001, ANN201
        """A new password (the user's own or set by the admin) ends the user's other sessions."""
        super().reset_password(userid, password)
        new = accounts.bump_generation(int(userid))
        if current_user and current_user.is_authenticated and current_user.id == int(userid):
            session[accounts.SESSION_KEY] = new  # the browser that changed it stays signed in


def current_principal() -> Principal:
    """The engine's view of the caller: browser session, or JWT on the API (anonymous → no roles).

    Built once per request: views ask for it several times (row check, then the use case).
    """
    if "ligat_principal" in g:
        return g.ligat_principal
    if current_user and current_user.is_authenticated:
        user = current_user
    else:
        try:
            user = current_app.appbuilder.sm.current_user
        except RuntimeError:  # no JWT was verified in this request
            user = None
    principal = principal_for(user) if user is not None else Principal("anonim")
    if user is not None:  # an anonymous answer may change once a JWT is verified later in the request
        g.ligat_principal = principal
    return principal


def principal_for(user) -> Principal:  # noqa: ANN001 (FAB's User model)
    profile = transaction_values.once(db.session, (_PROFILE, user.id), lambda: db.session.scalar(
        select(OfficerProfile).where(OfficerProfile.user_id == user.id)))
    return scoped_principal(
        db.session, user.username, {role.name for role in user.roles},
        region_code=profile.region_code if profile else None,
        bidang=profile.bidang if profile else None,
    )


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    region_code: str | None = None
    bidang: str | None = None
    jabatan: str | None = None
    nip: str | None = None


DEMO_PASSWORD = "Ligat-Demo-2026!"

DEMO_USERS = (
    DemoUser("admin", roles.ADMIN, "Admin", "LIGAT"),
    DemoUser("operator", roles.OPERATOR, "Ani", "Operator"),
    DemoUser("lapangan.rehsos", roles.FIELD_OFFICER, "Yohanes", "Rehsos", bidang="rehsos"),
    DemoUser("lapangan.linjamsos", roles.FIELD_OFFICER, "Maria", "Linjamsos", bidang="linjamsos"),
    DemoUser("lapangan.dayasos", roles.FIELD_OFFICER, "Petrus", "Dayasos", bidang="dayasos"),
    DemoUser("kabid.rehsos", roles.HEAD_OF_BIDANG, "Agustina", "Kabid Rehsos", bidang="rehsos",
             jabatan="Kepala Bidang Rehabilitasi Sosial", nip="197805122005012003"),
    DemoUser("kabid.linjamsos", roles.HEAD_OF_BIDANG, "Hendrik", "Kabid Linjamsos", bidang="linjamsos",
             jabatan="Kepala Bidang Perlindungan dan Jaminan Sosial", nip="198002142006041002"),
    DemoUser("kabid.dayasos", roles.HEAD_OF_BIDANG, "Sarah", "Kabid Dayasos", bidang="dayasos",
             jabatan="Kepala Bidang Pemberdayaan Sosial", nip="198108232007012004"),
    DemoUser("kadis", roles.HEAD_OF_OFFICE, "Markus", "Kepala Dinas",
             jabatan="Kepala Dinas Sosial", nip="197003151995031001"),
    DemoUser("kelurahan.gurabesi", roles.KELURAHAN_OFFICER, "Rina", "Gurabesi", region_code="91.71.01.1001"),
    DemoUser("kelurahan.abepura", roles.KELURAHAN_OFFICER, "Daud", "Abepura", region_code="91.71.03"),
    DemoUser("auditor", roles.AUDITOR, "Budi", "Auditor"),
    DemoUser("perancang", roles.DESIGNER, "Lina", "Perancang"),
)


def demo_users(scopes: dict[str, str]) -> list[DemoUser]:
    """The office's demo users, and one for each role a deployed package adds (e.g. `tim.pipa`)."""
    users = list(DEMO_USERS)
    covered = {demo.role for demo in users}
    for role, scope in sorted(scopes.items()):
        if role in covered or scope == CITIZEN_SCOPE:
            continue
        username = ".".join(role.lower().split())
        region = current_app.config["LIGAT_OFFICE_REGION"] if scope in (roles.REGION, roles.REGION_BIDANG) else None
        bidang = "rehsos" if scope in (roles.BIDANG, roles.REGION_BIDANG) else None
        users.append(DemoUser(username, role, role.split()[0], "Demo", region_code=region, bidang=bidang))
    return users


def ensure_roles(scopes: dict[str, str] | None = None) -> None:
    """The office's roles, and each role a package names (not a citizen's), with a worker's permissions."""
    sm = current_app.appbuilder.sm
    for name in [*ROLE_PERMISSIONS, sm.auth_role_public]:
        if sm.find_role(name) is None:
            sm.add_role(name)
    for name, scope in sorted((scopes or {}).items()):
        if name in ROLE_PERMISSIONS or scope == CITIZEN_SCOPE or sm.find_role(name) is not None:
            continue
        role = sm.add_role(name)
        for permission, view in WORKER_PERMISSIONS:
            sm.add_permission_role(role, sm.add_permission_view_menu(permission, view))


def ensure_user(demo: DemoUser, password: str) -> bool:
    """Create the user if missing; returns True when created."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=demo.username) is not None:
        return False
    user = sm.add_user(
        demo.username, demo.first_name, demo.last_name, f"{demo.username}@ligat.local",
        sm.find_role(demo.role), password,
    )
    if not user:
        raise RuntimeError(f"gagal membuat pengguna {demo.username}")
    db.session.add(
        OfficerProfile(user_id=user.id, region_code=demo.region_code, bidang=demo.bidang,
                       jabatan=demo.jabatan, nip=demo.nip)
    )
    db.session.commit()
    return True
