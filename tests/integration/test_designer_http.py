"""The designer's workbench over HTTP: who may enter, drafts and their files, check, what changed,
publish (refused with every problem, or the next version that new cases get while running ones keep
theirs), roll back, and the package history those leave."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.integration.test_work_api import token_for
from workflows import cases
from workflows.audit_checks import run_check
from workflows.db import Case
from workflows.packages import ServicePackage, latest_package
from workflows.packages.drafts import PackageDraft, draft_of, package_events, verify_events

API = "/api/v1/designer"
VILLAGE = "91.71.01.1001"
BPMN = "bpmn/pengaduan/pengaduan.bpmn"


def designer(login_as, username: str = "perancang"):
    client = login_as(username)
    token = csrf_token(client, "/perancang/pengaduan/")
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client, token


def versions(session, code: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ServicePackage).where(ServicePackage.code == code))


def discard(client, code: str) -> None:
    client.delete(f"{API}/packages/{code}/draft")


def start_complaint(session) -> Case:
    values = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
              "kode_wilayah": VILLAGE}
    return cases.start_case(session, "pengaduan", values, "warga", region_code=VILLAGE, category="pengemis")


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Surat {{ nama }}")
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("username", ["operator", "kadis", "auditor", "kabid.rehsos"])
def test_only_designers_and_admins_reach_the_workbench(login_as, username):
    other = login_as(username)
    for url in ("/perancang/", "/perancang/pengaduan/", "/perancang/pengaduan/draf/",
                "/perancang/pengaduan/draf/periksa"):
        assert other.get(url).status_code == 403, url
    assert other.get(f"{API}/packages/").status_code == 403
    assert other.get(f"{API}/packages/pengaduan").status_code == 403
    token = csrf_token(other, "/kasus/" if username in ("kadis", "auditor") else "/inbox/")
    for url in (f"{API}/packages/pengaduan/draft", f"{API}/packages/pengaduan/draft/publish"):
        assert other.post(url, headers={"X-CSRFToken": token}).status_code == 403, url
    assert other.post("/perancang/pengaduan/draf", data={"csrf_token": token}).status_code == 403
    with_jwt = token_for(other, username)
    assert other.post(f"{API}/packages/pengaduan/rollback", json={"version": 1}, headers=with_jwt).status_code == 403


def test_anonymous_is_sent_to_login_and_the_api_answers_401(client):
    response = client.get("/perancang/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"{API}/packages/").status_code == 401


def test_designer_and_admin_land_on_the_workbench(login_as):
    perancang = login_as("perancang")
    assert perancang.get("/kantor/").headers["Location"].endswith("/perancang/")
    page = perancang.get("/perancang/").get_data(as_text=True)
    assert 'data-code="pengaduan"' in page and "Pengaduan Masyarakat" in page
    assert login_as("admin").get("/perancang/").status_code == 200
    listing = perancang.get(f"{API}/packages/").get_json()["result"]
    complaint = next(p for p in listing if p["code"] == "pengaduan")
    assert complaint["versions"][0]["latest"] and complaint["versions"][0]["deployed_by"]


def test_unknown_package_is_404(login_as):
    client, token = designer(login_as)
    assert client.get("/perancang/tidak_ada/").status_code == 404
    assert client.get(f"{API}/packages/tidak_ada").status_code == 404
    answer = client.post(f"{API}/packages/tidak_ada/draft")
    assert answer.status_code == 404 and answer.get_json()["message_en"]
    assert client.post("/perancang/tidak_ada/draf", data={"csrf_token": token}).status_code == 404


def test_writes_from_a_session_need_the_csrf_token(login_as):
    client = login_as("perancang")
    assert client.post(f"{API}/packages/izin_ziarah/draft").status_code == 400
    assert client.get(f"{API}/packages/izin_ziarah/draft").status_code == 404  # nothing was created


def test_invalid_draft_files_are_refused_in_both_languages(login_as, db_session):
    client, _token = designer(login_as)
    code = "atensi"
    assert client.post(f"{API}/packages/{code}/draft").status_code == 201
    try:
        again = client.post(f"{API}/packages/{code}/draft")
        assert again.status_code == 409 and "draft" in again.get_json()["message_en"]
        before = client.get(f"{API}/packages/{code}/draft").get_json()["result"]
        bad = {
            f"bpmn/{code}/atensi.bpmn": (b"<bpmn:definitions><unclosed>", "Invalid XML"),
            f"forms/{code}/baru.schema.json": (b'{"type": "object",', "Invalid JSON"),
            f"forms/{code}/daftar.schema.json": (b"[1, 2]", "must be an object"),
            f"letters/{code}/surat.docx": (b"PK\x03\x04 not really a docx", "not a valid Word"),
            f"letters/{code}/surat.json": (b"{}", "not valid for package"),
            "bpmn/lain/service.json": (b"{}", "not valid for package"),
        }
        for path, (body, english) in bad.items():
            answer = client.put(f"{API}/packages/{code}/draft/files/{path}", data=body)
            assert answer.status_code == 400, path
            data = answer.get_json()
            assert english in data["message_en"] and data["message_id"], path
        assert client.get(f"{API}/packages/{code}/draft").get_json()["result"] == before  # nothing stored
        # A real .docx is taken, and comes back the same.
        letter = docx_bytes()
        assert client.put(f"{API}/packages/{code}/draft/files/letters/{code}/surat_uji.docx",
                          data=letter).status_code == 200
        assert client.get(f"{API}/packages/{code}/draft/files/letters/{code}/surat_uji.docx").data == letter
        rename = f"{API}/packages/{code}/draft/rename"
        assert client.post(rename, json={"from": f"letters/{code}/surat_uji.docx",
                                         "to": f"letters/{code}/surat_dua.docx"}).status_code == 200
        answer = client.post(rename, json={"from": f"letters/{code}/surat_dua.docx", "to": f"letters/{code}/x.json"})
        assert answer.status_code == 400 and answer.get_json()["message_en"]
        assert client.post(rename, data="bukan json").status_code == 400
        # The preview says what is wrong with a schema instead of failing.
        answer = client.post(f"{API}/packages/{code}/draft/preview", json={"schema": '{"type": "object", "properties": '
                                                                            '{"a": {"type": "teks"}}}'})
        assert answer.status_code == 400 and "JSON Schema" in answer.get_json()["message_en"]
        answer = client.post(f"{API}/packages/{code}/draft/preview", json={"schema": "{}", "ui": {"ui:order": []}})
        assert answer.status_code == 400 and answer.get_json()["message_en"]
        assert client.post(f"{API}/packages/{code}/rollback", json={"version": "satu"}).status_code == 400
    finally:
        discard(client, code)
    assert db_session.scalar(select(func.count()).select_from(PackageDraft).where(PackageDraft.code == code)) == 0
    started, discarded = package_events(db_session, code)[-2:]
    assert (started.action, discarded.action, discarded.actor) == ("draft_started", "draft_discarded", "perancang")


def test_publish_of_a_draft_with_errors_is_refused_with_every_problem_and_stores_nothing(login_as, db_session):
    client, token = designer(login_as)
    code = "beasiswa"
    before = versions(db_session, code)
    assert client.post(f"{API}/packages/{code}/draft").status_code == 201
    try:
        path = f"bpmn/{code}/{code}.bpmn"
        xml = client.get(f"{API}/packages/{code}/draft/files/{path}").data
        script = xml.replace(b"<bpmn:script>", b"<bpmn:script>import os\n", 1)
        assert script != xml
        assert client.put(f"{API}/packages/{code}/draft/files/{path}", data=script).status_code == 200
        # A form the descriptor names, gone.
        descriptor = client.get(f"{API}/packages/{code}/draft/files/bpmn/{code}/service.json").get_json()
        start_form = descriptor["start"]["form"]
        assert client.delete(f"{API}/packages/{code}/draft/files/forms/{code}/{start_form}").status_code == 200

        checked = client.post(f"{API}/packages/{code}/draft/check").get_json()
        assert not checked["ok"]
        assert any("import" in f["message_en"] and f["element_id"] != "-" for f in checked["result"])

        answer = client.post(f"{API}/packages/{code}/draft/publish")
        assert answer.status_code == 422
        problems = answer.get_json()["problems"]
        assert any("import" in p["message_en"] for p in problems)
        assert any(start_form in p["message_en"] or start_form in p["message_id"] for p in problems)
        assert versions(db_session, code) == before
        assert client.get(f"{API}/packages/{code}/draft").status_code == 200  # the draft stays to be fixed

        page = client.post(f"/perancang/{code}/draf/terbitkan", data={"csrf_token": token})
        assert page.status_code == 422
        html = page.get_data(as_text=True)
        assert 'id="publish-refused"' in html and "import" in html
        assert versions(db_session, code) == before
        check_page = client.get(f"/perancang/{code}/draf/periksa").get_data(as_text=True)
        assert "import" in check_page and start_form in check_page
    finally:
        discard(client, code)


def test_draft_edit_check_publish_then_roll_back(login_as, db_session):
    client, token = designer(login_as)
    code = "pengaduan"
    old = latest_package(db_session, code)
    old_version, old_hash = old.version, old.content_hash
    running = start_complaint(db_session)
    created = client.post(f"{API}/packages/{code}/draft")
    assert created.status_code == 201 and created.get_json()["result"]["base_version"] == old_version
    published_version = None
    try:
        xml = client.get(f"{API}/packages/{code}/draft/files/{BPMN}").data
        assert b'or "PT72H"' in xml
        answer = client.put(f"{API}/packages/{code}/draft/files/{BPMN}", data=xml.replace(b'or "PT72H"', b'or "PT48H"'))
        assert answer.status_code == 200

        # A draft changes nothing for new cases.
        during = start_complaint(db_session)
        assert cases.case_data(during)["sla_lapangan"] == "PT72H"

        checked = client.post(f"{API}/packages/{code}/draft/check").get_json()
        assert checked["ok"], checked["result"]
        diff = client.get(f"{API}/packages/{code}/draft/diff").get_json()
        assert diff["against_version"] == old_version
        [changed_file] = diff["result"]["files"]
        assert changed_file["path"] == BPMN
        assert {"kind": "changed", "key": "atur_sla", "type": "scriptTask", "name": "Tetapkan SLA"} \
            in changed_file["changes"]
        page = client.get(f"/perancang/{code}/draf/terbitkan").get_data(as_text=True)
        assert 'data-key="atur_sla"' in page
        dmn_page = client.get(f"/perancang/{code}/draf/berkas/bpmn/{code}/dispatch_bidang.dmn").get_data(as_text=True)
        assert 'data-kind="dmn"' in dmn_page and "decisionTable" in dmn_page

        answer = client.post(f"{API}/packages/{code}/draft/publish")
        assert answer.status_code == 201, answer.get_json()
        published_version = answer.get_json()["result"]["version"]
        assert published_version == old_version + 1
        assert client.get(f"{API}/packages/{code}/draft").status_code == 404  # the draft became the version

        listed = client.get(f"{API}/packages/{code}").get_json()["result"]["versions"]
        assert listed[0]["version"] == published_version and listed[0]["latest"]
        assert listed[0]["deployed_by"] == "perancang"
        assert f"v{published_version}" in client.get(f"/perancang/{code}/").get_data(as_text=True)

        fresh = start_complaint(db_session)
        assert cases.case_data(fresh)["sla_lapangan"] == "PT48H"
        db_session.expire_all()
        kept = db_session.get(Case, running.id)
        assert kept.process_definition_id == running.process_definition_id
        assert cases.case_data(kept)["sla_lapangan"] == "PT72H"

        event = package_events(db_session, code)[-1]
        assert event.action == "package_published" and event.actor == "perancang"
        assert event.data["version"] == published_version and event.data["content_hash"] != old_hash
    finally:
        if published_version is None:
            discard(client, code)
    # Roll back (from the package page): the old content as a new version; cases keep theirs.
    assert client.post(f"{API}/packages/{code}/draft").status_code == 201  # a draft of the version rolled back
    answer = client.post(f"/perancang/{code}/kembalikan/{old_version}", data={"csrf_token": token})
    assert answer.status_code == 302
    outdated = client.get(f"/perancang/{code}/draf/terbitkan").get_data(as_text=True)
    assert 'id="base-outdated"' in outdated and 'data-key="atur_sla"' in outdated
    discard(client, code)
    db_session.expire_all()
    back = latest_package(db_session, code)
    assert back.version == published_version + 1 and back.content_hash == old_hash
    assert cases.case_data(start_complaint(db_session))["sla_lapangan"] == "PT72H"
    assert cases.case_data(db_session.get(Case, fresh.id))["sla_lapangan"] == "PT48H"
    events = package_events(db_session, code)
    assert [e.action for e in events[-3:]] == ["draft_started", "package_rolled_back", "draft_discarded"]
    assert events[-2].data == {
        "version": back.version, "content_hash": old_hash, "from_version": old_version}
    assert verify_events(events)
    run_check(db_session, "cli", "uji")  # the audit page shows the last recorded check of the chains
    auditor = login_as("auditor").get("/audit/").get_data(as_text=True)
    assert 'id="package-chain-ok"' in auditor
    events[-2].data_json = events[-2].data_json.replace(old_hash, "0" * 64)  # edited in memory only
    assert not verify_events(events)
    db_session.rollback()
    assert client.post(f"{API}/packages/{code}/rollback", json={"version": back.version}).status_code == 409
    assert client.post(f"{API}/packages/{code}/rollback", json={"version": 999}).status_code == 404


def test_pages_edit_a_draft_without_javascript(login_as, db_session):
    client, token = designer(login_as)
    code = "izin_ziarah"
    assert client.post(f"/perancang/{code}/draf", data={"csrf_token": token}).status_code == 302
    try:
        page = client.get(f"/perancang/{code}/draf/").get_data(as_text=True)
        assert f"bpmn/{code}/service.json" in page
        bpmn_page = client.get(f"/perancang/{code}/draf/berkas/bpmn/{code}/{code}.bpmn").get_data(as_text=True)
        assert 'id="xml-source"' in bpmn_page and "bpmn:definitions" in bpmn_page
        # A new form, edited through the page, previews with the task-form renderer.
        answer = client.post(f"/perancang/{code}/draf/baru", data={"csrf_token": token, "kind": "form",
                                                                   "name": "catatan"})
        assert answer.status_code == 302
        form_path = f"forms/{code}/catatan.schema.json"
        schema = '{"type": "object", "properties": {"catatan": {"type": "string", "title": "Catatan petugas"}}}'
        client.post(f"/perancang/{code}/draf/berkas/{form_path}", data={"csrf_token": token, "content": schema})
        form_page = client.get(f"/perancang/{code}/draf/berkas/{form_path}").get_data(as_text=True)
        assert 'data-field="catatan"' in form_page and "Catatan petugas" in form_page
        # Bad JSON is not saved, and the page says why.
        client.post(f"/perancang/{code}/draf/berkas/{form_path}", data={"csrf_token": token, "content": "{"})
        assert b"catatan" in client.get(f"{API}/packages/{code}/draft/files/{form_path}").data
        # Letters: only a real .docx is taken; it can be downloaded back.
        fake = client.post(f"/perancang/{code}/draf/surat", data={
            "csrf_token": token, "berkas": (io.BytesIO(b"%PDF-1.4"), "izin.docx")}, content_type="multipart/form-data")
        assert fake.status_code == 302
        assert f"letters/{code}/izin.docx" not in client.get(f"/perancang/{code}/draf/").get_data(as_text=True)
        real = docx_bytes()
        client.post(f"/perancang/{code}/draf/surat", data={
            "csrf_token": token, "berkas": (io.BytesIO(real), "Izin Baru.docx"), "name": "izin_baru"},
            content_type="multipart/form-data")
        download = client.get(f"/perancang/{code}/draf/unduh/letters/{code}/izin_baru.docx")
        assert download.status_code == 200 and download.data == real
        assert zipfile.ZipFile(io.BytesIO(download.data)).read("word/document.xml")
        client.post(f"/perancang/{code}/draf/ganti-nama", data={"csrf_token": token,
                                                                "path": f"letters/{code}/izin_baru.docx",
                                                                "new_name": "izin_lain.docx"})
        files = [f["path"] for f in client.get(f"{API}/packages/{code}/draft").get_json()["result"]["files"]]
        assert f"letters/{code}/izin_lain.docx" in files and f"letters/{code}/izin_baru.docx" not in files
        # The descriptor as a form: a wrong value is named and not saved; a right one is.
        descriptor = client.get(f"/perancang/{code}/draf/deskriptor").get_data(as_text=True)
        assert 'id="descriptor-form"' in descriptor
        form = {"csrf_token": token, "name_id": "Izin Ziarah TMP", "name_en": "Cemetery visit permit",
                "summary_id": "Izin ziarah", "summary_en": "Visit permit", "duration_id": "1 hari",
                "duration_en": "1 day", "cost_id": "Gratis", "cost_en": "Free", "bidang": "rehsos",
                "role_name": ["Operator Dinsos", ""], "role_scope": ["office", "office"],
                "req_id": ["KTP", ""], "req_en": ["ID card", ""], "start_form": "catatan.schema.json"}
        bad = client.post(f"/perancang/{code}/draf/deskriptor", data={**form, "bidang": "bukan_bidang"})
        assert bad.status_code == 400 and "bukan_bidang" in bad.get_data(as_text=True)
        good = client.post(f"/perancang/{code}/draf/deskriptor", data=form)
        assert good.status_code == 302, good.get_data(as_text=True)[-3000:]
        saved = client.get(f"{API}/packages/{code}/draft/files/bpmn/{code}/service.json").get_json()
        assert saved["name"] == {"id": "Izin Ziarah TMP", "en": "Cemetery visit permit"}
        assert saved["catalogue"]["requirements"] == [{"id": "KTP", "en": "ID card"}]
        assert saved["code"] == code and saved["process"]  # keys the form does not show are kept
        assert client.get(f"/perancang/{code}/draf/coba").status_code == 200
    finally:
        client.post(f"/perancang/{code}/draf/buang", data={"csrf_token": token})
    gone = client.get(f"/perancang/{code}/draf/")  # the draft is gone: back to the package page
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/perancang/{code}/")


def test_try_page_lists_start_and_end_steps_without_a_none_code(login_as):
    client, token = designer(login_as)
    code = "pengaduan"
    assert client.post(f"{API}/packages/{code}/draft").status_code == 201
    try:
        page = client.post(f"/perancang/{code}/draf/coba", data={"csrf_token": token})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "lulus" in html
        assert "<code>None</code>" not in html
    finally:
        discard(client, code)


def test_try_runs_the_scenario_runner(login_as):
    client, _token = designer(login_as)
    code = "pengaduan"
    assert client.post(f"{API}/packages/{code}/draft").status_code == 201
    try:
        answer = client.post(f"{API}/packages/{code}/draft/try")
        assert answer.status_code == 200
        results = answer.get_json()["result"]
        assert results and all({"name", "passed", "path", "steps"} <= set(r) for r in results)
        assert all(r["passed"] for r in results), results
        assert all(r["path"] for r in results)
    finally:
        discard(client, code)


def test_a_refused_descriptor_save_is_a_400_with_the_reason(login_as, monkeypatch):
    from workflows.packages import drafts

    client, token = designer(login_as)
    code = "izin_ziarah"
    assert client.post(f"/perancang/{code}/draf", data={"csrf_token": token}).status_code == 302
    try:
        def refuse(path: str, data: bytes) -> None:
            raise drafts.DraftError("Berkas terlalu besar (maks. 5 MB).", "File too large (max 5 MB).")

        monkeypatch.setattr(drafts, "check_file", refuse)
        form = {"csrf_token": token, "name_id": "Izin Ziarah TMP", "name_en": "Cemetery visit permit",
                "summary_id": "Izin ziarah", "summary_en": "Visit permit", "duration_id": "1 hari",
                "duration_en": "1 day", "cost_id": "Gratis", "cost_en": "Free", "bidang": "rehsos",
                "role_name": ["Operator Dinsos", ""], "role_scope": ["office", "office"],
                "req_id": ["KTP", ""], "req_en": ["ID card", ""], "start_form": "ziarah_permohonan.schema.json"}
        answer = client.post(f"/perancang/{code}/draf/deskriptor", data=form)
        assert answer.status_code == 400
        assert "File too large" in answer.get_data(as_text=True)
    finally:
        monkeypatch.undo()
        client.post(f"/perancang/{code}/draf/buang", data={"csrf_token": token})


def test_the_package_list_costs_the_same_few_queries_whatever_the_number_of_packages(app, login_as, db_session):
    # It once cost three queries per package (versions, case counts, draft): 45+ for the 15 bundled lines.
    from sqlalchemy import event

    from app.extensions import db

    perancang = login_as("perancang")
    client, _token = designer(login_as)
    client.post(f"{API}/packages/pengaduan/draft")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        if "package" in statement.lower():
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = perancang.get("/perancang/").get_data(as_text=True)
        listing = perancang.get(f"{API}/packages/").get_json()["result"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
        discard(client, "pengaduan")
    packages = db_session.scalar(select(func.count(func.distinct(ServicePackage.code))))
    assert packages >= 15 and len(statements) <= 10, statements
    assert "draf terbuka" in page and next(p for p in listing if p["code"] == "pengaduan")["draft"]
    assert not next(p for p in listing if p["code"] == "izin_lks")["draft"]


def test_target_selesai_must_be_a_duration_and_a_missing_draft_leads_back_to_the_package(login_as, db_session):
    client, token = designer(login_as)
    code = "izin_ziarah"
    # No draft: the draft's tabs lead back to the package page (where one starts), not to an error page.
    for tab in ("draf/", "draf/deskriptor", "draf/periksa"):
        answer = client.get(f"/perancang/{code}/{tab}")
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/perancang/{code}/"), tab
    assert "belum punya draf" in client.get(f"/perancang/{code}/").get_data(as_text=True)
    assert client.post(f"/perancang/{code}/draf", data={"csrf_token": token}).status_code == 302
    try:
        form = {"csrf_token": token, "name_id": "Izin Ziarah", "name_en": "Cemetery visit permit",
                "summary_id": "Izin ziarah", "summary_en": "Visit permit", "duration_id": "1 hari",
                "duration_en": "1 day", "cost_id": "Gratis", "cost_en": "Free", "bidang": "rehsos",
                "sla": "tiga hari", "role_name": ["Operator Dinsos", ""], "role_scope": ["office", "office"],
                "req_id": ["KTP", ""], "req_en": ["ID card", ""], "start_form": "ziarah_permohonan.schema.json"}
        answer = client.post(f"/perancang/{code}/draf/deskriptor", data=form)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400
        assert "bukan jangka waktu" in html and "is not a duration" in html
        db_session.expire_all()
        saved = json.loads(draft_of(db_session, code).files().get("bpmn", "service.json"))
        assert saved["catalogue"]["sla"] == "1 hari kerja"  # the refused value was not saved
        assert client.post(f"/perancang/{code}/draf/deskriptor", data=form | {"sla": "2 hari kerja"}).status_code == 302
    finally:
        client.post(f"/perancang/{code}/draf/buang", data={"csrf_token": token})


def test_a_service_level_that_is_no_duration_is_a_package_problem():
    from tests.packages import bundled
    from workflows.packages.checks import check_package

    package = bundled("izin_ziarah")
    descriptor = json.loads(package.get("bpmn", "service.json"))
    descriptor["catalogue"]["sla"] = "secepatnya"
    package.files["bpmn/izin_ziarah/service.json"] = json.dumps(descriptor).encode()
    [problem] = [p for p in check_package(package).problems if p.element_id == "catalogue/sla"]
    assert "bukan jangka waktu" in problem.message_id and "is not a duration" in problem.message_en
