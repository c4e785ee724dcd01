"""The generic task property `assigneeVariable` and the form helpers for files and prefill."""

from __future__ import annotations

import json

from sqlalchemy.dialects import sqlite

import forms
from app.formfields import fields_for, prefill
from tests.conftest import ROOT
from workflows.inbox import inbox_query
from workflows.parsing import parse_files
from workflows.principal import KELURAHAN_OFFICER, Principal


def form(name: str) -> dict:
    """A form of the PBI-JKN package, as the engine reads it."""
    raw = json.loads((ROOT / "forms" / "pbi_jkn" / name).read_text(encoding="utf-8"))
    return forms.prepare(raw) if name.endswith(".schema.json") else raw


def test_assignee_variable_is_read_from_the_bpmn():
    bpmn = {"pbi_jkn.bpmn": (ROOT / "bpmn" / "pbi_jkn" / "pbi_jkn.bpmn").read_bytes()}
    result = parse_files(bpmn, {})
    assert result.problems == []
    parsed = result.processes[0]
    meta = parsed.task_meta
    assert meta["perbaiki_berkas"]["assignee_variable"] == "pengaju"
    assert meta["serahkan_surat"]["assignee_variable"] == "pengaju"
    assert meta["verifikasi"]["assignee_variable"] is None
    assert parsed.process_meta["referencePrefix"] == "PBI"


def test_inbox_shows_assigned_tasks_only_to_their_assignee():
    sql = str(inbox_query(Principal("rina", frozenset({KELURAHAN_OFFICER}), "91.71.01.1001",
                                      scopes=((KELURAHAN_OFFICER, "region"),))).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert "inbox_task.assignee IS NULL OR inbox_task.assignee = 'rina'" in sql


def test_file_fields_and_prefill():
    fields = {f.name: f for f in fields_for(form("pbi_permohonan.schema.json"), form("pbi_permohonan.uischema.json"))}
    assert fields["ktp"].widget == "file" and fields["ktp"].required
    assert fields["darurat"].widget == "checkbox" and fields["nik"].widget == "text"
    data = {"nama": "Yohana", "no_kk": "9171010101230001", "ktp": 7, "keputusan": "tidak_lengkap"}
    assert prefill(form("pbi_perbaiki.schema.json"), form("pbi_perbaiki.uischema.json"), data) == {
        "nama": "Yohana", "no_kk": "9171010101230001"}
    # Without "ui:prefill" nothing is prefilled (a verifier decides afresh each round).
    assert prefill(form("pbi_verifikasi.schema.json"), form("pbi_verifikasi.uischema.json"), data) == {}
