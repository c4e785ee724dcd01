"""Upload checks of workflows/documents.py and the file store: by content, not by name."""

from __future__ import annotations

import pytest

from workflows import documents, storage
from workflows.documents import UploadRefused, check_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


@pytest.mark.parametrize(("data", "mime", "ext"), [
    (PDF, "application/pdf", "pdf"), (PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg"),
])
def test_pdf_jpeg_png_accepted_whatever_the_name(data, mime, ext):
    checked = check_upload(data, "berkas.exe")  # the name does not matter, the content does
    assert (checked.mime, checked.extension) == (mime, ext)


@pytest.mark.parametrize("data", [EXE, ELF])
def test_renamed_executables_refused_with_a_clear_message(data):
    with pytest.raises(UploadRefused) as info:
        check_upload(data, "C:\\Users\\rina\\ktp.pdf")
    message = str(info.value)
    assert "ktp.pdf" in message and "isinya adalah program" in message and "executable" in message
    assert "C:\\" not in message  # only the file name is echoed back


@pytest.mark.parametrize("data", [b"<html><script>alert(1)</script></html>", b"PK\x03\x04" + b"\x00" * 40,
                                  b"GIF89a" + b"\x00" * 20, b"just text"])
def test_other_content_refused(data):
    with pytest.raises(UploadRefused, match="bukan PDF, JPEG atau PNG"):
        check_upload(data, "dokumen.pdf")


def test_empty_and_oversized_refused():
    with pytest.raises(UploadRefused, match="kosong"):
        check_upload(b"", "ktp.pdf")
    with pytest.raises(UploadRefused, match="terlalu besar"):
        check_upload(PDF + b"\x00" * 2048, "ktp.pdf", max_bytes=1024)
    assert check_upload(PDF, "ktp.pdf", max_bytes=len(PDF)).mime == "application/pdf"


def test_storage_keys_cannot_escape_the_store(tmp_path, monkeypatch):
    monkeypatch.setitem(storage.SETTINGS.roots, documents.AREA, tmp_path)
    key = storage.store(None, documents.AREA, PDF, "pdf")
    assert storage.path_of(key).read_bytes() == PDF and storage.path_of(key).is_relative_to(tmp_path)
    for bad in ("../etc/passwd", "documents/2026/../../x.pdf", "/etc/passwd", "documents/2026/abc.pdf", ""):
        with pytest.raises(ValueError):
            storage.path_of(bad)
