"""Open311 GeoReport v2 against the specification's shapes (http://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from app.portal.models import PortalReport
from tests.conftest import csrf_token
from tests.integration.portal_helpers import VILLAGE, spot
from workflows.db import Case, InboxTask

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def api_key(app) -> str:
    """Issued the way an admin does it: the CLI command (printed once)."""
    name = f"Aplikasi Kampung {secrets.token_hex(3)}"
    result = app.test_cli_runner().invoke(args=["ligat", "open311-key", name])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("l311_")
    return secret


def spec_request(api_key: str, **overrides) -> dict:
    """The spec's POST example, with LIGAT's required attribute (the village)."""
    lat, lon = spot()
    form = {
        "api_key": api_key,
        "service_code": "lanjut_usia_terlantar",
        "lat": str(lat),
        "long": str(lon),
        "address_string": "Jl. Raya Abepura No. 12",
        "email": "warga@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "Yohana",
        "last_name": "Kareth",
        "phone": "0812 9876 5432",
        "description": "Seorang kakek tidur di emperan toko sejak seminggu.",
        "media_url": "http://example.org/foto.jpg",
        "attribute[kode_wilayah]": VILLAGE,
    }
    form.update(overrides)
    return form


def post(client, form: dict, fmt: str = "json", headers: dict | None = None):
    return client.post(f"/open311/v2/requests.{fmt}", data=form, headers=headers or {})


def test_services_list_in_json_and_xml(client):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = response.get_json()
    assert isinstance(services, list) and len(services) >= 20
    codes = {s["service_code"] for s in services}
    assert {"anak_jalanan", "penyandang_disabilitas", "lanjut_usia_terlantar", "gelandangan", "pengemis",
            "odgj_terlantar", "korban_kekerasan"} <= codes
    for service in services:
        assert list(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] == "realtime"
    xml = client.get("/open311/v2/services.xml")
    assert xml.status_code == 200 and xml.mimetype == "text/xml"
    root = etree.fromstring(xml.data)
    assert root.tag == "services"
    first = root.find("service")
    assert [child.tag for child in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "true"
    assert len(root.findall("service")) == len(services)


def test_service_definition(client):
    body = client.get("/open311/v2/services/pengemis.json").get_json()
    assert body["service_code"] == "pengemis"
    village = next(a for a in body["attributes"] if a["code"] == "kode_wilayah")
    assert village["datatype"] == "singlevaluelist" and village["required"] is True and village["variable"] is True
    assert {"key": VILLAGE, "name": "Gurabesi, Jayapura Utara"} in village["values"]
    assert set(village) == {"variable", "code", "datatype", "required", "datatype_description", "order",
                            "description", "values"}
    root = etree.fromstring(client.get("/open311/v2/services/pengemis.xml").data)
    assert root.tag == "service_definition" and root.findtext("service_code") == "pengemis"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "kode_wilayah"
    assert attribute.find("values/value/key") is not None
    missing = client.get("/open311/v2/services/tidak_ada.json")
    assert missing.status_code == 404
    assert missing.get_json()[0]["code"] == 404


def test_post_requires_a_valid_api_key(client, app, api_key):
    response = post(client, spec_request("salah"))
    assert response.status_code == 403
    errors = response.get_json()
    assert isinstance(errors, list) and set(errors[0]) == {"code", "description"} and errors[0]["code"] == 403
    no_key = spec_request(api_key)
    no_key.pop("api_key")
    assert post(client, no_key).status_code == 403
    xml = post(client, spec_request("salah"), fmt="xml")
    root = etree.fromstring(xml.data)
    assert root.tag == "errors" and root.findtext("error/code") == "403" and root.findtext("error/description")


def test_post_creates_a_complaint_case_and_get_shows_it_without_personal_data(client, db_session, api_key):
    form = spec_request(api_key)
    response = post(client, form)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    request_id = body[0]["service_request_id"]
    assert request_id.startswith("ADU-")
    case = db_session.scalar(select(Case).where(Case.reference == request_id))
    assert case.started_by.startswith("open311:Aplikasi Kampung")
    assert case.reporter_name == "Yohana Kareth" and case.reporter_phone == "+6281298765432"
    assert case.tracking_code in body[0]["service_notice"]  # the partner hands the code to the citizen
    where = db_session.get(PortalReport, case.id)
    assert (where.latitude, where.longitude) == (float(form["lat"]), float(form["long"]))

    one = client.get(f"/open311/v2/requests/{request_id}.json")
    assert one.status_code == 200
    row = one.get_json()[0]
    assert list(row) == REQUEST_FIELDS
    assert row["status"] == "open" and row["status_notes"] == "Verifikasi"
    assert row["service_code"] == "lanjut_usia_terlantar" and row["service_name"] == "Lanjut usia terlantar"
    # The public reads the office's summary and the village, never the citizen's words or street address;
    # coordinates rounded (LIGAT_PUBLIC_COORD_DECIMALS = 3, about 110 m).
    assert row["description"] == "Laporan lanjut usia terlantar di Gurabesi" and row["address"] == "Gurabesi"
    assert "kakek" not in one.get_data(as_text=True) and "Abepura No. 12" not in one.get_data(as_text=True)
    assert (row["lat"], row["long"]) == (round(float(form["lat"]), 3), round(float(form["long"]), 3))
    assert row["zipcode"] == "99111" and row["media_url"] is None
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(row[key]), row[key]
    expected = datetime.fromisoformat(row["expected_datetime"])
    requested = datetime.fromisoformat(row["requested_datetime"])
    assert expected - requested == timedelta(hours=96)
    text = one.get_data(as_text=True)
    for personal in ("Yohana", "Kareth", "9876", "warga@example.org", case.tracking_code):
        assert personal not in text
    root = etree.fromstring(client.get(f"/open311/v2/requests/{request_id}.xml").data)
    assert root.tag == "service_requests"
    assert [child.tag for child in root.find("request")] == REQUEST_FIELDS
    assert root.findtext("request/status") == "open"


def test_status_closed_with_the_stage_and_the_officers_note(client, login_as, db_session, api_key):
    request_id = post(client, spec_request(api_key)).get_json()[0]["service_request_id"]
    case = db_session.scalar(select(Case).where(Case.reference == request_id))
    task = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    operator = login_as("operator")
    token = csrf_token(operator, "/lapor")
    response = operator.post(f"/inbox/{task.id}", data={"csrf_token": token, "keputusan": "tidak_valid",
                                                        "alasan": "Sudah ditangani panti sejak kemarin."})
    assert response.status_code == 302
    row = client.get(f"/open311/v2/requests/{request_id}.json").get_json()[0]
    assert row["status"] == "closed"
    assert row["status_notes"] == "Ditolak: Sudah ditangani panti sejak kemarin."
    assert row["expected_datetime"] is None
    closed = client.get(f"/open311/v2/requests.json?service_request_id={request_id}&status=open").get_json()
    assert [r["service_request_id"] for r in closed] == [request_id]  # ids given: other filters ignored
    listed = client.get("/open311/v2/requests.json?status=closed&service_code=lanjut_usia_terlantar").get_json()
    assert request_id in [r["service_request_id"] for r in listed]
    assert request_id not in [r["service_request_id"] for r in
                              client.get("/open311/v2/requests.json?status=open").get_json()]


def test_list_filters(client, api_key):
    a = post(client, spec_request(api_key, service_code="pengemis")).get_json()[0]["service_request_id"]
    b = post(client, spec_request(api_key, service_code="gelandangan")).get_json()[0]["service_request_id"]
    both = client.get(f"/open311/v2/requests.json?service_request_id={a},{b}").get_json()
    assert {r["service_request_id"] for r in both} == {a, b}
    only = [r["service_request_id"] for r in client.get("/open311/v2/requests.json?service_code=pengemis").get_json()]
    assert a in only and b not in only
    future = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+09:00")
    assert client.get(f"/open311/v2/requests.json?start_date={future.replace('+', '%2B')}").get_json() == []
    past = "2020-01-01T00:00:00Z"
    ids = [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?start_date={past}").get_json()]
    assert a in ids and b in ids
    assert client.get(f"/open311/v2/requests.json?end_date={past}").get_json() == []
    bad = client.get("/open311/v2/requests.json?status=maybe")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    assert client.get("/open311/v2/requests.json?start_date=kemarin").status_code == 400
    root = etree.fromstring(client.get(f"/open311/v2/requests.xml?service_request_id={a}").data)
    assert root.findtext("request/service_request_id") == a


def test_confidential_and_anonymous_requests(client, db_session, api_key):
    secret_id = post(client, spec_request(api_key, **{"attribute[rahasia]": "true"})).get_json()[0][
        "service_request_id"]
    sensitive_id = post(client, spec_request(api_key, service_code="korban_trafficking")).get_json()[0][
        "service_request_id"]
    for request_id in (secret_id, sensitive_id):
        response = client.get(f"/open311/v2/requests/{request_id}.json")
        assert response.status_code == 404 and response.get_json()[0]["code"] == 404
        assert client.get(f"/open311/v2/requests.json?service_request_id={request_id}").get_json() == []
    listed = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert secret_id not in listed and sensitive_id not in listed
    anonymous = spec_request(api_key, first_name="", last_name="", phone="", email="")
    anonymous_id = post(client, anonymous).get_json()[0]["service_request_id"]
    case = db_session.scalar(select(Case).where(Case.reference == anonymous_id))
    assert case.anonymous and case.reporter_name is None and case.reporter_phone is None
    assert client.get(f"/open311/v2/requests/{anonymous_id}.json").status_code == 200


def test_bad_posts_get_spec_errors(client, api_key):
    response = post(client, spec_request(api_key, service_code=""))
    assert response.status_code == 400 and "service_code" in response.get_json()[0]["description"]
    assert post(client, spec_request(api_key, service_code="bukan")).status_code == 404
    nowhere = spec_request(api_key)
    for key in ("lat", "long", "address_string"):
        nowhere.pop(key)
    response = post(client, nowhere)
    assert response.status_code == 400 and "Lokasi" in response.get_json()[0]["description"]
    response = post(client, spec_request(api_key, description="pendek", phone="12", **{"attribute[kode_wilayah]": ""}))
    assert response.status_code == 400
    descriptions = [e["description"] for e in response.get_json()]
    assert all(e["code"] == 400 for e in response.get_json())
    assert any(d.startswith("description:") for d in descriptions)
    assert any(d.startswith("attribute[kode_wilayah]:") for d in descriptions)
    assert any(d.startswith("phone:") for d in descriptions)
    assert post(client, spec_request(api_key, jurisdiction_id="32.01")).status_code == 404
    assert post(client, spec_request(api_key, jurisdiction_id="91.71")).status_code == 201
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_idempotency_key_header(client, api_key):
    key = secrets.token_hex(8)
    form = spec_request(api_key)
    first = post(client, form, headers={"Idempotency-Key": key})
    again = post(client, form, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]


def test_a_retry_gets_its_first_ticket_even_when_the_post_would_be_refused_now(client, api_key, monkeypatch):
    """As the web form's resend: a partner's retry is answered with the first ticket before any check, so a
    category withdrawn from the catalogue meanwhile does not turn the partner's retry into a 404."""
    from app.open311 import requests as open311_requests

    key, form = secrets.token_hex(8), spec_request(api_key)
    first = post(client, form, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    monkeypatch.setattr(open311_requests.catalogue, "category", lambda code: None)
    again = post(client, form, headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0]["service_request_id"]
    # A new post of that category is refused now, with the reason in both languages.
    refused = post(client, form, headers={"Idempotency-Key": secrets.token_hex(8)})
    assert refused.status_code == 404 and "(service_code not found.)" in refused.get_data(as_text=True)


def test_a_retried_post_starts_no_case(app, client, api_key):
    """A post retried with its Idempotency-Key is found with the newest definition, before a case
    starts: no case is inserted (and rolled back) for it, only the key's last use is written."""
    from sqlalchemy import event

    from app.extensions import db

    key, form = secrets.token_hex(8), spec_request(api_key)
    first = post(client, form, headers={"Idempotency-Key": key})
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    seen = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = post(client, form, headers={"Idempotency-Key": key})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0]["service_request_id"]
    assert not [s for s in statements if s.startswith("INSERT")]
    assert [s for s in statements if s.startswith("UPDATE")] == [
        s for s in statements if s.startswith("UPDATE open311_key")]


def test_revoked_key_is_refused_and_admin_page(client, login_as, api_key):
    admin = login_as("admin")
    page = admin.get("/admin/open311/")
    assert page.status_code == 200 and "Kunci API Open311" in page.get_data(as_text=True)
    token = csrf_token(admin, "/admin/open311/")
    name = f"Mitra {secrets.token_hex(3)}"
    created = admin.post("/admin/open311/buat", data={"csrf_token": token, "nama": name})
    html = created.get_data(as_text=True)
    secret = re.search(r'<pre id="secret">(l311_[^<]+)</pre>', html).group(1)
    assert post(client, spec_request(secret)).status_code == 201
    key_id = re.search(r'action="/admin/open311/(\d+)/cabut"', html).group(1)
    admin.post(f"/admin/open311/{key_id}/cabut", data={"csrf_token": token})
    assert post(client, spec_request(secret)).status_code == 403
    assert secret not in admin.get("/admin/open311/").get_data(as_text=True)  # shown once only
    operator = login_as("operator")
    assert operator.get("/admin/open311/").status_code in (302, 403)
    token = csrf_token(operator, "/lapor")
    assert operator.post("/admin/open311/buat", data={"csrf_token": token, "nama": "Curang"}).status_code in (302, 403)


def test_open311_post_is_rate_limited_per_key(app, client, api_key, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_RATELIMIT_OPEN311_POST", "2 per minute")
    for _ in range(2):
        assert post(client, spec_request(api_key)).status_code == 201
    refused = post(client, spec_request(api_key))
    assert refused.status_code == 429
    error = refused.get_json()[0]
    assert error["code"] == 429 and "Terlalu banyak" in error["description"]
    assert etree.fromstring(post(client, spec_request(api_key), fmt="xml").data).findtext("error/code") == "429"


def test_discovery(client):
    body = client.get("/open311/discovery.json").get_json()
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert "text/xml" in body["endpoints"][0]["formats"]
    root = etree.fromstring(client.get("/open311/discovery.xml").data)
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
