"""The generic task property `assigneeVariable` and the form helpers for files and prefill."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from app.formfields import fields_for, prefill
from tests.conftest import ROOT
from workflows.inbox import inbox_query
from workflows.parsing import parse_bpmn
from workflows.principal import KELURAHAN_OFFICER, Principal


def test_assignee_variable_is_read_from_the_bpmn():
    parsed = parse_bpmn((ROOT / "bpmn" / "pbi_jkn.bpmn").read_bytes(), source_name="pbi_jkn.bpmn")[0]
    meta = parsed.task_meta
    assert meta["perbaiki_berkas"]["assignee_variable"] == "pengaju"
    assert meta["serahkan_surat"]["assignee_variable"] == "pengaju"
    assert meta["verifikasi"]["assignee_variable"] is None
    assert parsed.process_meta["referencePrefix"] == "PBI"


def test_inbox_shows_assigned_tasks_only_to_their_assignee():
    sql = str(inbox_query(Principal("rina", frozenset({KELURAHAN_OFFICER}), "91.71.01.1001")).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert "inbox_task.assignee IS NULL OR inbox_task.assignee = 'rina'" in sql


def test_file_fields_and_prefill():
    fields = {f.name: f for f in fields_for("pbi_permohonan.schema.json", "pbi_permohonan.uischema.json")}
    assert fields["ktp"].widget == "file" and fields["ktp"].required
    assert fields["darurat"].widget == "checkbox" and fields["nik"].widget == "text"
    data = {"nama": "Yohana", "no_kk": "9171010101230001", "ktp": 7, "keputusan": "tidak_lengkap"}
    assert prefill("pbi_perbaiki.schema.json", "pbi_perbaiki.uischema.json", data) == {
        "nama": "Yohana", "no_kk": "9171010101230001"}
    # Without "ui:prefill" nothing is prefilled (a verifier decides afresh each round).
    assert prefill("pbi_verifikasi.schema.json", "pbi_verifikasi.uischema.json", data) == {}
