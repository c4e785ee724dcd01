"""The officers' JSON API: same rules as the HTML views, JWT for writes."""

from __future__ import annotations

from tests.integration.test_complaint_http import case_by_ticket, open_task, submit_complaint


def token_for(client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": "Ligat-Demo-2026!", "provider": "db"},
    )
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_inbox_claim_complete_and_case_through_the_api(client, db_session):
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    op = token_for(client, "operator")

    listed = client.get("/api/v1/inbox/", headers=op).get_json()["result"]
    mine = next(t for t in listed if t["id"] == task.id)
    assert mine["case_reference"] == ticket and mine["sla"] == "on_time" and mine["role"] == "Operator Dinsos"

    assert client.post(f"/api/v1/inbox/{task.id}/claim", headers=op).get_json()["result"]["claimed_by"] == "operator"

    bad = client.post(f"/api/v1/inbox/{task.id}/complete", headers=op, json={"keputusan": "tidak_valid"})
    assert bad.status_code == 422 and bad.get_json()["errors"] == {"alasan": "Wajib diisi. (Required.)"}
    not_json = client.post(f"/api/v1/inbox/{task.id}/complete", headers=op, data="x")
    assert not_json.status_code == 400

    done = client.post(f"/api/v1/inbox/{task.id}/complete", headers=op, json={"keputusan": "valid"})
    assert done.status_code == 200 and done.get_json()["result"]["status"] == "Tindak Lanjut Lapangan"
    again = client.post(f"/api/v1/inbox/{task.id}/complete", headers=op, json={"keputusan": "valid"})
    assert again.status_code == 409

    detail = client.get(f"/api/v1/cases/{case.id}", headers=op).get_json()["result"]
    assert detail["bidang"] == "rehsos"
    assert [e["action"] for e in detail["history"]][:2] == ["case_started", "task_created"]


def test_api_enforces_roles_regions_and_jwt_for_writes(client, login_as, db_session):
    ticket, _ = submit_complaint(client)
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    other_region = token_for(client, "kelurahan.abepura")
    assert client.get(f"/api/v1/cases/{case.id}", headers=other_region).status_code == 404
    assert client.post(f"/api/v1/inbox/{task.id}/claim", headers=other_region).status_code == 403
    auditor = token_for(client, "auditor")
    assert client.get(f"/api/v1/cases/{case.id}", headers=auditor).status_code == 200
    assert client.post(f"/api/v1/inbox/{task.id}/complete", headers=auditor, json={}).status_code in (401, 403)
    # A browser session may read but not write (the API is CSRF-exempt).
    browser = login_as("operator")
    assert browser.get("/api/v1/inbox/").status_code == 200
    assert browser.post(f"/api/v1/inbox/{task.id}/complete", json={"keputusan": "valid"}).status_code == 401
    assert open_task(db_session, case, "verifikasi") is not None
    assert client.get("/api/v1/inbox/").status_code == 401
