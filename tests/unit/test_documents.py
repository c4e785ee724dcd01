"""Upload checks of workflows/documents.py and the file store: by content, not by name."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.files import JPEG, PDF, PNG, pdf
from workflows import documents, storage
from workflows.documents import UploadRefused, check_upload

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
        check_upload(PDF + b"\x00" * 2048, "ktp.pdf", max_bytes=len(PDF) + 1024)
    assert check_upload(PDF, "ktp.pdf", max_bytes=len(PDF)).mime == "application/pdf"


def test_storage_keys_cannot_escape_the_store(tmp_path, monkeypatch):
    monkeypatch.setitem(storage.SETTINGS.roots, documents.AREA, tmp_path)
    key = storage.store(None, documents.AREA, PDF, "pdf")
    assert storage.path_of(key).read_bytes() == PDF and storage.path_of(key).is_relative_to(tmp_path)
    for bad in ("../etc/passwd", "documents/2026/../../x.pdf", "/etc/passwd", "documents/2026/abc.pdf", ""):
        with pytest.raises(ValueError):
            storage.path_of(bad)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (2.0, 32.0, 10.0), 3: "E", 4: (140.0, 42.0, 5.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_document_images_are_re_encoded_without_their_metadata():
    original = _jpeg_with_gps() + b"appended secret"
    assert Image.open(io.BytesIO(original)).getexif()
    checked = check_upload(original, "ktp.jpg")
    assert checked.mime == "image/jpeg" and checked.data != original
    assert b"appended secret" not in checked.data and b"PhoneMaker" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as clean:
        assert not clean.getexif() and clean.size == (64, 48)
    png = check_upload(PNG, "kk.png")
    assert png.mime == "image/png" and Image.open(io.BytesIO(png.data)).format == "PNG"  # scans stay sharp


def test_truncated_and_huge_images_are_refused():
    with pytest.raises(UploadRefused, match="terpotong"):
        check_upload(JPEG[: len(JPEG) // 2], "ktp.jpg")
    out = io.BytesIO()
    Image.new("1", (9000, 9000), 1).save(out, "PNG")
    with pytest.raises(UploadRefused, match="terlalu besar"):
        check_upload(out.getvalue(), "kk.png")


def test_pdfs_with_active_content_are_refused_and_plain_ones_kept_as_sent():
    assert check_upload(PDF, "sktm.pdf").data == PDF
    with pytest.raises(UploadRefused, match="konten aktif") as info:
        check_upload(pdf(javascript="app.alert('x')"), "sktm.pdf")
    assert "active content" in str(info.value)
    # A launch action written by hand, not by a library: still found.
    launch = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >>", 1)
    assert launch != PDF
    with pytest.raises(UploadRefused, match="konten aktif"):
        check_upload(launch, "sktm.pdf")
    with pytest.raises(UploadRefused, match="rusak"):
        check_upload(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "sktm.pdf")


def test_password_protected_pdfs_are_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt("rahasia")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UploadRefused, match="kata sandi"):
        check_upload(out.getvalue(), "kk.pdf")


def test_remove_orphans_checks_in_batches_within_its_limit(db_session, tmp_path, monkeypatch):
    import os
    import secrets

    monkeypatch.setattr(storage, "SETTINGS", storage.StorageSettings(
        roots={"uji": tmp_path}, owners={"uji": [documents.CaseDocument.storage_key]}))
    folder = tmp_path / "uji" / "2026"
    folder.mkdir(parents=True)
    old = [folder / f"{secrets.token_hex(16)}.pdf" for _ in range(520)]
    for path in old:
        path.write_bytes(b"x")
        os.utime(path, (1_000_000_000, 1_000_000_000))
    fresh = folder / f"{secrets.token_hex(16)}.pdf"
    fresh.write_bytes(b"x")  # a step still in flight keeps its file
    assert storage.remove_orphans(db_session, limit=510) == 510  # more than one batch of 500
    assert storage.remove_orphans(db_session) == 10
    assert fresh.is_file() and not any(path.exists() for path in old)
