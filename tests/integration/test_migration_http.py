"""The bulk migration's pages and API: only designers (and admins) preview and move, auditors read past
migrations, everyone else gets 403; a moved case is worked on in the inbox along the new version's
path; refusals say what is wrong in both languages."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.service_helpers import complete
from tests.migration_packages import FIELD_ANSWER, three_cases
from workflows.audit import verify_case
from workflows.db import AuditEvent, Case

PASSWORD = "Ligat-Demo-2026!"


@pytest.fixture
def complaints(db_session) -> dict:
    found = three_cases(db_session)
    return {"code": found["code"], "waiting": found["verification"], "returned": found["information"],
            "field": found["field"]}


def token_for(client, username: str) -> str:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def api(client, username: str):  # noqa: ANN201
    headers = {"Authorization": f"Bearer {token_for(client, username)}"}
    return lambda method, url, **kw: client.open(url, method=method, headers=headers, **kw)


def page(code: str, **query: str) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/perancang/{code}/migrasi/" + (f"?{args}" if args else "")


def test_only_designers_preview_and_move(login_as, client, complaints):
    code = complaints["code"]
    assert login_as("operator").get(page(code)).status_code == 403
    for username in ("operator", "kadis"):  # the head of office reads past migrations, as auditors do
        other = login_as(username)
        assert other.get(page(code, pratinjau="1", from_version="1", to_version="2")).status_code == 403
        token = csrf_token(other, "/inbox/")
        response = other.post(page(code), data={"csrf_token": token, "from_version": "1", "to_version": "2"})
        assert response.status_code == 403
    assert client.get(page(code)).status_code == 302  # a visitor is sent to the login page
    assert login_as("admin").get(page(code, pratinjau="1", from_version="1", to_version="2")).status_code == 200
    call = api(client, "operator")
    assert call("GET", f"/api/v1/designer/{code}/migrations/").status_code == 403
    assert call("POST", f"/api/v1/designer/{code}/migrations/preview",
                json={"from_version": 1, "to_version": 2}).status_code == 403
    assert call("POST", f"/api/v1/designer/{code}/migrations/",
                json={"from_version": 1, "to_version": 2}).status_code == 403


def test_auditor_reads_past_migrations_but_cannot_move(login_as, complaints, db_session):
    code = complaints["code"]
    designer = api(login_as("perancang"), "perancang")
    moved = designer("POST", f"/api/v1/designer/{code}/migrations/",
                     json={"from_version": 1, "to_version": 2, "filter": {"cases": [complaints["waiting"]]}})
    assert moved.status_code == 201
    run_id = moved.get_json()["result"]["id"]
    auditor = login_as("auditor")
    html = auditor.get(page(code)).get_data(as_text=True)
    assert f"#{run_id}" in html and 'id="migration-filter"' not in html
    run_page = auditor.get(f"/perancang/{code}/migrasi/{run_id}")
    assert run_page.status_code == 200
    assert f'href="/kasus/{complaints["waiting"]}"' in run_page.get_data(as_text=True)  # auditors read cases
    assert auditor.get(page(code, pratinjau="1", from_version="1", to_version="2")).status_code == 403
    token = csrf_token(auditor, page(code))
    assert auditor.post(page(code), data={"csrf_token": token, "from_version": "1",
                                          "to_version": "2"}).status_code == 403


def test_unknown_package_or_version_is_404(login_as, complaints):
    code = complaints["code"]
    designer = login_as("perancang")
    assert designer.get(page("tidak_ada_paket")).status_code == 404
    response = designer.get(page(code, pratinjau="1", from_version="1", to_version="9"))
    assert response.status_code == 404
    assert "versi 9 tidak ada" in response.get_data(as_text=True)
    call = api(designer, "perancang")
    response = call("POST", f"/api/v1/designer/{code}/migrations/preview", json={"from_version": 1, "to_version": 9})
    assert response.status_code == 404 and "version 9 does not exist" in response.get_json()["message"]
    assert call("GET", "/api/v1/designer/tidak_ada_paket/migrations/").status_code == 404
    assert call("GET", f"/api/v1/designer/{code}/migrations/99999999").status_code == 404
    response = call("POST", f"/api/v1/designer/{code}/migrations/preview", json={"from_version": "satu"})
    assert response.status_code == 400 and "version number" in response.get_json()["message"]
    response = call("POST", f"/api/v1/designer/{code}/migrations/preview",
                    json={"from_version": 1, "to_version": 2, "filter": {"started_from": "31-12-2026"}})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_json()["message"]


def test_a_move_with_no_selected_case_says_so(login_as, complaints):
    code = complaints["code"]
    designer = login_as("perancang")
    call = api(designer, "perancang")
    response = call("POST", f"/api/v1/designer/{code}/migrations/",
                    json={"from_version": 1, "to_version": 2, "filter": {"cases": ["ADU-1900-000000"]}})
    assert response.status_code == 422
    assert "No cases are selected" in response.get_json()["message"]
    html = designer.get(page(code, pratinjau="1", from_version="1", to_version="2",
                             cases="ADU-1900-000000")).get_data(as_text=True)
    assert 'id="preview-empty"' in html and 'id="migration-move"' not in html
    token = csrf_token(designer, page(code))
    response = designer.post(page(code), data={"csrf_token": token, "from_version": "1", "to_version": "2",
                                               "cases": "ADU-1900-000000"})
    assert response.status_code == 400
    assert "Tidak ada kasus terpilih untuk dipindahkan" in response.get_data(as_text=True)


def test_preview_then_move_on_the_page_and_work_the_moved_case(login_as, complaints, db_session):
    code = complaints["code"]
    designer = login_as("perancang")
    html = designer.get(page(code, pratinjau="1", from_version="1", to_version="2")).get_data(as_text=True)
    assert "3 kasus terpilih: 2 dapat dipindahkan, 1 tidak." in html
    assert "lengkapi_informasi (Lengkapi Informasi) tidak ada di versi 2" in html
    expected = re.search(r'name="expected" value="([^"]+)"', html).group(1)
    token = csrf_token(designer, page(code))
    response = designer.post(page(code), data={"csrf_token": token, "from_version": "1", "to_version": "2",
                                               "expected": expected.replace("&#34;", '"')})
    assert response.status_code == 302
    run_page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 kasus terpilih: 2 dipindahkan, 1 tidak." in run_page
    assert "/kasus/" not in run_page  # a designer reads no cases: references without links

    db_session.expire_all()
    assert db_session.get(Case, complaints["returned"]).definition.version == 1
    moved = db_session.get(Case, complaints["field"])
    assert moved.definition.version == 2
    events = list(db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == moved.id)
                                     .order_by(AuditEvent.seq)))
    assert verify_case(events) is None and events[-1].action in ("case_migrated",)
    assert json.loads(events[-1].data_json)["ke_versi"] == 2

    # The field officer completes the moved task in the inbox; the Kepala Bidang check added in v2 follows.
    complete(login_as("lapangan.rehsos"), db_session, moved, "tindak_lanjut_lapangan", FIELD_ANSWER,
             role="Petugas Lapangan")
    complete(login_as("kabid.rehsos"), db_session, moved, "periksa_laporan", {"arahan": "Laporan sudah lengkap"},
             role="Kepala Bidang")
    db_session.expire_all()
    assert db_session.get(Case, moved.id).status == "Selesai"
    history = api(designer, "perancang")("GET", f"/api/v1/designer/{code}/migrations/").get_json()
    assert history["result"][0]["moved"] == 2
    assert [v["running_cases"] for v in history["versions"]] == [1, 1]


def test_the_preview_speaks_english_when_asked(login_as, complaints):
    designer = login_as("perancang")
    designer.get("/lang/en")
    try:
        html = designer.get(page(complaints["code"], pratinjau="1", from_version="1",
                                 to_version="2")).get_data(as_text=True)
    finally:
        designer.get("/lang/id")
    assert "Migrate running cases" in html and "3 cases selected: 2 can move, 1 cannot." in html
    assert "lengkapi_informasi (Lengkapi Informasi) is not in version 2" in html
