"""Generic mechanisms for lines that work in lists: many cases from one spreadsheet (with a
document shared by every row) and a month's list downloaded as XLSX or CSV."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.files import PDF
from tests.packages import descriptor, package
from workflows.db import Case, InboxTask
from workflows.documents import CaseDocument

VILLAGE, OTHER_VILLAGE = "91.71.01.1001", "91.71.03.1002"
BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_daftar" targetNamespace="uji">
  <bpmn:process id="uji_daftar" name="Uji daftar" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_kel" name="Petugas Kelurahan" />
      <bpmn:lane id="Lane_op" name="Operator Dinsos"><bpmn:flowNodeRef>setujui</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="setujui" />
    <bpmn:userTask id="setujui" name="Setujui usulan">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="setujui.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="setujui" targetRef="catat" />
    <bpmn:scriptTask id="catat" name="Catat keputusan">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>set_status("Disetujui" if keputusan == "setuju" else "Ditolak")</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="catat" targetRef="selesai" />
    <bpmn:endEvent id="selesai"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
START = {"type": "object", "required": ["nik", "nama", "kode_wilayah", "berita_acara"], "properties": {
    "nik": {"type": "string", "title": "NIK", "pattern": "^[0-9]{16}$"},
    "nama": {"type": "string", "title": "Nama", "minLength": 2},
    "kode_wilayah": {"type": "string", "title": "Kelurahan"},
    "berita_acara": {"type": "integer", "title": "Berita acara musyawarah", "x-berkas": True}}}
APPROVE = {"type": "object", "required": ["keputusan"],
           "properties": {"keputusan": {"type": "string", "enum": ["setuju", "tolak"]}}}


def deploy(app):
    from app.setup import deploy_with_roles

    desc = descriptor("uji_daftar", "uji_daftar", {"Petugas Kelurahan": "region", "Operator Dinsos": "office"},
                      start={"roles": ["Petugas Kelurahan"], "form": "start.schema.json",
                             "validators": [{"check": "nik", "field": "nik"},
                                            {"check": "village", "field": "kode_wilayah"}],
                             "case": {"title": "Usulan {nama}", "region": "kode_wilayah", "subject_nik": "nik"},
                             "bulk": {"documents": ["berita_acara"]}},
                      exports=[{"code": "disetujui", "name": {"id": "Usulan disetujui", "en": "Approved proposals"},
                                "statuses": ["Disetujui"],
                                "columns": [{"field": "reference", "label": {"id": "Nomor", "en": "Number"}},
                                            {"field": "nik", "label": {"id": "NIK", "en": "NIK"}},
                                            {"field": "nama", "label": {"id": "Nama", "en": "Name"}}]}])
    with app.app_context():
        deploy_with_roles(package("uji_daftar", {"uji_daftar.bpmn": BPMN}, desc,
                                  forms={"start.schema.json": START, "setujui.schema.json": APPROVE}), "uji")


def send(client, content: bytes, name: str, with_minutes: bool = True):
    data = {"csrf_token": csrf_token(client, "/kantor/layanan/uji_daftar/massal"),
            "daftar": (io.BytesIO(content), name)}
    if with_minutes:
        data["berita_acara"] = (io.BytesIO(PDF), "berita-acara.pdf")
    return client.post("/kantor/layanan/uji_daftar/massal", data=data, content_type="multipart/form-data")


def test_a_list_starts_every_case_or_none_and_the_month_exports(app, login_as, db_session):
    deploy(app)
    kelurahan = login_as("kelurahan.gurabesi")
    page = kelurahan.get("/kantor/layanan/uji_daftar/massal").get_data(as_text=True)
    assert "<code>nik</code>" in page and "<code>berita_acara</code>" not in page  # files are not columns
    template = load_workbook(io.BytesIO(kelurahan.get("/kantor/layanan/uji_daftar/massal/templat.xlsx").data)).active
    assert [c.value for c in template[1]] == ["nik", "nama", "kode_wilayah"]
    before = db_session.query(Case).filter(Case.process_id == "uji_daftar").count()

    # A list with a good row and a bad one (wrong NIK, a village outside the officer's region): the good
    # row starts, the bad one is reported by row; the minutes are required.
    assert send(kelurahan, b"nik,nama,kode_wilayah\n9171014505900001,Maria," + VILLAGE.encode() + b"\n", "d.csv",
                with_minutes=False).status_code == 422
    assert db_session.query(Case).filter(Case.process_id == "uji_daftar").count() == before
    mixed = ("nik,nama,kode_wilayah\n9171014505900001,Maria Wenda," + VILLAGE + "\n12345,Yakob," + OTHER_VILLAGE + "\n")
    response = send(kelurahan, mixed.encode(), "daftar.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 kasus dibuat" in html, html[:3000]
    assert 'data-row="3"' in html and 'data-row="2"' not in html and "wilayah kerja Anda" in html
    references = re.findall(r'>(UJI-\d{4}-\d{6})</a> · Usulan', html)

    # The corrected list, as XLSX: the row that started before starts nothing twice; the fixed row starts.
    book = Workbook()
    sheet = book.active
    sheet.append(["nik", "nama", "kode_wilayah"])
    sheet.append(["9171014505900001", "Maria Wenda", VILLAGE])
    sheet.append(["9171010101800002", "Yohanes Kogoya", VILLAGE])
    out = io.BytesIO()
    book.save(out)
    response = send(kelurahan, out.getvalue(), "daftar.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 kasus dibuat" in html and 'id="already"' in html, html[:3000]
    assert f"Baris 2: {references[0]}" in html
    references += re.findall(r'>(UJI-\d{4}-\d{6})</a> · Usulan', html)
    assert db_session.query(Case).filter(Case.process_id == "uji_daftar").count() == before + 2
    started = [db_session.scalar(select(Case).where(Case.reference == r)) for r in references]
    assert sorted(c.title for c in started) == ["Usulan Maria Wenda", "Usulan Yohanes Kogoya"]
    for case in started:  # each case has its own copy of the minutes
        kinds = [d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id))]
        assert kinds == ["berita_acara"]

    operator = login_as("operator")
    for case, decision in zip(started, ("setuju", "tolak"), strict=True):
        task = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
        response = operator.post(f"/inbox/{task.id}", data={"csrf_token": csrf_token(operator, f"/inbox/{task.id}"),
                                                            "keputusan": decision})
        assert response.status_code == 302
    export = operator.get("/kantor/layanan/uji_daftar/ekspor/disetujui?format=xlsx")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "private, no-store"
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Nomor", "NIK", "Nama")
    mine = [r for r in rows[1:] if r[0] in references]
    assert [(r[1], r[2]) for r in mine] == [("9171014505900001", "Maria Wenda")]  # the approved one only
    from workflows.persons import PersonView

    logged = db_session.scalars(select(PersonView.context).where(PersonView.nik == "9171014505900001",
                                                                 PersonView.username == "operator")).all()
    assert any(c.startswith("ekspor:uji_daftar:disetujui:") for c in logged)  # the export carries identities
    csv_text = operator.get("/kantor/layanan/uji_daftar/ekspor/disetujui?format=csv").data.decode("utf-8-sig")
    assert "Maria Wenda" in csv_text and "Yohanes" not in csv_text
    assert kelurahan.get("/kantor/layanan/uji_daftar/ekspor/disetujui").status_code == 403  # region role
    assert operator.get("/kantor/layanan/uji_daftar/ekspor/disetujui?bulan=2001-01").status_code == 200
    bad = operator.get("/kantor/layanan/uji_daftar/ekspor/disetujui?bulan=2026-13")
    assert bad.status_code == 400 and "TTTT-BB" in bad.get_data(as_text=True)
    page = operator.get("/kantor/layanan/").get_data(as_text=True)  # the month and format are chosen on the page
    assert 'name="bulan"' in page and '<option value="csv">CSV</option>' in page
    assert operator.get("/kantor/layanan/uji_daftar/ekspor/disetujui?format=csv").mimetype == "text/csv"


def test_lists_that_cannot_be_read_get_a_message_and_exports_never_run_formulas(app, login_as):
    from app.services import tables

    deploy(app)
    kelurahan = login_as("kelurahan.gurabesi")
    for content, name in ((b"PK\x03\x04 not really a workbook", "daftar.xlsx"), (b"nik\n9171014505900001\n", "d.csv"),
                          (b"x" * (tables.MAX_BYTES + 10), "besar.csv")):
        response = send(kelurahan, content, name)
        assert response.status_code in (200, 422), (name, response.status_code)
        assert response.status_code != 500
    assert "tidak dapat dibaca" in send(kelurahan, b"PK\x03\x04 rusak", "d.xlsx").get_data(as_text=True)
    assert "terlalu besar" in send(kelurahan, b"x" * (tables.MAX_BYTES + 10), "d.csv").get_data(as_text=True)
    # A one-column list is read (and its rows checked), not refused for lack of a separator.
    html = send(kelurahan, b"nik\n9171014505900001\n", "d.csv").get_data(as_text=True)
    assert 'data-row="2"' in html and "Wajib diisi" in html

    book = load_workbook(io.BytesIO(tables.write_xlsx(["nama"], [["=HYPERLINK(\"http://x\")"], ["+62 812"]])))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s", "s"] and cells[0].value == "=HYPERLINK(\"http://x\")"
    assert tables.write_csv(["nama"], [["@SUM(A1)"]]).decode("utf-8-sig").splitlines()[1] == "'@SUM(A1)"


def test_a_nik_stored_as_a_number_is_refused_not_altered(app, login_as, db_session):
    deploy(app)
    kelurahan = login_as("kelurahan.gurabesi")
    template = load_workbook(io.BytesIO(kelurahan.get("/kantor/layanan/uji_daftar/massal/templat.xlsx").data))
    assert template.active.column_dimensions["A"].number_format == "@"  # typed NIKs stay text
    book = Workbook()
    sheet = book.active
    sheet.append(["nik", "nama", "kode_wilayah"])
    sheet.append([9171014505900120, "Maria Wenda", VILLAGE])  # what a spreadsheet does with a typed NIK
    out = io.BytesIO()
    book.save(out)
    before = db_session.query(Case).filter(Case.process_id == "uji_daftar").count()
    response = send(kelurahan, out.getvalue(), "daftar.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Sel A2 berisi nomor panjang" in html
    assert db_session.query(Case).filter(Case.process_id == "uji_daftar").count() == before
