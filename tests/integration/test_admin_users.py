"""The admin's user screens set the officer's work area (OfficerProfile): region and bidang
decide which cases an officer sees, so a user made in the browser must carry them."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from tests.conftest import csrf_token

PASSWORD = "Ligat-Demo-2026!"


def _new_user_form(client, username: str, **profile: str) -> dict:
    from flask_appbuilder.security.sqla.models import Role

    from app.extensions import db

    with client.application.app_context():
        role_id = db.session.scalar(select(Role.id).where(Role.name == "Petugas Kelurahan"))
    assert role_id is not None
    return {
        "csrf_token": csrf_token(client, "/users/add"),
        "first_name": "Uji", "last_name": "Kelurahan", "username": username,
        "email": f"{username}@ligat.local", "active": "y", "roles": str(role_id),
        "password": PASSWORD, "conf_password": PASSWORD,
        "wilayah": "", "bidang": "", "jabatan": "", "nip": "",
        **profile,
    }


def _profile(db_session, username: str):
    from flask_appbuilder.security.sqla.models import User

    from app.models import OfficerProfile

    db_session.expire_all()
    return db_session.scalar(
        select(OfficerProfile).join(User, User.id == OfficerProfile.user_id).where(User.username == username)
    )


def _user_id(db_session, username: str) -> int:
    from flask_appbuilder.security.sqla.models import User

    return db_session.scalar(select(User.id).where(User.username == username))


def test_admin_creates_and_edits_a_kelurahan_officer_with_region(login_as, db_session):
    from app.security import principal_for

    admin = login_as("admin")
    username = f"kel.{uuid.uuid4().hex[:8]}"
    form = _new_user_form(admin, username, wilayah="91.71.01.1001", nip="199001012015031001",
                          jabatan="Petugas Kelurahan Gurabesi")
    html = admin.get("/users/add").get_data(as_text=True)
    assert 'name="wilayah"' in html and "Kelurahan Gurabesi (91.71.01.1001)" in html and "Seluruh kantor" in html
    assert 'name="bidang"' in html and "Rehabilitasi Sosial" in html

    response = admin.post("/users/add", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    profile = _profile(db_session, username)
    assert profile is not None
    assert (profile.region_code, profile.bidang, profile.nip, profile.jabatan) == (
        "91.71.01.1001", None, "199001012015031001", "Petugas Kelurahan Gurabesi")

    user_id = _user_id(db_session, username)
    edit_page = admin.get(f"/users/edit/{user_id}").get_data(as_text=True)
    assert 'selected value="91.71.01.1001"' in edit_page and 'value="199001012015031001"' in edit_page
    response = admin.post(f"/users/edit/{user_id}", data={
        "csrf_token": csrf_token(admin, f"/users/edit/{user_id}"),
        "first_name": "Uji", "last_name": "Kelurahan", "username": username,
        "email": f"{username}@ligat.local", "active": "y", "roles": form["roles"],
        "wilayah": "91.71.03", "bidang": "linjamsos", "jabatan": "", "nip": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    profile = _profile(db_session, username)
    assert (profile.region_code, profile.bidang, profile.nip, profile.jabatan) == ("91.71.03", "linjamsos", None, None)

    # The row-level rules read the new scope.
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db

    with admin.application.app_context():
        principal = principal_for(db.session.get(User, user_id))
    assert (principal.region_code, principal.bidang) == ("91.71.03", "linjamsos")

    listing = admin.get("/users/list/?_flt_0_username=" + username).get_data(as_text=True)
    assert "Abepura (91.71.03)" in listing and "Perlindungan dan Jaminan Sosial" in listing
    shown = admin.get(f"/users/show/{user_id}").get_data(as_text=True)
    assert "Wilayah kerja" in shown and "Abepura (91.71.03)" in shown and "Perlindungan dan Jaminan Sosial" in shown


def test_user_form_rejects_bad_nip_and_unknown_region(login_as, db_session):
    admin = login_as("admin")
    username = f"kel.{uuid.uuid4().hex[:8]}"
    html = admin.post("/users/add", data=_new_user_form(admin, username, nip="12345")).get_data(as_text=True)
    assert "NIP harus 18 angka." in html
    html = admin.post("/users/add", data=_new_user_form(admin, username, wilayah="32.01")).get_data(as_text=True)
    assert "Kode wilayah tidak dikenal atau di luar wilayah kantor ini." in html
    assert _user_id(db_session, username) is None
    admin.get("/lang/en")
    try:
        html = admin.post("/users/add", data=_new_user_form(admin, username, nip="12345")).get_data(as_text=True)
        assert "The NIP (civil servant number) must be 18 digits." in html
    finally:
        admin.get("/lang/id")


def test_user_form_messages_have_english(app):
    from babel.messages.pofile import read_po

    path = Path(app.root_path) / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    for msgid in ("NIP harus 18 angka.", "Kode wilayah tidak dikenal atau di luar wilayah kantor ini.",
                  "Wilayah kerja", "Seluruh kantor", "Semua bidang", "Jabatan"):
        assert catalog.get(msgid) is not None and catalog.get(msgid).string, msgid


def test_only_the_admin_reaches_the_user_form(login_as):
    for username in ("operator", "kelurahan.gurabesi", "kadis"):
        client = login_as(username)
        for url in ("/users/add", "/users/list/"):
            response = client.get(url)
            assert response.status_code in (302, 403), (username, url)
            if response.status_code == 302:
                assert "/users/" not in response.headers["Location"]
