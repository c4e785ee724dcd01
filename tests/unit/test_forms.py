"""Server-side form validation: JSON Schema with messages in Bahasa Indonesia."""

from __future__ import annotations

import json

import pytest

import forms
from tests.conftest import ROOT


def load(name: str) -> dict:
    """A form of the complaint package as the engine prepares it."""
    return forms.prepare(json.loads((ROOT / "forms" / "pengaduan" / name).read_text(encoding="utf-8")))


def test_conditional_requirements_name_the_field():
    cleaned, errors = forms.validate(load("pengaduan_verifikasi.schema.json"), {"keputusan": "tidak_valid"})
    assert cleaned == {"keputusan": "tidak_valid"}
    assert errors == {"alasan": "Wajib diisi. (Required.)"}
    _, errors = forms.validate(load("pengaduan_verifikasi.schema.json"), {"keputusan": "perlu_informasi"})
    assert set(errors) == {"pertanyaan"}
    assert forms.validate(load("pengaduan_verifikasi.schema.json"), {"keputusan": "valid"})[1] == {}


def test_undeclared_fields_are_dropped_and_blanks_are_absent():
    cleaned, errors = forms.validate(
        load("pengaduan_verifikasi.schema.json"), {"keputusan": "valid", "bidang": "x", "catatan": "   "}
    )
    assert cleaned == {"keputusan": "valid"} and errors == {}


def test_messages_for_enum_length_pattern_and_date():
    _, errors = forms.validate(load("pengaduan_lapor.schema.json"),
        {"kategori": "zzz", "deskripsi": "pendek", "lokasi": "Jl. A", "kode_wilayah": "91.71", "telepon": "x"},
    )
    assert errors["kategori"].startswith("Pilih salah satu")
    assert errors["deskripsi"].startswith("Minimal 10 karakter")
    assert errors["kode_wilayah"].startswith("Format tidak sesuai")
    assert errors["telepon"].startswith("Nomor HP tidak valid")
    _, errors = forms.validate(load("pengaduan_tindak_lanjut.schema.json"), {"tanggal_kunjungan": "2026-02-30"})
    assert errors["tanggal_kunjungan"].startswith("Format tidak sesuai")


def test_booleans_from_html_checkboxes():
    cleaned, _ = forms.validate(load("pengaduan_lapor.schema.json"), {"anonim": "true"})
    assert cleaned["anonim"] is True
    cleaned, _ = forms.validate(load("pengaduan_lapor.schema.json"), {})
    assert cleaned["anonim"] is False


def test_pmks_categories_feed_the_enum():
    schema = load("pengaduan_lapor.schema.json")
    codes = [c["kode"] for c in forms.pmks_categories()]
    assert schema["properties"]["kategori"]["enum"] == codes
    assert "lanjut_usia_terlantar" in codes and "odgj_terlantar" in codes


def test_prepare_refuses_a_schema_that_is_not_json_schema():
    from jsonschema.exceptions import SchemaError

    with pytest.raises(SchemaError):
        forms.prepare({"type": "object", "properties": {"x": {"type": "bilangan"}}})


def test_each_schema_is_checked_against_itself() -> None:
    # Validators are kept by schema object: two schemas used in turn each keep their own rules.
    short = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 2}}}
    number = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    for _ in range(2):
        assert forms.validate(short, {"a": "abc"})[1]
        assert not forms.validate(short, {"a": "ab"})[1]
        assert forms.validate(number, {})[1]
        assert not forms.validate(number, {"a": "7"})[1]
    assert not forms.validate({"type": "object"}, {"a": "abc"})[1]
