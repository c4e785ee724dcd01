"""Who sees what, over every route that shows a case or its parts: each demo role × each line ×
own/other region, on the case page, the JSON API, uploaded documents and report photos.

The expected table is written out here from the rule (a role sees a case when it has a lane in
the case's package, within its scope; Auditor, Kepala Dinas and Admin read everything), not
computed by the code under test.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.portal.models import PortalMedia
from tests.files import PDF
from tests.integration.portal_helpers import jpeg_with_gps
from tests.integration.test_work_api import token_for
from workflows import cases, documents
from workflows.cases import Upload, start_case
from workflows.db import Case

OWN, OTHER = "91.71.01.1001", "91.71.03.1001"  # kelurahan.gurabesi's village; a village of kelurahan.abepura

START_DATA = {
    "pengaduan": {"kategori": "pengemis", "deskripsi": "Uji visibilitas", "lokasi": "Jl. Uji"},
    "pbi_jkn": {"nik": "9171014505900001", "nama": "Uji"},
    "izin_lks": {"jenis_izin": "tanda_daftar", "nama_lks": "Yayasan Uji", "alamat_lks": "Jl. Uji",
                 "ketua_lks": "Uji", "nomor_sk_badan_hukum": "AHU-0001.AH.01.04.2026"},
    "cota": {"tanggal_lahir_calon_ayah": "1985-01-01", "tanggal_lahir_calon_ibu": "1987-01-01",
             "tanggal_menikah": "2015-01-01"},
}
# user → the (line, region) pairs they may see; anything else is refused.
ALL = {(line, region) for line in ("pengaduan", "pbi_jkn", "izin_lks", "cota") for region in (OWN, OTHER)}
EXPECTED = {
    "operator": ALL,
    "kadis": ALL,
    "auditor": ALL,
    "admin": ALL,
    "kelurahan.gurabesi": {("pbi_jkn", OWN)},
    "kelurahan.abepura": {("pbi_jkn", OTHER)},
    "tim.pipa": {("cota", OWN), ("cota", OTHER)},
    # Field officers and heads of bidang are bidang-scoped: none of these cases has reached a bidang yet.
    "lapangan.rehsos": set(),
    "kabid.linjamsos": set(),
    "perancang": set(),
}


@pytest.fixture(scope="module")
def matrix_cases(app):
    """One case of each line in each region, each with an uploaded document (and a photo for complaints)."""
    from sqlalchemy.orm import Session

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    made: dict[tuple[str, str], dict] = {}
    with Session(engine) as session:
        for line in ("pengaduan", "pbi_jkn", "izin_lks", "cota"):
            for region in (OWN, OTHER):
                data = {"kode_wilayah": region, **START_DATA[line]}
                case = start_case(session, line, data, "uji", uploads=[Upload("ktp", "ktp.pdf", PDF)],
                                  region_code=region, category=line, title=f"Uji {line}")
                document = documents.latest_by_kind(session, case.id)["ktp"]
                made[(line, region)] = {"case": case.id, "document": document.id}
    return made


def test_demo_users_see_exactly_what_the_rule_allows(app, login_as, matrix_cases):
    for username, allowed in EXPECTED.items():
        browser = login_as(username)
        for key, ids in matrix_cases.items():
            page = browser.get(f"/kasus/{ids['case']}").status_code
            document = browser.get(f"/berkas/dokumen/{ids['document']}").status_code
            if key in allowed:
                assert page == 200, (username, key, "case page")
                assert document == 200, (username, key, "document")
            else:
                assert page in (302, 403, 404), (username, key, "case page", page)
                assert document in (302, 403, 404), (username, key, "document", document)


def test_case_list_and_api_follow_the_same_rule(app, client, login_as, matrix_cases, db_session):
    references = {key: db_session.get(Case, ids["case"]).reference for key, ids in matrix_cases.items()}
    for username in ("kelurahan.gurabesi", "tim.pipa", "operator"):
        listed = login_as(username).get("/kasus/?hal=1").get_data(as_text=True)
        headers = token_for(client, username)
        for key, ids in matrix_cases.items():
            api = client.get(f"/api/v1/cases/{ids['case']}", headers=headers).status_code
            if key in EXPECTED[username]:
                assert api == 200, (username, key)
            else:
                assert api in (403, 404), (username, key, api)
                assert references[key] not in listed, (username, key)


def test_report_photos_follow_the_rule(app, client, login_as, db_session):
    from tests.integration.test_portal_http import JSON, post_report, ticket_of

    ticket = ticket_of(post_report(client, headers=JSON, files={"foto": (io.BytesIO(jpeg_with_gps()), "a.jpg")}))[0]
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    item = db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
    for username in ("operator", "kadis", "auditor"):
        assert login_as(username).get(f"/lampiran-laporan/{item.id}").status_code == 200, username
    for username in ("kelurahan.gurabesi", "tim.pipa", "lapangan.rehsos", "perancang"):
        assert login_as(username).get(f"/lampiran-laporan/{item.id}").status_code in (302, 403, 404), username


def test_a_dispatched_complaint_reaches_its_bidang_only(app, login_as, db_session):
    from workflows.principal import OPERATOR, Principal

    case = cases.start_case(db_session, "pengaduan", {"kategori": "pengemis", "deskripsi": "Uji bidang",
                                                     "lokasi": "Jl. Uji", "kode_wilayah": OWN}, "uji",
                            region_code=OWN, category="pengemis")
    from workflows.db import InboxTask

    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    cases.complete_task(db_session, row.id, operator, {"keputusan": "valid"})
    db_session.expire_all()
    bidang = db_session.get(Case, case.id).bidang
    assert bidang == "rehsos"  # the dispatch table sends beggars to rehabilitation
    assert login_as("lapangan.rehsos").get(f"/kasus/{case.id}").status_code == 200
    assert login_as("lapangan.linjamsos").get(f"/kasus/{case.id}").status_code == 404
    assert login_as("kabid.rehsos").get(f"/kasus/{case.id}").status_code == 200
    assert login_as("kabid.dayasos").get(f"/kasus/{case.id}").status_code == 404


def test_earlier_services_panel_lists_only_cases_the_officer_may_see(app, db_session):
    """The panel of a NIK's earlier services does not reveal a confidential case of a line the reader has no
    lane in (a kelurahan officer and an outreach case of the homeless/ODHA line)."""
    from app.extensions import db
    from app.panels import _person_history
    from workflows.principal import KELURAHAN_OFFICER, OPERATOR, Principal

    nik = "9171014708850003"
    confidential = start_case(db_session, "gepeng_odha", {"kode_wilayah": OWN, "nik": nik}, "uji",
                              region_code=OWN, category="gepeng_odha", subject_nik=nik, confidential=True,
                              title="Uji rahasia")
    pbi = start_case(db_session, "pbi_jkn", {"kode_wilayah": OWN, "nik": nik, "nama": "Uji"}, "uji",
                     region_code=OWN, category="pbi_jkn", subject_nik=nik, title="Uji PBI")
    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    kelurahan = Principal("kelurahan.gurabesi", frozenset({KELURAHAN_OFFICER}), region_code=OWN,
                          scopes=((KELURAHAN_OFFICER, "region"),))
    spec = {"kind": "person_history", "id": "pbi-riwayat", "letter_type": "pbi_jkn"}
    with app.test_request_context():
        case = db.session.get(Case, pbi.id)
        assert any(confidential.reference in item for item in _person_history(spec, case, {}, operator).items)
        assert not any(confidential.reference in item for item in _person_history(spec, case, {}, kelurahan).items)
