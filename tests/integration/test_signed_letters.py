"""Issued PDF letters carry the office's PAdES signature: validated here with pyHanko's own
validation API (intact, whole file, signer = the configured certificate), a changed PDF reads as
broken, and the public verification page shows the signature's state beside the hash."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

import letters
from tests.integration.test_pbi_jkn_http import approve, new_nik, submit, verify_ok
from workflows import signing, storage
from workflows.issued_letters import Letter


def test_demo_certificate_is_made_once_for_the_office(app, tmp_path: Path):
    cert, key = signing.ensure_demo_certificate(tmp_path, "Dinas Sosial Uji")
    again = signing.ensure_demo_certificate(tmp_path, "Dinas Sosial Uji")
    assert (cert, key) == again and key.stat().st_mode & 0o077 == 0
    subject = load_cert_from_pemder(str(cert)).subject.native
    assert subject["common_name"].startswith("Dinas Sosial Uji") and subject["country_name"] == "ID"
    # The app signs with the demo certificate made under its var directory when none is configured.
    assert signing.SETTINGS.enabled
    assert Path(app.config["LIGAT_SIGNING_DEMO_DIR"]) == signing.SETTINGS.cert_path.parent


def _pdf() -> bytes:
    document = docx.Document()
    document.add_paragraph("Surat uji tanda tangan elektronik.")
    out = io.BytesIO()
    document.save(out)
    return letters.to_pdf(out.getvalue())


def test_signed_pdf_validates_with_pyhanko_and_a_changed_one_is_broken(app):
    signed = signing.sign_pdf(_pdf(), "Surat uji")
    reader = PdfFileReader(io.BytesIO(signed))
    [embedded] = reader.embedded_signatures
    trusted = load_cert_from_pemder(str(signing.SETTINGS.cert_path))
    context = ValidationContext(trust_roots=[trusted], allow_fetching=False)
    # On a thread of its own: pyHanko starts an asyncio loop, and a browser test may have left one running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(validate_pdf_signature, embedded, context).result()
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.sha256 == trusted.sha256
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signing.signature_state(signed).state == signing.VALID

    changed = bytearray(signed)
    content = changed.find(b"stream", len(changed) // 4)
    changed[content + 20] ^= 0x01
    assert signing.signature_state(bytes(changed)).state == signing.BROKEN
    assert signing.signature_state(signed + b"\n1 0 obj\n(tambahan)\nendobj\n").state == signing.BROKEN
    assert signing.signature_state(_pdf()).state == signing.UNSIGNED


def test_issued_letter_pdf_is_signed_and_the_verification_page_says_so(app, client, login_as, db_session):
    kelurahan = login_as("kelurahan.gurabesi")
    nik, born = new_nik()
    case_id = submit(kelurahan, nik=nik, born=born)
    operator = login_as("operator")
    verify_ok(operator, db_session, case_id)
    letter = approve(login_as("kadis"), db_session, case_id)
    response = operator.get(f"/berkas/surat/{letter.id}/pdf")
    assert response.status_code == 200
    state = signing.signature_state(response.data)
    assert state.state == signing.VALID and state.signer.startswith(app.config["LIGAT_OFFICE_NAME"])
    db_session.expire_all()
    letter = db_session.get(Letter, letter.id)
    assert letter.pdf_sha256 == letters.sha256_hex(response.data)

    page = client.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert 'data-signature="valid"' in page and state.signer in page and letter.pdf_sha256 in page

    # The stored PDF changed on the server: the page reports the signature broken.
    path = storage.path_of(letter.pdf_key)
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"/Type /Page", b"/Type /Page ", 1) if b"/Type /Page" in original
                         else original + b"\n% diubah\n")
        page = client.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
        assert 'data-signature="broken"' in page and "RUSAK" in page
    finally:
        path.write_bytes(original)

    # The stored PDF gone from the server: the page still answers, with the signature broken.
    moved = path.with_name(path.name + ".pindah")
    path.rename(moved)
    try:
        response = client.get(f"/verifikasi/{letter.token}")
        assert response.status_code == 200 and 'data-signature="broken"' in response.get_data(as_text=True)
    finally:
        moved.rename(path)


def test_verification_validates_each_pdf_once_and_is_rate_limited(app, client, login_as, db_session, monkeypatch):
    """The public page (no login) keeps a signature's validation by the PDF's hash: views after the first
    reuse it, a PDF changed on the server is another hash and is validated afresh; and it is rate-limited."""
    from sqlalchemy import select

    from workflows.signature_checks import SignatureCheck

    nik, born = new_nik()
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    operator = login_as("operator")
    verify_ok(operator, db_session, case_id)
    letter = approve(login_as("kadis"), db_session, case_id)
    assert operator.get(f"/berkas/surat/{letter.id}/pdf").status_code == 200
    db_session.expire_all()
    letter = db_session.get(Letter, letter.id)
    validations = []
    real = signing.signature_state
    monkeypatch.setattr(signing, "signature_state", lambda pdf: validations.append(len(pdf)) or real(pdf))
    for _ in range(3):
        assert 'data-signature="valid"' in client.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert len(validations) == 1
    kept = db_session.scalars(select(SignatureCheck).where(SignatureCheck.pdf_sha256 == letter.pdf_sha256)).all()
    assert [row.state for row in kept] == [signing.VALID] and kept[0].signer.startswith(app.config["LIGAT_OFFICE_NAME"])

    path = storage.path_of(letter.pdf_key)
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n% diubah\n")
        for _ in range(2):
            assert 'data-signature="broken"' in client.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
        assert len(validations) == 2
    finally:
        path.write_bytes(original)
    assert 'data-signature="valid"' in client.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert len(validations) == 2

    monkeypatch.setitem(app.config, "LIGAT_RATELIMIT_LOOKUP", "2 per minute")
    flood = app.test_client()
    flood.environ_base["REMOTE_ADDR"] = "10.77.0.15"
    for _ in range(2):
        assert flood.get(f"/verifikasi/{letter.token}").status_code == 200
    refused = flood.get(f"/verifikasi/{letter.token}")
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    assert flood.get("/verifikasi/" + "x" * 24).status_code == 429  # guessing tokens counts too
    assert client.get(f"/verifikasi/{letter.token}").status_code == 200  # another address is not affected


def test_one_letter_that_cannot_be_made_does_not_stop_the_others(app, db_session):
    """A letter whose .docx is gone is logged and skipped; the letters after it still get their
    signed PDF from the scheduler's job."""
    from sqlalchemy import select

    from tests.integration.test_letters_engine import KADIS, case_at_approval, open_row
    from workflows import cases, issued_letters

    made = []
    for _ in range(2):
        case = case_at_approval(db_session)
        cases.complete_task(db_session, open_row(db_session, case.id, "persetujuan").id, KADIS,
                            {"keputusan_persetujuan": "setuju"})
        made.append(db_session.scalar(select(Letter).where(Letter.case_id == case.id)))
    broken, fine = made
    path = storage.path_of(broken.docx_key)
    kept = path.read_bytes()
    path.unlink()
    try:
        issued_letters.render_pending_pdfs(db_session, limit=10_000)
        db_session.expire_all()
        assert db_session.get(Letter, broken.id).pdf_key is None
        fine = db_session.get(Letter, fine.id)
        assert fine.pdf_key and signing.signature_state(storage.read(fine.pdf_key)).state == signing.VALID
    finally:
        path.write_bytes(kept)


def test_letters_that_keep_failing_do_not_keep_a_new_letter_from_its_pdf(app, db_session):
    """The job takes a batch a run: letters that failed wait behind those that never did, so a new letter
    gets its PDF on the next run even when older letters keep failing (they are tried again after it)."""
    from sqlalchemy import select

    from tests.integration.test_letters_engine import KADIS, case_at_approval, open_row
    from workflows import cases, issued_letters

    def issue() -> Letter:
        case = case_at_approval(db_session)
        cases.complete_task(db_session, open_row(db_session, case.id, "persetujuan").id, KADIS,
                            {"keputusan_persetujuan": "setuju"})
        return db_session.scalar(select(Letter).where(Letter.case_id == case.id))

    broken = [issue(), issue()]
    paths = [storage.path_of(letter.docx_key) for letter in broken]
    kept = [path.read_bytes() for path in paths]
    for path in paths:
        path.unlink()
    try:
        issued_letters.render_pending_pdfs(db_session, limit=10_000)  # everything pending: the two fail
        db_session.expire_all()
        assert all(db_session.get(Letter, letter.id).pdf_failed_at for letter in broken)
        new = issue()
        assert issued_letters.render_pending_pdfs(db_session, limit=1) == 1  # the new one, not a broken one
        db_session.expire_all()
        assert db_session.get(Letter, new.id).pdf_key
        assert all(db_session.get(Letter, letter.id).pdf_key is None for letter in broken)
    finally:
        for path, data in zip(paths, kept, strict=True):
            path.write_bytes(data)
    # Their files back, the failed letters are made on a later run.
    issued_letters.render_pending_pdfs(db_session, limit=10_000)
    db_session.expire_all()
    assert all(db_session.get(Letter, letter.id).pdf_key for letter in broken)
