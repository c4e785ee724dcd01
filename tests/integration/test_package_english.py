"""A package's English (bpmn/<code>/en.json, forms/en.json for the shared lists): every bundled package
has English for every text people read; the check warns of a text without it; pages in English show
task names, statuses, roles, form labels and categories from the tables, Indonesian where one is missing."""

from __future__ import annotations

import json
import re

import pytest

import forms
from tests.conftest import ROOT, csrf_token
from tests.integration.test_complaint_http import case_by_ticket, open_task, submit_complaint
from tests.packages import bundled, changed, descriptor, package
from workflows.errors import DeployError
from workflows.packages import bundled_codes, deploy_package
from workflows.packages.checks import check_package

NO_ENGLISH = "has no English"

ONE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_enuji" targetNamespace="uji">
  <bpmn:process id="inggris_uji" name="Uji bahasa" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="Lane_op" name="Operator Dinsos"><bpmn:flowNodeRef>tinjau</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="mulai" name="Permohonan uji masuk"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="tinjau" />
    <bpmn:userTask id="tinjau" name="Tinjau Permohonan Uji">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="tinjau.schema.json" />
        <spiffworkflow:property name="caseStatus" value="Sedang ditinjau" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" name="sudah ditinjau" sourceRef="tinjau" targetRef="selesai" />
    <bpmn:endEvent id="selesai"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
FORM = {"type": "object", "properties": {"hasil": {"type": "string", "title": "Hasil tinjauan",
                                                   "enum": ["ya", "tidak"],
                                                   "x-label": {"ya": "Disetujui", "tidak": "Ditolak uji"}}}}


def _one_task_package(code: str, english: dict[str, str] | None = None, raw: bytes | None = None):
    files = package(code, {"uji.bpmn": ONE_TASK.replace("inggris_uji", code).encode()},
                    descriptor(code, code, {"Operator Dinsos": "office"}),
                    forms={"tinjau.schema.json": FORM})
    if english is not None or raw is not None:
        files.files[f"bpmn/{code}/en.json"] = raw if raw is not None else json.dumps(english).encode()
    return files


def test_every_bundled_package_has_english_for_every_text_people_read():
    missing = {}
    for code in bundled_codes(ROOT):
        checked = check_package(bundled(code))
        assert checked.ok, (code, [str(p) for p in checked.problems])
        assert checked.user_texts, code  # the collection itself works: every package has texts
        without = [str(w) for w in checked.warnings if NO_ENGLISH in w.message_en or "is not used" in w.message_en]
        if without:
            missing[code] = without
    assert not missing, json.dumps(missing, ensure_ascii=False, indent=1)
    assert len(bundled_codes(ROOT)) >= 15


def test_every_shared_list_entry_has_english():
    english = forms.shared_english()
    assert [c["nama"] for c in forms.pmks_categories() if c["nama"] not in english] == []
    assert english["Diterima"] and english["Dibuka kembali"]  # statuses the engine itself sets


def test_the_check_warns_of_each_text_without_english_in_both_languages():
    code = "pengaduan"
    original = bundled(code)
    table = json.loads(original.get("bpmn", "en.json"))
    del table["Verifikasi Pengaduan"], table["Kategori PMKS"]
    files = dict(original.files)
    files[f"bpmn/{code}/en.json"] = json.dumps(table, ensure_ascii=False).encode()
    checked = check_package(type(original)(code, files))
    assert checked.ok  # a warning, never a refusal
    found = [w for w in checked.warnings if NO_ENGLISH in w.message_en]
    assert {(w.file, w.element_id) for w in found} == {
        ("pengaduan.bpmn", "verifikasi"), ("forms/pengaduan/pengaduan_lapor.schema.json", "/properties/kategori/title")}
    warning = next(w for w in found if w.element_id == "verifikasi")
    assert warning.message_id == 'teks "Verifikasi Pengaduan" belum punya terjemahan Inggris di bpmn/pengaduan/en.json'
    assert warning.message_en == 'text "Verifikasi Pengaduan" has no English in bpmn/pengaduan/en.json'


def test_deploy_warns_of_a_package_without_english_and_refuses_an_unreadable_table(db_session):
    result = deploy_package(db_session, _one_task_package("inggris_uji_a"))
    texts = {re.search(r'teks "([^"]+)"', w).group(1) for w in result.warnings if "terjemahan Inggris" in w}
    assert texts == {"Tinjau Permohonan Uji", "Sedang ditinjau", "Operator Dinsos", "Hasil tinjauan",
                     "Disetujui", "Ditolak uji", "Permohonan uji masuk", "sudah ditinjau"}  # an event's, a flow's name

    complete = {t: f"EN {t}" for t in texts}
    result = deploy_package(db_session, _one_task_package("inggris_uji_b", {**complete, "Tugas lama": "Old task"}))
    assert not [w for w in result.warnings if "terjemahan Inggris" in w]
    assert [w for w in result.warnings if "tidak dipakai" in w] == [
        'bpmn/inggris_uji_b/en.json · Tugas lama: entri "Tugas lama" tidak dipakai teks mana pun di paket ini '
        '(entry "Tugas lama" is not used by any text of this package)']

    with pytest.raises(DeployError) as refused:
        deploy_package(db_session, _one_task_package("inggris_uji_c", raw=b'{"Tinjau": 3}'))
    assert "bpmn/inggris_uji_c/en.json" in str(refused.value) and "must be a string" in str(refused.value)


def test_bilingual_validation_messages_need_no_entry_and_others_do():
    original = bundled("izin_ziarah")
    path = "forms/izin_ziarah/ziarah_permohonan.schema.json"
    bilingual = b'"x-pesan": "NIK harus 16 digit angka. (NIK must be 16 digits.)"'
    only_indonesian = changed(original, path, bilingual, b'"x-pesan": "NIK harus 16 digit angka."')
    assert not [w for w in check_package(original).warnings if NO_ENGLISH in w.message_en]
    found = [w for w in check_package(only_indonesian).warnings if NO_ENGLISH in w.message_en]
    assert [w.message_id.split('"')[1] for w in found] == ["NIK harus 16 digit angka."]


# --- pages in English -------------------------------------------------------------------------


def _english(client):
    client.get("/lang/en")
    return client


def test_inbox_task_page_and_case_page_show_the_packages_english(client, login_as, db_session):
    ticket, _code = submit_complaint(client, kategori="pemulung")
    case = case_by_ticket(db_session, ticket)
    task = open_task(db_session, case, "verifikasi")
    operator = _english(login_as("operator"))
    try:
        inbox = operator.get("/inbox/?layanan=pengaduan&kategori=pemulung").get_data(as_text=True)
        row = re.search(rf'<a href="/inbox/{task.id}">([^<]+)</a>', inbox)
        assert row and row.group(1) == "Complaint verification"
        assert ">Waste picker</td>" in inbox  # the PMKS category column

        page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
        assert "<h2>Complaint verification</h2>" in page
        assert "<strong>Verification</strong>" in page  # the case's status
        assert '<label for="f_keputusan">Decision' in page
        assert "Valid: forward to the bidang" in page and "Valid: teruskan ke bidang" not in page
        assert "Reason for rejection (seen by the reporter)" in page

        case_page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
        assert 'id="case-status">Verification</strong>' in case_page
        assert "<td>Complaint verification</td><td>Dinsos operator" in case_page
        assert "Waste picker" in case_page and "PMKS category" in case_page  # a field's label and value
        timeline = case_page.split("ligat-timeline-item", 1)[1]
        assert '<span class="label label-primary">Verification</span>' in timeline  # the status change
    finally:
        operator.get("/lang/id")
    # The same pages in Indonesian still read the package's own texts.
    operator = login_as("operator")
    page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert "<h2>Verifikasi Pengaduan</h2>" in page and "Valid: teruskan ke bidang" in page


def test_tracking_page_shows_statuses_and_stages_in_english(client, db_session):
    ticket, code = submit_complaint(client, kategori="pengemis")
    english = _english(client)
    try:
        html = english.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
        assert re.search(r'id="status">([^<]+)<', html).group(1) == "Verification"
        timeline = html.split('id="timeline"', 1)[1]
        assert "<strong>Received</strong>" in timeline and "<strong>Verification</strong>" in timeline
        assert "Diterima" not in timeline
        stages = html.split('id="stages"', 1)[1].split("</ol>", 1)[0]
        assert "Field follow-up" in stages and "Tindak Lanjut Lapangan" not in stages
        assert " · Beggar · " in html  # the report's category
    finally:
        client.get("/lang/id")


def test_report_form_categories_and_a_public_start_form_in_english(client):
    english = _english(client)
    try:
        report = english.get("/lapor").get_data(as_text=True)
        assert '<span class="name">Street child</span>' in report
        assert '<span class="name">Anak jalanan</span>' not in report
        form = english.get("/layanan/beasiswa/ajukan").get_data(as_text=True)
        assert "Student&#39;s name" in form or "Student's name" in form
        assert "Nama siswa / mahasiswa" not in form
        assert "Junior secondary (SMP/MTs)" in form
    finally:
        client.get("/lang/id")
    report = client.get("/lapor").get_data(as_text=True)
    assert '<span class="name">Anak jalanan</span>' in report


def test_a_text_without_english_falls_back_to_indonesian(app):
    from app.package_english import package_text

    with app.test_request_context("/"):
        from flask import session

        session["locale"] = "en"
        assert package_text("Verifikasi Pengaduan") == "Complaint verification"
        assert package_text("Diterima") == "Received"  # the shared table
        assert package_text("Teks yang tidak ada di tabel mana pun") == "Teks yang tidak ada di tabel mana pun"
        assert package_text(None) == ""
    with app.test_request_context("/"):
        from flask import session

        session["locale"] = "id"
        assert package_text("Verifikasi Pengaduan") == "Verifikasi Pengaduan"


# --- the workbench ------------------------------------------------------------------------------


def test_workbench_edits_the_english_table_and_adds_missing_texts(login_as):
    designer = login_as("perancang")
    code = "pengaduan"
    token = csrf_token(designer, f"/perancang/{code}/")
    assert designer.post(f"/perancang/{code}/draf", data={"csrf_token": token}).status_code == 302
    try:
        draft = designer.get(f"/perancang/{code}/draf/").get_data(as_text=True)
        assert "bpmn/pengaduan/en.json" in draft and "Teks Inggris" in draft
        path = "bpmn/pengaduan/en.json"
        editor = designer.get(f"/perancang/{code}/draf/berkas/{path}").get_data(as_text=True)
        assert 'id="json-source"' in editor and "Complaint verification" in editor

        table = json.loads(bundled(code).get("bpmn", "en.json"))
        del table["Verifikasi Pengaduan"]
        saved = designer.post(f"/perancang/{code}/draf/berkas/{path}",
                              data={"csrf_token": token, "content": json.dumps(table, ensure_ascii=False)})
        assert saved.status_code == 302
        changes = designer.get(f"/perancang/{code}/draf/terbitkan").get_data(as_text=True)
        assert 'data-key="Verifikasi Pengaduan"' in changes  # the diff names the text taken out
        check = designer.get(f"/perancang/{code}/draf/periksa").get_data(as_text=True)
        assert "Verifikasi Pengaduan" in check and "belum punya terjemahan Inggris" in check

        filled = designer.post(f"/perancang/{code}/draf/inggris", data={"csrf_token": token})
        assert filled.status_code == 302 and filled.headers["Location"].endswith(path)
        editor = designer.get(f"/perancang/{code}/draf/berkas/{path}").get_data(as_text=True)
        assert "&#34;Verifikasi Pengaduan&#34;: &#34;&#34;" in editor or '"Verifikasi Pengaduan": ""' in editor
        assert "Complaint verification" not in editor and "Field follow-up" in editor  # others kept
    finally:
        designer.post(f"/perancang/{code}/draf/buang", data={"csrf_token": token})


def test_dashboard_and_heatmap_show_stage_names_and_lines_in_english(client, login_as):
    submit_complaint(client, kategori="gelandangan")  # an open verification task to count
    head = _english(login_as("kadis"))
    try:
        dashboard = head.get("/dasbor/").get_data(as_text=True)
        assert "<td>Complaint verification</td>" in dashboard
        assert ">Public complaints / PMKS reports</option>" in dashboard  # the line filter
        assert ">Homeless person</option>" in dashboard  # the category filter
        heatmap = head.get("/dasbor/peta-proses/pengaduan").get_data(as_text=True)
        assert "<td>Complaint verification</td>" in heatmap and "<td>Verifikasi Pengaduan</td>" not in heatmap
        diagram = head.get("/dasbor/peta-proses/pengaduan/diagram.bpmn").get_data(as_text=True)
        assert 'id="verifikasi" name="Complaint verification"' in diagram  # the names the viewer draws
        assert 'name="Dinsos operator"' in diagram  # a lane
    finally:
        head.get("/lang/id")
