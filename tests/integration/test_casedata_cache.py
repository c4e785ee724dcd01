"""The fields a case or task page shows come from the package version's forms, read once per version
(not several times per page): a version's content never changes."""

from __future__ import annotations

from app import casedata
from tests.integration.test_complaint_http import case_by_ticket, submit_complaint
from tests.integration.test_pbi_jkn_http import new_nik, open_task, submit
from workflows.db import Case
from workflows.packages import package_of_case


def test_a_package_versions_fields_are_read_once(client, login_as, db_session, monkeypatch):
    nik, born = new_nik()
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    task = open_task(db_session, case_id, "verifikasi")
    reads = []
    real = casedata._read_fields
    monkeypatch.setattr(casedata, "_read_fields", lambda package: reads.append(package.content_hash) or real(package))
    monkeypatch.setattr(casedata, "_FIELDS", {})
    operator = login_as("operator")
    for url in (f"/kasus/{case_id}", f"/inbox/{task.id}", f"/kasus/{case_id}", f"/api/v1/cases/{case_id}"):
        response = operator.get(url)
        assert response.status_code == 200, url
        assert nik in response.get_data(as_text=True), url
    package = package_of_case(db_session, db_session.get(Case, case_id))
    assert reads == [package.content_hash]  # four pages, each asking several times: one read
    page = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Nomor KK" in page and "Alasan permohonan" in page  # the forms' labels, from the kept fields
    # Another version (another line's package) is read on its own, once.
    ticket, _code = submit_complaint(client)  # a citizen's report, from the portal
    complaint = case_by_ticket(db_session, ticket)
    for _ in range(2):
        assert operator.get(f"/kasus/{complaint.id}").status_code == 200
    assert len(reads) == 2 and reads[1] == package_of_case(db_session, complaint).content_hash
