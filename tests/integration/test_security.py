"""What a probe of the running app found, kept fixed: login throttling, revocable sessions,
logout by POST, CSRF rotation, hostile input (NUL, control characters, huge ids, deep JSON,
calendar edges, decompression bombs), security headers, and a bounded fuzz of public endpoints.

Throttling tests use users and client addresses of their own and empty the failure table after,
so the demo users the rest of the session logs in with are never locked.
"""

from __future__ import annotations

import io
import itertools
import json
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from sqlalchemy import delete, func, select

from app.accounts import LoginFailure
from tests.conftest import csrf_token, login
from tests.files import JPEG, PDF, PNG
from tests.integration.portal_helpers import report_form
from workflows import images
from workflows.db import Case

PASSWORD = "Ligat-Uji-2026!aman"
_addresses = itertools.count(1)


def address() -> str:
    """A client address of the test's own (throttling counts per address too)."""
    n = next(_addresses)
    return f"10.77.{n // 250}.{n % 250 + 1}"


@pytest.fixture(autouse=True)
def clean_failures(app):
    yield
    from app.extensions import db

    with app.app_context():
        db.session.execute(delete(LoginFailure))
        db.session.commit()


def new_user(app, role: str) -> str:
    username = f"uji.{uuid.uuid4().hex[:10]}"
    with app.app_context():
        sm = app.appbuilder.sm
        assert sm.add_user(username, "Uji", "Keamanan", f"{username}@ligat.local", sm.find_role(role), PASSWORD)
    return username


@pytest.fixture
def officer(app) -> str:
    """A fresh operator account; returns its username."""
    from workflows import principal as roles

    return new_user(app, roles.OPERATOR)


def client_from(app, addr: str | None = None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr or address()
    return client


def form_login(client, username: str, password: str):
    token = csrf_token(client, "/login/")
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


def api_login(client, username: str, password: str):
    return client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db"})


# ---------------------------------------------------------------- login throttling


def test_form_login_is_throttled_per_username(app, officer):
    for _ in range(5):
        response = form_login(client_from(app), officer, "salah-sekali")  # a new address each time
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = form_login(client_from(app), officer, PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Terlalu banyak percobaan masuk" in page and "Too many failed sign-in attempts" in page


def test_form_login_is_throttled_per_address(app, officer, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_LOGIN_MAX_FAILURES_ADDRESS", 6)  # 20 by default
    client = client_from(app)
    for n in range(6):
        assert form_login(client, f"tidak.ada.{n}", "salah").status_code == 302
    assert form_login(client, officer, PASSWORD).status_code == 429
    assert form_login(client_from(app), officer, PASSWORD).status_code == 302  # another address is not held


def test_api_login_is_throttled_and_counted_in_the_database(app, officer, db_session):
    client = client_from(app)
    for _ in range(5):
        assert api_login(client, officer, "salah").status_code == 401
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.key == f"u:{officer}")) == 5
    refused = api_login(client_from(app), officer, PASSWORD)
    assert refused.status_code == 429 and "Terlalu banyak percobaan" in refused.get_json()["message"]


def test_a_successful_login_clears_the_username_failures(app, officer):
    for _ in range(4):
        form_login(client_from(app), officer, "salah")
    assert form_login(client_from(app), officer, PASSWORD).status_code == 302
    for _ in range(4):
        form_login(client_from(app), officer, "salah")
    assert form_login(client_from(app), officer, PASSWORD).status_code == 302


# ---------------------------------------------------------------- sessions


def _logged_in(app, username: str):
    client = client_from(app)
    login(client, username, PASSWORD)
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _works(app, cookie: str) -> bool:
    client = client_from(app)
    client.set_cookie("session", cookie)
    response = client.get("/inbox/")
    return response.status_code == 200


def test_logout_revokes_a_saved_cookie(app, officer):
    client = _logged_in(app, officer)
    saved = _cookie(client)
    assert _works(app, saved)
    token = csrf_token(client, "/inbox/")
    response = client.post("/logout/", data={"csrf_token": token})
    assert response.status_code == 302
    assert not _works(app, saved)
    assert client.get("/inbox/").status_code == 302


def test_logout_by_get_or_without_csrf_is_refused(app, officer):
    client = _logged_in(app, officer)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 400
    assert client.get("/inbox/").status_code == 200  # still signed in


def test_menu_logs_out_with_a_form(app, officer):
    html = _logged_in(app, officer).get("/inbox/").get_data(as_text=True)
    assert 'id="logout-form"' in html and 'method="post" action="/logout/"' in html
    assert 'href="/logout/"' not in html


def test_password_change_revokes_other_sessions(app):
    from workflows import principal as roles

    officer = new_user(app, roles.ADMIN)  # whose role may use FAB's own password form
    here, elsewhere = _logged_in(app, officer), _logged_in(app, officer)
    saved = _cookie(elsewhere)
    token = csrf_token(here, "/resetmypassword/form")
    new = "Ligat-Baru-2026!kuat"
    response = here.post("/resetmypassword/form",
                         data={"password": new, "conf_password": new, "csrf_token": token})
    assert response.status_code == 302
    assert not _works(app, saved)
    assert elsewhere.get("/inbox/").status_code == 302
    assert here.get("/inbox/").status_code == 200  # the browser that changed it stays signed in


def test_an_officer_changes_their_own_password_on_their_account_page(app, officer):
    here, elsewhere = _logged_in(app, officer), _logged_in(app, officer)
    saved = _cookie(elsewhere)
    page = here.get("/akun/").get_data(as_text=True)
    assert 'id="account"' in page and officer in page and "Operator Dinsos" in page and 'id="password-form"' in page
    assert 'href="/akun/"' in page  # the user menu leads here
    token = csrf_token(here, "/akun/")
    new = "Ligat-Milik-2026!saya"

    def change(current: str, password: str, repeat: str):
        return here.post("/akun/kata-sandi", data={"kata_sandi_lama": current, "kata_sandi_baru": password,
                                                   "ulangi": repeat, "csrf_token": token}, follow_redirects=True)

    assert "Kata sandi saat ini salah" in change("salah", new, new).get_data(as_text=True)
    assert "tidak sama" in change(PASSWORD, new, new + "x").get_data(as_text=True)
    assert "minimal 10 karakter" in change(PASSWORD, "pendek", "pendek").get_data(as_text=True)
    assert _works(app, saved)  # nothing changed yet
    assert here.post("/akun/kata-sandi", data={"kata_sandi_lama": PASSWORD, "kata_sandi_baru": new,
                                               "ulangi": new}).status_code == 400  # CSRF
    assert "Kata sandi diganti" in change(PASSWORD, new, new).get_data(as_text=True)
    assert not _works(app, saved) and here.get("/inbox/").status_code == 200
    assert form_login(client_from(app), officer, new).status_code == 302
    assert client_from(app).get("/akun/").status_code == 302  # signed out: to the login page


def test_logout_and_password_change_revoke_api_tokens(app, officer):
    token = api_login(client_from(app), officer, PASSWORD).get_json()["access_token"]
    other = api_login(client_from(app), officer, PASSWORD).get_json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client_from(app).get("/api/v1/inbox/", headers=bearer).status_code == 200
    # A browser logout ends the API tokens too.
    browser = _logged_in(app, officer)
    browser.post("/logout/", data={"csrf_token": csrf_token(browser, "/inbox/")})
    for value in (token, other):
        assert client_from(app).get("/api/v1/inbox/", headers={"Authorization": f"Bearer {value}"}).status_code == 401
    # The API's own logout: a fresh token, then POST /api/v1/akun/keluar ends it.
    fresh = api_login(client_from(app), officer, PASSWORD).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    assert client_from(app).get("/api/v1/inbox/", headers=headers).status_code == 200
    response = client_from(app).post("/api/v1/akun/keluar", headers=headers)
    assert response.status_code == 200 and "All your sessions" in response.get_json()["message"]
    assert client_from(app).get("/api/v1/inbox/", headers=headers).status_code == 401
    assert client_from(app).post("/api/v1/akun/keluar").status_code == 401


def test_admin_password_reset_revokes_sessions(app, officer):
    client = _logged_in(app, officer)
    saved = _cookie(client)
    with app.app_context():
        sm = app.appbuilder.sm
        sm.reset_password(sm.find_user(username=officer).id, "Ligat-Reset-2026!baru")
    assert not _works(app, saved)


def test_csrf_token_is_rotated_at_login(app, officer):
    client = client_from(app)
    before = csrf_token(client, "/login/")
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    response = client.post("/login/", data={"username": officer, "password": PASSWORD, "csrf_token": before})
    assert response.status_code == 302
    csrf_token(client, "/inbox/")
    with client.session_transaction() as session:
        assert session["csrf_token"] != raw_before
    assert client.post("/logout/", data={"csrf_token": before}).status_code == 400  # the old token is dead


def test_session_cookie_settings(app, officer):
    assert app.permanent_session_lifetime == timedelta(hours=8)
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SECURE"] is False  # LIGAT_SESSION_SECURE off for local http
    client = client_from(app)
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": officer, "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


# ---------------------------------------------------------------- input


def test_nul_bytes_are_refused_with_400(client, app):
    token = csrf_token(client, "/lapor")
    response = client.post("/lapor", data=report_form(token, deskripsi="ada\x00nul di sini"),
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert client.get("/lacak?tiket=ADU%00&kode=X").status_code == 400
    response = client.get("/open311/v2/requests.json?service_code=a%00b")
    assert response.status_code == 400 and "NUL" in response.get_json()[0]["description"]
    response = client_from(app).post("/api/v1/security/login",
                                     json={"username": "admin\x00", "password": "x", "provider": "db"})
    assert response.status_code == 400 and "NUL" in response.get_json()["message"]


def test_nul_bytes_in_names_are_refused_too(client):
    assert client.get("/lacak?ti%00ket=ADU&kode=X").status_code == 400  # a parameter's name
    token = csrf_token(client, "/lapor")
    named = client.post("/lapor", data=report_form(token) | {"cat\x00atan": "x"}, content_type="multipart/form-data")
    assert named.status_code == 400 and "NUL" in named.get_data(as_text=True)
    photo = {"foto": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 20), "foto\x00.jpg")}
    upload = client.post("/lapor", data=report_form(token) | photo, content_type="multipart/form-data")
    assert upload.status_code == 400 and "NUL" in upload.get_data(as_text=True)


def test_engine_does_not_log_statement_parameters(app):
    from app.extensions import db

    with app.app_context():
        assert db.engine.hide_parameters


def test_control_characters_in_a_report_keep_requests_xml_well_formed(app, client, db_session):
    """The citizen's words are not public any more, but the office's summary is: control characters
    in it (pasted from a chat) must not break the XML list for every caller."""
    from app.portal import reports

    description = "Orang \x01 di jalan \x0b tanpa \ufffe pengawasan \x1f malam"
    token = csrf_token(client, "/lapor")
    response = client.post("/lapor", data=report_form(token, deskripsi=description),
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert response.status_code in (200, 201)
    case = db_session.scalar(select(Case).where(Case.reference == response.get_json()["tiket"]))
    summary = "Ringkasan \x01 di jalan \ufffe pengawasan \x02 malam"
    reports.set_public_summary(db_session, case.id, summary, "operator")
    xml = client.get("/open311/v2/requests.xml")
    assert xml.status_code == 200
    root = etree.fromstring(xml.data)
    texts = [el.text or "" for el in root.iter("description")]
    assert any("di jalan" in text and "pengawasan" in text for text in texts)
    assert not any("Orang" in text for text in texts)  # the citizen's own words stay off the public list
    json_rows = client.get("/open311/v2/requests.json").get_json()
    assert any(row["description"] == summary for row in json_rows)  # JSON keeps the text as written


@pytest.mark.parametrize("url", [
    "/kasus/99999999999", "/kasus/2147483648", "/inbox/99999999999", "/berkas/dokumen/99999999999",
    "/berkas/warga/kasus/99999999999", "/lampiran-laporan/99999999999", "/api/v1/kasus/99999999999",
    "/inbox/?hal=99999999999", "/kasus/?hal=99999999999999999999999", "/users/show/99999999999",
    "/users/edit/99999999999", "/roles/show/99999999999", "/users/list/?page_LigatUserDBModelView=99999999999",
])
def test_ids_beyond_the_database_integer_are_404(login_as, url):
    assert login_as("admin").get(url).status_code == 404


def test_deep_json_is_refused(app):
    client = client_from(app)
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/security/login", data=deep, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["message"]
    nested = {"username": "a", "password": "b", "provider": "db"}
    for _ in range(40):
        nested = {"x": nested}
    response = client.post("/api/v1/security/login", data=json.dumps(nested), content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+14:00",
                                   "9999-12-31T23:59:59-12:00", "9999-12-31"])
def test_open311_dates_at_the_calendar_edges_are_400(client, value):
    for name in ("start_date", "end_date"):
        response = client.get("/open311/v2/requests.json", query_string={name: value})
        assert response.status_code == 400, (name, value)
        assert name in response.get_json()[0]["description"]


def _big_png(side: int = 7000) -> bytes:
    out = io.BytesIO()
    Image.new("1", (side, side), 1).save(out, "PNG")
    return out.getvalue()


def test_huge_image_is_refused_from_its_header_without_decoding(client, monkeypatch):
    from app.portal import media

    data = _big_png()
    assert len(data) < 100_000

    def no_decoding(*_args, **_kwargs):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "convert", no_decoding)
    with pytest.raises(media.MediaRejected, match="terlalu besar"):
        media.clean_photo(data, media.Limits())
    token = csrf_token(client, "/lapor")
    response = client.post("/lapor", data={**report_form(token), "foto": (io.BytesIO(data), "besar.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Ukuran gambar terlalu besar" in response.get_data(as_text=True)
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_a_long_thin_image_is_refused_too():
    from app.portal import media

    out = io.BytesIO()
    Image.new("1", (9000, 10), 1).save(out, "PNG")
    with pytest.raises(media.MediaRejected, match="8000"):
        media.clean_photo(out.getvalue(), media.Limits())


# ---------------------------------------------------------------- headers


def _assert_common_headers(response) -> None:
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src


def test_public_pages_have_security_headers(client):
    home = client.get("/")
    _assert_common_headers(home)
    assert home.headers["Referrer-Policy"] == "same-origin"
    assert "https://tile.openstreetmap.org" in home.headers["Content-Security-Policy"]
    track = client.get("/lacak?tiket=ADU-2026-000000&kode=ABCDEFGH")
    _assert_common_headers(track)
    assert track.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in track.headers["Cache-Control"]


def test_a_view_s_own_referrer_policy_is_kept(app, client):
    assert client.get("/permohonan/perbaiki/X/Y").headers["Referrer-Policy"] == "no-referrer"  # a link's token
    with app.test_request_context("/layanan/x"):
        from app.hardening import _headers, _view_headers

        response = app.response_class("ok", headers={"Referrer-Policy": "no-referrer"})
        _view_headers(response)
        response.headers["Referrer-Policy"] = "same-origin"  # what Talisman's hook does in between
        assert _headers(response).headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("url", ["/kasus/", "/inbox/", "/berkas/warga/", "/kantor/", "/daftar/", "/audit/"])
def test_officer_pages_are_not_stored(login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code in (200, 302), url
    _assert_common_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_inline_scripts_carry_the_nonce(login_as):
    response = login_as("admin").get("/inbox/")
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.get_data(as_text=True)
    scripts = html.split("<script")[1:]
    assert scripts and all(f'nonce="{nonce}"' in tag.split(">")[0] for tag in scripts)


# ---------------------------------------------------------------- fuzz: no 500 on public endpoints

FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
texts = st.text(st.characters(codec="utf-8"), max_size=40)


@FUZZ
@given(deskripsi=texts, lokasi=texts, kategori=st.sampled_from(["anak_jalanan", "pengemis", "", "xx"]) | texts,
       kode_wilayah=st.sampled_from(["91.71.01.1001", ""]) | texts, nama=texts, telepon=texts,
       lintang=st.sampled_from(["-2.5", "nan", "1e400", ""]) | texts, bujur=texts)
def test_fuzz_portal_report(app, deskripsi, lokasi, kategori, kode_wilayah, nama, telepon, lintang, bujur):
    client = client_from(app)
    token = csrf_token(client, "/lapor")
    form = report_form(token, deskripsi=deskripsi, lokasi=lokasi, kategori=kategori, kode_wilayah=kode_wilayah,
                       nama=nama, telepon=telepon, lintang=lintang, bujur=bujur)
    assert client.post("/lapor", data=form, content_type="multipart/form-data").status_code < 500


@FUZZ
@given(tiket=texts, kode=texts)
def test_fuzz_tracking(client, tiket, kode):
    assert client.get("/lacak", query_string={"tiket": tiket, "kode": kode}).status_code < 500


@FUZZ
@given(args=st.dictionaries(st.sampled_from(["service_code", "status", "start_date", "end_date",
                                             "service_request_id", "jurisdiction_id"]), texts, max_size=4),
       fmt=st.sampled_from(["json", "xml"]))
def test_fuzz_open311_requests(client, args, fmt):
    assert client.get(f"/open311/v2/requests.{fmt}", query_string=args).status_code < 500


@FUZZ
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | texts,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                         max_leaves=10)
       | st.fixed_dictionaries({"username": texts, "password": texts, "provider": st.sampled_from(["db", "x"])}))
def test_fuzz_api_login(app, body):
    response = client_from(app, "10.78.0.1").post("/api/v1/security/login", json=body)
    assert response.status_code < 500


_SIGNED_IN: dict[str, object] = {}


def _signed_in(app, username: str):
    """One signed-in client per demo user for a whole fuzz run (a login per example would dominate)."""
    if username not in _SIGNED_IN:
        client = client_from(app)
        login(client, username)
        _SIGNED_IN[username] = client
    return _SIGNED_IN[username]


@FUZZ
@given(values=st.dictionaries(st.sampled_from(["nik", "no_kk", "nama", "tempat_lahir", "tanggal_lahir", "alamat",
                                               "kode_wilayah", "telepon", "alasan", "darurat"]), texts, max_size=10),
       upload=st.binary(max_size=400) | st.sampled_from([PDF, PNG, JPEG, PDF[:80], PNG + b"\x00" * 40]))
def test_fuzz_officer_start_form_with_uploads(app, values, upload):
    client = _signed_in(app, "kelurahan.gurabesi")
    token = csrf_token(client, "/kantor/layanan/pbi_jkn/baru")
    form = {**values, "csrf_token": token, "ktp": (io.BytesIO(upload), "ktp.pdf"),
            "kk": (io.BytesIO(upload), "kk.jpg"), "sktm": (io.BytesIO(upload), "sktm.png")}
    response = client.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    assert response.status_code < 500


@pytest.fixture(scope="module")
def fuzz_task(app) -> int:
    """An open verification task of a complaint, for the operator's JSON API."""
    client = client_from(app)
    response = client.post("/lapor", data=report_form(csrf_token(client, "/lapor")),
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
    from app.extensions import db
    from workflows.db import InboxTask

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == response.get_json()["tiket"]))
        return db.session.scalar(select(InboxTask.id).where(InboxTask.case_id == case.id,
                                                            InboxTask.state == "open"))


@FUZZ
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | texts,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                         max_leaves=12)
       | st.dictionaries(st.sampled_from(["keputusan", "catatan", "bidang", "alasan", "prioritas"]),
                         texts | st.integers() | st.none(), max_size=5))
def test_fuzz_task_completion_api(app, fuzz_task, body):
    if "operator-token" not in _SIGNED_IN:
        answer = api_login(client_from(app), "operator", "Ligat-Demo-2026!")
        _SIGNED_IN["operator-token"] = answer.get_json()["access_token"]
    token = _SIGNED_IN["operator-token"]
    response = client_from(app).post(f"/api/v1/inbox/{fuzz_task}/complete", json=body,
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(nama=st.from_regex(r"[A-Z][a-z]{5,9} [A-Z][a-z]{5,9}", fullmatch=True),
       telepon=st.from_regex(r"08[1-9][0-9]{8,10}", fullmatch=True),
       deskripsi=texts)
def test_fuzz_reports_write_no_personal_data_to_the_log(app, caplog, nama, telepon, deskripsi):
    """Whatever a report holds, and whether it is accepted or refused, its name and phone never reach the log."""
    import logging

    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        client = client_from(app)
        form = report_form(csrf_token(client, "/lapor"), nama=nama, telepon=telepon, deskripsi=deskripsi)
        assert client.post("/lapor", data=form, content_type="multipart/form-data").status_code < 500
    assert nama not in caplog.text and telepon not in caplog.text
