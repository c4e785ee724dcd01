"""What changed between two versions of a package (elements, form fields, descriptor keys, letters),
and what a single draft file must be before it is stored — on the bundled packages' real files."""

from __future__ import annotations

import json

import pytest

from tests.packages import bundled, changed
from workflows.packages import PackageFiles
from workflows.packages.diff import diff_files
from workflows.packages.drafts import DraftError, check_file

COMPLAINTS = bundled("pengaduan")
BPMN = "bpmn/pengaduan/pengaduan.bpmn"


def changes_of(result, path: str) -> list[dict]:
    return next(f for f in result.as_dict()["files"] if f["path"] == path)["changes"]


def test_same_files_no_changes_and_layout_moves_are_not_changes():
    assert diff_files(COMPLAINTS, PackageFiles("pengaduan", dict(COMPLAINTS.files))).empty
    moved = changed(COMPLAINTS, BPMN, b'<dc:Bounds x="', b'<dc:Bounds x="1')
    result = diff_files(COMPLAINTS, moved)
    assert [f.path for f in result.files] == [BPMN] and result.files[0].changes == []


def test_bpmn_elements_added_removed_and_changed_by_id():
    edited = changed(COMPLAINTS, BPMN, b'name="Verifikasi Pengaduan"', b'name="Verifikasi Laporan"')
    edited = changed(edited, BPMN, b"</bpmn:process>",
                     b'<bpmn:task id="tugas_baru" name="Tugas baru" /></bpmn:process>')
    found = changes_of(diff_files(COMPLAINTS, edited), BPMN)
    assert {"kind": "changed", "key": "verifikasi", "type": "userTask", "name": "Verifikasi Laporan"} in found
    assert {"kind": "added", "key": "tugas_baru", "type": "task", "name": "Tugas baru"} in found
    # The process holds every element, but only its own content counts: it did not change.
    assert not any(c["key"] == "pengaduan" for c in found)
    back = changes_of(diff_files(edited, COMPLAINTS), BPMN)
    assert {"kind": "removed", "key": "tugas_baru", "type": "task", "name": "Tugas baru"} in back


def test_form_fields_descriptor_keys_and_letters():
    form_path = "forms/pengaduan/pengaduan_verifikasi.schema.json"
    form = json.loads(COMPLAINTS.files[form_path])
    name = next(iter(form["properties"]))
    form["properties"][name]["title"] = "Judul baru"
    form["properties"]["catatan_baru"] = {"type": "string", "title": "Catatan"}
    descriptor = json.loads(COMPLAINTS.descriptor_bytes)
    descriptor["catalogue"]["sla"] = "PT48H"
    descriptor["reference_prefix"] = "ADU"
    files = dict(COMPLAINTS.files) | {form_path: json.dumps(form).encode(),
                                      "bpmn/pengaduan/service.json": json.dumps(descriptor).encode(),
                                      "letters/pengaduan/surat.docx": b"PK-a"}
    result = diff_files(COMPLAINTS, PackageFiles("pengaduan", files))
    fields = changes_of(result, form_path)
    assert {"kind": "changed", "key": name, "type": "field", "name": ""} in fields
    assert {"kind": "added", "key": "catatan_baru", "type": "field", "name": ""} in fields
    keys = {c["key"]: c["kind"] for c in changes_of(result, "bpmn/pengaduan/service.json")}
    assert keys == {"catalogue.sla": "changed", "reference_prefix": "added"}
    [letter] = changes_of(result, "letters/pengaduan/surat.docx")
    assert letter["kind"] == "added" and letter["name"].startswith("- → ")


@pytest.mark.parametrize(("path", "data", "english"), [
    ("bpmn/x/a.bpmn", b"<a><b></a>", "Invalid XML"),
    ("bpmn/x/a.bpmn", b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>', None),
    ("forms/x/a.json", b"[1]", "must be an object"),
    ("forms/x/a.json", b"\xff", "Invalid JSON"),
    ("letters/x/a.docx", b"%PDF-1.4", "not a valid Word"),
    ("letters/x/a.txt", b"teks", "Unknown file type"),
])
def test_a_draft_file_is_checked_by_content(path, data, english):
    if english is None:
        check_file(path, data)  # an external entity is not fetched: parsing stays inside the file
        return
    with pytest.raises(DraftError) as refused:
        check_file(path, data)
    assert english in refused.value.message_en and refused.value.message_id
