"""Service packages: deploy refusals (every problem, with file and element id, in Indonesian and
English), versions, a package with a role of its own, and forms kept per version."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.packages import bundled, descriptor, package
from workflows import cases
from workflows.db import Case, InboxTask, ProcessDefinition
from workflows.errors import DeployError, FormInvalid
from workflows.packages import PackageFiles, ServicePackage, deploy_package, from_archive
from workflows.principal import OPERATOR, Principal

VILLAGE = "91.71.01.1001"
LANE_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_{pid}" targetNamespace="uji">
  <bpmn:collaboration id="c_{pid}"><bpmn:participant id="p_{pid}" processRef="{pid}" /></bpmn:collaboration>
  <bpmn:process id="{pid}" name="Uji {pid}" isExecutable="true">
    <bpmn:laneSet id="ls_{pid}">
      <bpmn:lane id="Lane_tim" name="{role}"><bpmn:flowNodeRef>Task_tinjau</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="Task_tinjau" />
    <bpmn:userTask id="Task_tinjau">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_tinjau" targetRef="Script_catat" />
    <bpmn:scriptTask id="Script_catat" name="Catat hasil">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="Script_catat" targetRef="selesai" />
    <bpmn:endEvent id="selesai"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
FORM = {"type": "object", "required": ["catatan"],
        "properties": {"catatan": {"type": "string", "title": "Catatan", "minLength": 3}}}


def small_package(code: str, pid: str, role: str = "Tim Uji", scope: str = "office", form: str = "tinjau.schema.json",
                  script: str = 'set_status("Selesai")', forms: dict | None = None, **extra) -> PackageFiles:
    bpmn = LANE_PROCESS.format(pid=pid, role=role, form=form, script=script).encode()
    return package(code, {f"{pid}.bpmn": bpmn}, descriptor(code, pid, {role: scope}, **extra),
                   forms={"tinjau.schema.json": FORM} if forms is None else forms)


def counts(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(ServicePackage)),
            session.scalar(select(func.count()).select_from(ProcessDefinition)))


def refused(session, files: PackageFiles) -> DeployError:
    before = counts(session)
    with pytest.raises(DeployError) as caught:
        deploy_package(session, files)
    session.rollback()
    assert counts(session) == before, "a refused deploy stored something"
    return caught.value


def test_bundled_packages_are_deployed_with_their_roles(db_session):
    codes = {p.code for p in db_session.scalars(select(ServicePackage))}
    assert {"pengaduan", "pbi_jkn", "izin_lks", "cota"} <= codes
    again = deploy_package(db_session, bundled("pbi_jkn"))
    assert not again.created  # same content, same version


def test_xml_that_does_not_parse_is_refused(db_session):
    files = small_package("uji_xml", "uji_xml")
    files.files["bpmn/uji_xml/uji_xml.bpmn"] = b"<bpmn:definitions"
    error = refused(db_session, files)
    assert "uji_xml.bpmn" in str(error) and "bukan XML yang sah" in str(error) and "not well-formed XML" in str(error)


def test_undeclared_lane_role_missing_form_and_letter_template_are_all_listed(db_session):
    files = small_package("uji_banyak", "uji_banyak", role="Tim Siluman", form="hilang.schema.json",
                          letters=[{"type": "surat_uji", "name": {"id": "Surat uji", "en": "Test letter"},
                                    "template": "tidak_ada.docx", "number": "{seq}/{tahun}"}])
    desc = json.loads(files.files["bpmn/uji_banyak/service.json"])
    desc["roles"] = [{"name": "Operator Dinsos", "scope": "office"}]
    files.files["bpmn/uji_banyak/service.json"] = json.dumps(desc).encode()
    error = refused(db_session, files)
    messages = [str(p) for p in error.problems]
    assert any("Lane_tim (Tim Siluman)" in m and "lane/peran 'Tim Siluman' tidak dinyatakan" in m
               and "is not declared in service.json (roles)" in m for m in messages), messages
    assert any("uji_banyak.bpmn · Task_tinjau:" in m and "formulir 'hilang.schema.json' tidak ada di forms/uji_banyak/"
               in m for m in messages), messages
    assert any("templat surat 'tidak_ada.docx' tidak ada di letters/uji_banyak/" in m for m in messages), messages
    assert str(error).startswith(f"Paket 'uji_banyak' ditolak, {len(messages)} masalah")


def test_scripts_that_do_not_compile_or_call_unknown_functions_are_refused(db_session):
    files = small_package("uji_skrip", "uji_skrip", script="hasil = (1 +\nkirim_surel(catatan)")
    error = refused(db_session, files)
    assert "Script_catat (Catat hasil)" in str(error) and "tidak dapat dikompilasi" in str(error)
    files = small_package("uji_skrip", "uji_skrip", script="kirim_surel(catatan)")
    error = refused(db_session, files)
    assert "memanggil fungsi 'kirim_surel' yang tidak disediakan LIGAT" in str(error)
    assert "calls function 'kirim_surel', which LIGAT does not offer" in str(error)


def test_a_process_id_owned_by_another_package_is_refused(db_session):
    error = refused(db_session, small_package("uji_pencuri", "pengaduan"))
    assert "id proses 'pengaduan' sudah dimiliki paket 'pengaduan'" in str(error)
    assert "already owned by package 'pengaduan'" in str(error)


def test_a_role_has_one_scope_across_the_office(db_session):
    error = refused(db_session, small_package("uji_lingkup", "uji_lingkup", role=OPERATOR, scope="region"))
    assert "peran 'Operator Dinsos' berlingkup 'region'" in str(error) and "one scope across the office" in str(error)


def test_descriptor_errors_name_the_field(db_session):
    files = small_package("uji_deskriptor", "uji_deskriptor")
    desc = json.loads(files.files["bpmn/uji_deskriptor/service.json"])
    desc["roles"][0]["scope"] = "semua"
    del desc["name"]
    files.files["bpmn/uji_deskriptor/service.json"] = json.dumps(desc).encode()
    error = refused(db_session, files)
    assert "roles/0/scope" in str(error) and "'name' is a required property" in str(error)
    assert "isian 'name' wajib diisi" in str(error) and "harus salah satu dari: office" in str(error)


def test_archive_of_the_same_files_is_the_same_version(db_session):
    complaints = bundled("pengaduan")
    from_zip = from_archive(complaints.to_archive())
    assert from_zip.files == complaints.files
    assert not deploy_package(db_session, from_zip).created
    with pytest.raises(DeployError, match="bukan arsip zip"):
        from_archive(b"PK not really")


def test_cli_deploys_a_package_and_refuses_a_broken_archive(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ligat", "deploy", "pbi_jkn"])
    assert result.exit_code == 0 and "pbi_jkn versi" in result.output and "tidak berubah" in result.output
    broken = small_package("uji_cli", "uji_cli", script="import os")
    archive = tmp_path / "uji_cli.zip"
    archive.write_bytes(broken.to_archive())
    result = runner.invoke(args=["ligat", "deploy", "--archive", str(archive)])
    assert result.exit_code == 1 and "DITOLAK" in result.output and "imports are not allowed" in result.output


def test_a_package_with_a_role_of_its_own(app, db_session, client):
    """Deploying a line whose lane names a new role creates the role; its holder works that line's
    cases and sees no other line's; a region-scoped holder without a region sees nothing."""
    from app.extensions import db
    from app.security import ensure_roles
    from app.setup import deploy_with_roles
    from tests.conftest import login

    with app.app_context():
        deploy_with_roles(small_package("uji_peran", "uji_peran", role="Tim Verifikasi Panti"), "uji")
        deploy_with_roles(small_package("uji_peran_wilayah", "uji_peran_wilayah", role="Pendamping Desa",
                                        scope="region"), "uji")
        sm = app.appbuilder.sm
        assert sm.find_role("Tim Verifikasi Panti") is not None
        for username, role in (("tim.panti", "Tim Verifikasi Panti"), ("pendamping.tanpa.wilayah", "Pendamping Desa")):
            if sm.find_user(username=username) is None:
                sm.add_user(username, "Uji", "Peran", f"{username}@ligat.local", sm.find_role(role),
                            "Rahasia-Uji-2026!")
        db.session.commit()
        ensure_roles()
    case = cases.start_case(db_session, "uji_peran", {}, "uji", region_code=VILLAGE, category="uji_peran")
    other = cases.start_case(db_session, "uji_peran_wilayah", {}, "uji", region_code=VILLAGE,
                             category="uji_peran_wilayah")
    complaint = db_session.scalar(select(Case).where(Case.process_id == "pengaduan").limit(1))
    team = app.test_client()
    login(team, "tim.panti", "Rahasia-Uji-2026!")
    inbox = team.get("/inbox/").get_data(as_text=True)
    assert case.reference in inbox and other.reference not in inbox
    assert team.get(f"/kasus/{case.id}").status_code == 200
    assert team.get(f"/kasus/{other.id}").status_code == 404
    if complaint is not None:
        assert team.get(f"/kasus/{complaint.id}").status_code == 404
    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    token = csrf_token(team, f"/inbox/{row.id}")
    assert team.post(f"/inbox/{row.id}", data={"csrf_token": token, "catatan": "Sudah ditinjau"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    # A region-scoped role whose user has no region set sees nothing (fail closed).
    nobody = app.test_client()
    login(nobody, "pendamping.tanpa.wilayah", "Rahasia-Uji-2026!")
    assert other.reference not in nobody.get("/inbox/").get_data(as_text=True)
    assert nobody.get(f"/kasus/{other.id}").status_code == 404
    assert other.reference not in nobody.get("/kasus/").get_data(as_text=True)


def test_a_running_case_keeps_its_form_version(db_session):
    v1 = small_package("uji_versi", "uji_versi")
    deploy_package(db_session, v1)
    old = cases.start_case(db_session, "uji_versi", {}, "uji", region_code=VILLAGE)
    stricter = dict(FORM, properties={"catatan": {"type": "string", "title": "Catatan", "minLength": 20}})
    v2 = small_package("uji_versi", "uji_versi", forms={"tinjau.schema.json": stricter})
    result = deploy_package(db_session, v2)
    assert result.created and result.package.version == 2
    new = cases.start_case(db_session, "uji_versi", {}, "uji", region_code=VILLAGE)
    operator = Principal("op", frozenset({"Tim Uji"}), scopes=(("Tim Uji", "office"),))

    def row(case: Case) -> InboxTask:
        return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))

    with pytest.raises(FormInvalid) as caught:  # v2's form: at least 20 characters
        cases.complete_task(db_session, row(new).id, operator, {"catatan": "pendek saja"})
    assert "catatan" in caught.value.errors
    # The v1 case still answers to v1's form (3 characters are enough there).
    cases.complete_task(db_session, row(old).id, operator, {"catatan": "pendek saja"})
    db_session.expire_all()
    assert db_session.get(Case, old.id).completed


def test_a_deploy_warns_of_a_declared_role_no_lane_uses(db_session):
    files = small_package("uji_peringatan", "uji_peringatan")
    desc = json.loads(files.files["bpmn/uji_peringatan/service.json"])
    desc["roles"].append({"name": "Operator Dinsos", "scope": "office"})
    files.files["bpmn/uji_peringatan/service.json"] = json.dumps(desc).encode()
    result = deploy_package(db_session, files)
    assert any("peran 'Operator Dinsos' dinyatakan tetapi tidak dipakai" in w for w in result.warnings)


def test_uploaded_archive_must_hold_one_package_and_only_its_folders():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bpmn/uji/service.json", "{}")
        archive.writestr("../etc/passwd", "x")
    with pytest.raises(DeployError, match=re.escape("../etc/passwd")):
        from_archive(buffer.getvalue())


def test_the_api_deploys_an_archive_for_designers_only(app, client):
    from tests.integration.test_work_api import token_for

    designer = token_for(client, "perancang")
    listed = client.get("/api/v1/packages/", headers=designer).get_json()["result"]
    assert {"pengaduan", "pbi_jkn", "izin_lks", "cota"} <= {p["code"] for p in listed}

    archive = small_package("uji_api", "uji_api").to_archive()
    operator = token_for(client, "operator")
    refused = client.post("/api/v1/packages/", headers=operator, data={"archive": (io.BytesIO(archive), "p.zip")},
                          content_type="multipart/form-data")
    assert refused.status_code in (401, 403)
    assert client.post("/api/v1/packages/", data={"archive": (io.BytesIO(archive), "p.zip")},
                       content_type="multipart/form-data").status_code == 401  # no JWT, no deploy

    created = client.post("/api/v1/packages/", headers=designer, data={"archive": (io.BytesIO(archive), "p.zip")},
                          content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"]["version"] == 1
    again = client.post("/api/v1/packages/", headers=designer, data={"archive": (io.BytesIO(archive), "p.zip")},
                        content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["result"]["version"] == 1

    broken = small_package("uji_api_rusak", "uji_api_rusak", role="Tim Siluman", script="import os").to_archive()
    response = client.post("/api/v1/packages/", headers=designer, data={"archive": (io.BytesIO(broken), "p.zip")},
                           content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 422 and "ditolak" in body["message"]
    assert {p["element_id"] for p in body["problems"]} >= {"Script_catat"}
    assert any("imports are not allowed" in p["message_en"] for p in body["problems"])


def test_every_deployed_line_shows_its_requirements_on_the_catalogue(client, db_session):
    from workflows.packages import latest_packages, text

    for package_row in latest_packages(db_session):
        catalogue = package_row.descriptor.catalogue
        for entry in catalogue.get("variants") or [None]:
            code = entry["code"] if entry else package_row.code
            page = client.get(f"/layanan/{code}")
            assert page.status_code == 200, code
            html = page.get_data(as_text=True)
            requirements = (entry or catalogue).get("requirements") or catalogue.get("requirements", [])
            for item in requirements:
                assert text(item).replace("&", "&amp;") in html or text(item) in html, (code, text(item))
