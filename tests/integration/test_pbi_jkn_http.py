"""The PBI-JKN recommendation-letter line end to end through HTTP: the kelurahan
officer submits with KTP/KK/SKTM, Dinsos verifies (and returns), the head of
office approves, the engine issues the letter, the kelurahan hands it over, and
anyone can verify the paper letter through its QR code."""

from __future__ import annotations

import hashlib
import io
import random
import re
import time
from datetime import date, timedelta

import docx
from PIL import Image
from sqlalchemy import func, select

import letters
from tests.conftest import csrf_token
from tests.files import JPEG, PDF, PNG
from tests.integration.service_helpers import whole_inbox
from workflows import audit, storage
from workflows.audit import verify_case
from workflows.cases import Upload, start_case
from workflows.db import AuditEvent, Case, InboxTask
from workflows.documents import CaseDocument, FileAccess, remove_stale_staged
from workflows.issued_letters import Letter
from workflows.persons import PersonView
from workflows.timers import wake_due_timers

VILLAGE = "91.71.01.1001"  # Gurabesi: kelurahan.gurabesi works here
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

_rng = random.Random()


def new_nik(female: bool = False) -> tuple[str, str]:
    """A structurally valid NIK of Jayapura Utara (91.71.01), unique enough per test; returns (nik, birth date)."""
    born = date(_rng.randint(1950, 2004), _rng.randint(1, 12), _rng.randint(1, 28))
    day = born.day + (40 if female else 0)
    nik = f"917101{day:02d}{born.month:02d}{born.year % 100:02d}{_rng.randint(1, 9999):04d}"
    return nik, born.isoformat()


def request_form(client, *, nik: str | None = None, born: str | None = None, **overrides) -> dict:
    if nik is None:
        nik, born = new_nik(female=True)
    form = {
        "csrf_token": csrf_token(client, "/kantor/layanan/pbi_jkn/baru"),
        "nik": nik,
        "no_kk": "9171010101230001",
        "nama": "Yohana Wenda",
        "tempat_lahir": "Jayapura",
        "tanggal_lahir": born,
        "alamat": "Jl. Percetakan No. 7, RT 02/RW 01",
        "kode_wilayah": VILLAGE,
        "telepon": "",
        "alasan": "Sakit dan tidak mampu membayar iuran BPJS Kesehatan.",
        "ktp": (io.BytesIO(JPEG), "ktp.jpg"),
        "kk": (io.BytesIO(PDF), "kk.pdf"),
        "sktm": (io.BytesIO(PNG), "sktm.png"),
    }
    form.update(overrides)
    return form


def submit(client, **overrides) -> str:
    response = client.post("/kantor/layanan/pbi_jkn/baru", data=request_form(client, **overrides),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case_id = int(re.search(r"/kasus/(\d+)", response.headers["Location"]).group(1))
    return case_id


def case_row(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def open_task(db_session, case_id: int, name: str) -> InboxTask | None:
    db_session.expire_all()
    return db_session.scalar(
        select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name, InboxTask.state == "open")
    )


def post_task(client, task_id: int, data: dict, files: dict | None = None):
    token = csrf_token(client, "/berkas/warga/")
    return client.post(f"/inbox/{task_id}", data={"csrf_token": token, **data, **(files or {})},
                       content_type="multipart/form-data")


def verify_ok(operator, db_session, case_id: int) -> None:
    task = open_task(db_session, case_id, "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "lengkap"}).status_code == 302


def approve(kadis, db_session, case_id: int) -> Letter:
    task = open_task(db_session, case_id, "persetujuan")
    assert task.role == "Kepala Dinas"
    response = post_task(kadis, task.id, {"keputusan_persetujuan": "setuju"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db_session.expire_all()
    return db_session.scalar(select(Letter).where(Letter.case_id == case_id))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def test_happy_path_request_verify_approve_issue_hand_over(app, login_as, db_session):
    kelurahan = login_as("kelurahan.gurabesi")
    nik, born = new_nik(female=True)
    case_id = submit(kelurahan, nik=nik, born=born)
    case = case_row(db_session, case_id)
    assert case.reference.startswith("PBI-") and case.subject_nik == nik and case.region_code == VILLAGE
    assert case.status == "Verifikasi Dinsos" and case.priority == 0
    stored = db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id)).all()
    assert sorted((d.kind, d.mime) for d in stored) == [
        ("kk", "application/pdf"), ("ktp", "image/jpeg"), ("sktm", "image/png")
    ]
    # Stored outside the web root under random names, with the content's hash.
    for d in stored:
        path = storage.path_of(d.storage_key)
        assert path.is_file() and "static" not in path.parts and d.original_name not in path.name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == d.sha256

    # The verifier sees the DTKS result and earlier services beside the form; the view of the NIK is logged.
    operator = login_as("operator")
    task = open_task(db_session, case_id, "verifikasi")
    page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert 'id="pbi-dtks"' in page and "Tidak terdaftar di DTKS" in page
    assert 'id="pbi-riwayat"' in page and "Belum pernah menerima layanan" in page
    assert 'enctype="multipart/form-data"' in page
    assert db_session.scalar(
        select(PersonView).where(PersonView.nik == nik, PersonView.username == "operator")
    ) is not None
    # Documents are downloadable by the verifier, and each download is logged.
    ktp = next(d for d in stored if d.kind == "ktp")
    response = operator.get(f"/berkas/dokumen/{ktp.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    # What was stored is the re-encoded image (no metadata), of the same picture.
    assert Image.open(io.BytesIO(response.data)).size == Image.open(io.BytesIO(JPEG)).size
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert db_session.scalar(
        select(FileAccess).where(FileAccess.object_type == "document", FileAccess.object_id == ktp.id,
                                 FileAccess.username == "operator")
    ) is not None

    verify_ok(operator, db_session, case_id)
    assert case_row(db_session, case_id).status == "Menunggu persetujuan"
    kadis = login_as("kadis")
    letter = approve(kadis, db_session, case_id)

    # The letter: numbered from the yearly sequence of its type, masked holder data, a verification token.
    assert re.fullmatch(r"400\.9/\d{4}/DINSOS/[IVX]+/\d{4}", letter.number)
    assert letter.status == "valid" and letter.holder_name_masked == "Y***** W****"
    assert letter.holder_nik_masked == letters.mask_nik(nik) and nik not in letter.holder_nik_masked
    case = case_row(db_session, case_id)
    assert case.status == "Surat siap diserahkan"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.seq)).all()
    assert any(e.action == "letter_issued" and letter.number in e.data_json for e in events)
    assert verify_case(list(events)) is None

    # Back to THE SAME kelurahan officer's inbox as "Serahkan surat".
    hand_over = open_task(db_session, case_id, "serahkan_surat")
    assert hand_over.role == "Petugas Kelurahan" and hand_over.assignee == "kelurahan.gurabesi"
    assert case.reference in whole_inbox(kelurahan)
    page = kelurahan.get(f"/inbox/{hand_over.id}").get_data(as_text=True)
    assert letter.number in page and f"/berkas/surat/{letter.id}/docx" in page

    response = kelurahan.get(f"/berkas/surat/{letter.id}/docx")
    assert response.status_code == 200
    data = response.data
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    text = docx_text(data)
    assert letter.number in text and "Yohana Wenda" in text
    # The letter is the resident's own document for BPJS: full NIK and KK; the letterhead has no dots.
    assert nik in text and "…" not in text and ".." not in text.replace("...", "")
    header = " ".join(p.text for p in docx.Document(io.BytesIO(data)).sections[0].header.paragraphs)
    assert "Kota Jayapura, Papua" in header and "…" not in header and "{{" not in header
    assert "Markus Kepala Dinas" in text and "197003151995031001" in text  # the approver signs, with NIP
    assert letters.format_tanggal(letter.issued_on) in text

    # The QR code's payload is the public verification URL: the picture in the letter is the QR of that URL.
    url = app.config["LIGAT_PUBLIC_URL"].rstrip("/") + "/verifikasi/" + letter.token
    assert url in text
    document = docx.Document(io.BytesIO(data))
    images = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    assert letters.qr_png(url) in images

    # The PDF is made by LibreOffice on first download where it is installed.
    pdf = kelurahan.get(f"/berkas/surat/{letter.id}/pdf")
    if letters.soffice_path():
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        db_session.expire_all()
        assert db_session.get(Letter, letter.id).pdf_sha256 == hashlib.sha256(pdf.data).hexdigest()
    else:
        assert pdf.status_code == 404

    # Public verification page: no login needed, masked data only, the document's SHA-256.
    public = app.test_client()
    page = public.get("/verifikasi/" + letter.token)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in html
    assert letter.number in html and "Y***** W****" in html and letters.mask_nik(nik) in html
    assert letter.sha256 in html and "Surat Rekomendasi PBI-JKN" in html
    assert nik not in html and "Yohana Wenda" not in html
    assert public.get("/verifikasi/" + "x" * 24).status_code == 404

    response = post_task(kelurahan, hand_over.id, {"diserahkan": "true", "penerima": "Yohana Wenda"})
    assert response.status_code == 302
    case = case_row(db_session, case_id)
    assert case.completed and case.status == "Selesai"


def test_two_return_rounds_then_approval_same_officer(app, login_as, db_session):
    from app.security import DEMO_PASSWORD, DemoUser, ensure_user
    from workflows.principal import KELURAHAN_OFFICER

    with app.app_context():
        ensure_user(DemoUser("kelurahan.gurabesi2", KELURAHAN_OFFICER, "Sem", "Gurabesi", region_code=VILLAGE),
                    DEMO_PASSWORD)
    kelurahan = login_as("kelurahan.gurabesi")
    colleague = login_as("kelurahan.gurabesi2")  # same village, not the submitter
    operator = login_as("operator")
    case_id = submit(kelurahan)
    reference = case_row(db_session, case_id).reference

    # The reason is required when returning.
    task = open_task(db_session, case_id, "verifikasi")
    response = post_task(operator, task.id, {"keputusan": "tidak_lengkap"})
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)

    for round_no, (flag, reason, to_fix) in enumerate(
        [("ktp_bermasalah", "Foto KTP buram, tidak terbaca.", "KTP"),
         ("sktm_bermasalah", "SKTM sudah kedaluwarsa.", "Surat Keterangan Tidak Mampu (SKTM)")],
        start=1,
    ):
        task = open_task(db_session, case_id, "verifikasi")
        response = post_task(operator, task.id, {"keputusan": "tidak_lengkap", flag: "true",
                                                 "alasan_pengembalian": reason})
        assert response.status_code == 302
        fix = open_task(db_session, case_id, "perbaiki_berkas")
        assert fix.assignee == "kelurahan.gurabesi" and fix.role == "Petugas Kelurahan"
        assert case_row(db_session, case_id).status == "Dikembalikan ke kelurahan"
        # Only the submitting officer gets it back: not a colleague of the same village.
        assert reference in whole_inbox(kelurahan)
        assert reference not in colleague.get("/inbox/").get_data(as_text=True)
        assert colleague.get(f"/inbox/{fix.id}").status_code == 403
        assert post_task(colleague, fix.id, {"catatan_perbaikan": "Sudah"}).status_code == 403

        page = kelurahan.get(f"/inbox/{fix.id}").get_data(as_text=True)
        assert 'id="pbi-pengembalian"' in page and reason in page and f"putaran ke-{round_no}" in page
        # berkas_bermasalah holds the flagged document fields; the panel shows their checklist labels.
        assert f"Perlu diperbaiki: {to_fix}</li>" in page
        assert page.count("Perlu diperbaiki: ") == 1
        assert 'value="Yohana Wenda"' in page  # the data to correct is prefilled
        assert 'type="file"' in page
        # A resubmission without the flagged document is refused, and nothing moves.
        refused = post_task(kelurahan, fix.id, {"nama": "Yohana Wenda", "catatan_perbaikan": "Tanpa berkas baru"})
        assert refused.status_code == 422 and "Berkas ini diminta diperbaiki" in refused.get_data(as_text=True)
        assert open_task(db_session, case_id, "perbaiki_berkas") is not None
        new_file = {"ktp": (io.BytesIO(PDF), "ktp-baru.pdf")} if round_no == 1 else {
            "sktm": (io.BytesIO(PDF), "sktm-baru.pdf")}
        response = post_task(kelurahan, fix.id, {"nama": "Yohana Wenda", "catatan_perbaikan": f"Diperbaiki {round_no}"},
                             new_file)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert open_task(db_session, case_id, "verifikasi") is not None

    kinds = [d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id)
                                                .order_by(CaseDocument.id))]
    assert kinds == ["ktp", "kk", "sktm", "ktp", "sktm"]  # every version kept, the newest is current
    versions = re.findall(r'data-document-id="\d+" data-version="(\w+)"',
                          operator.get(f"/kasus/{case_id}").get_data(as_text=True))
    assert versions == ["earlier", "current", "earlier", "current", "current"]  # ktp, kk, sktm, ktp, sktm

    verify_ok(operator, db_session, case_id)
    letter = approve(login_as("kadis"), db_session, case_id)
    assert letter is not None

    # The case history shows every round.
    page = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Foto KTP buram" in page and "SKTM sudah kedaluwarsa" in page
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)).all()
    returns = [e for e in events if e.action == "task_completed" and e.task_name == "perbaiki_berkas"]
    verifications = [e for e in events if e.action == "task_completed" and e.task_name == "verifikasi"]
    assert len(returns) == 2 and len(verifications) == 3
    # The public timeline says "returned" once per round, with the reason the resident can act on.
    public = audit.status_history(db_session, case_id)
    returned = [item for item in public if item["status"] == "Dikembalikan ke kelurahan"]
    assert len(returned) == 2 and [r["note"] for r in returned] == ["Foto KTP buram, tidak terbaca.",
                                                                     "SKTM sudah kedaluwarsa."]


def test_approver_sends_back_with_note(login_as, db_session):
    kelurahan, operator, kadis = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("kadis")
    case_id = submit(kelurahan)
    verify_ok(operator, db_session, case_id)
    task = open_task(db_session, case_id, "persetujuan")
    assert post_task(kadis, task.id, {"keputusan_persetujuan": "kembalikan",
                                      "catatan_persetujuan": "Periksa ulang nomor KK."}).status_code == 302
    again = open_task(db_session, case_id, "verifikasi")
    assert again is not None
    page = operator.get(f"/inbox/{again.id}").get_data(as_text=True)
    assert 'id="pbi-catatan-penyetuju"' in page and "Periksa ulang nomor KK." in page
    assert db_session.scalar(select(Letter).where(Letter.case_id == case_id)) is None


def test_rejection_notifies_the_kelurahan(login_as, db_session):
    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    case_id = submit(kelurahan)
    task = open_task(db_session, case_id, "verifikasi")
    response = post_task(operator, task.id, {"keputusan": "tidak_layak",
                                             "alasan_penolakan": "Tercatat sebagai peserta BPJS mandiri aktif."})
    assert response.status_code == 302
    case = case_row(db_session, case_id)
    assert case.status == "Ditolak" and case.status_note.startswith("Tercatat sebagai peserta")
    notice = open_task(db_session, case_id, "terima_penolakan")
    assert notice.assignee == "kelurahan.gurabesi"
    page = kelurahan.get(f"/inbox/{notice.id}").get_data(as_text=True)
    assert 'id="pbi-penolakan"' in page and "peserta BPJS mandiri" in page
    assert post_task(kelurahan, notice.id, {"dibaca": "true"}).status_code == 302
    case = case_row(db_session, case_id)
    assert case.completed and case.status == "Ditolak"
    assert db_session.scalar(select(Letter).where(Letter.case_id == case_id)) is None


def listed_before(html: str, first: str, then: str) -> bool:
    """`first` is on this inbox page and above `then` (which may be on this page or a later one)."""
    return first in html and html.index(first) < (html.index(then) if then in html else len(html))


def test_emergency_sorts_first_with_shorter_sla(login_as, db_session):
    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    normal_id = submit(kelurahan)
    urgent_id = submit(kelurahan, darurat="true")
    urgent, normal = case_row(db_session, urgent_id), case_row(db_session, normal_id)
    assert urgent.priority == 1 and normal.priority == 0
    urgent_task = open_task(db_session, urgent_id, "verifikasi")
    normal_task = open_task(db_session, normal_id, "verifikasi")
    assert urgent_task.priority == 1
    # Shorter SLA: 4 hours instead of 24.
    assert (urgent_task.due_at - urgent_task.created_at).total_seconds() <= 4 * 3600 + 5
    assert (normal_task.due_at - normal_task.created_at).total_seconds() >= 23 * 3600
    # Listed first in the inbox although submitted later.
    html = operator.get("/inbox/").get_data(as_text=True)
    assert listed_before(html, urgent.reference, normal.reference)
    assert "Darurat" in html
    # Still first at the approver's.
    verify_ok(operator, db_session, normal_id)
    verify_ok(operator, db_session, urgent_id)
    assert open_task(db_session, urgent_id, "persetujuan").priority == 1
    html = login_as("kadis").get("/inbox/").get_data(as_text=True)
    assert listed_before(html, urgent.reference, normal.reference)


def test_overdue_verification_escalates_by_timer(login_as, db_session):
    nik, born = new_nik()
    case = start_case(
        db_session, "pbi_jkn",
        {"nik": nik, "no_kk": "9171010101230001", "nama": "Petrus Kogoya", "tempat_lahir": "Wamena",
         "tanggal_lahir": born, "alamat": "Jl. Baru", "kode_wilayah": VILLAGE, "alasan": "Sakit, tidak mampu",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi", "sla_verifikasi": "PT1S"},
        "kelurahan.gurabesi", uploads=[Upload("ktp", "ktp.pdf", PDF)],
        region_code=VILLAGE, category="pbi_jkn", subject_nik=nik,
    )
    assert case.next_timer_at is not None
    time.sleep(1.2)
    assert wake_due_timers(db_session) >= 1
    review = open_task(db_session, case.id, "tinjau_keterlambatan")
    assert review is not None and review.role == "Kepala Bidang" and review.bidang == "linjamsos"
    assert case_row(db_session, case.id).escalated
    assert case.reference in whole_inbox(login_as("kabid.linjamsos"))
    assert case.reference not in login_as("kabid.rehsos").get("/inbox/").get_data(as_text=True)
    # Verification itself is still open: the timer does not interrupt it.
    assert open_task(db_session, case.id, "verifikasi") is not None


def test_revocation_by_head_of_office_shows_on_verification_page(app, login_as, db_session):
    kelurahan, operator, kadis = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("kadis")
    case_id = submit(kelurahan)
    verify_ok(operator, db_session, case_id)
    letter = approve(kadis, db_session, case_id)
    public = app.test_client()
    assert 'data-status="valid"' in public.get(f"/verifikasi/{letter.token}").get_data(as_text=True)

    # The operator cannot revoke; nor can the kelurahan officer.
    token = csrf_token(operator, "/berkas/warga/")
    assert operator.post(f"/surat/{letter.id}/cabut", data={"csrf_token": token, "alasan": "Coba"}).status_code == 403
    # The head of office sees the button and revokes with a reason.
    page = kadis.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert f"/surat/{letter.id}/cabut" in page
    token = csrf_token(kadis, "/berkas/warga/")
    response = kadis.post(f"/surat/{letter.id}/cabut",
                          data={"csrf_token": token, "alasan": "Data penghasilan tidak benar."})
    assert response.status_code == 302
    html = public.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "DICABUT" in html and letter.number in html
    db_session.expire_all()
    assert db_session.get(Letter, letter.id).revoked_by == "kadis"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.seq)).all()
    assert any(e.action == "letter_revoked" and e.actor == "kadis" and "penghasilan" in e.data_json for e in events)
    assert verify_case(list(events)) is None
    # Revoking twice is refused with a message.
    response = kadis.post(f"/surat/{letter.id}/cabut", data={"csrf_token": token, "alasan": "Sekali lagi."},
                          follow_redirects=True)
    assert "sudah dicabut" in response.get_data(as_text=True)


def test_renamed_executable_is_refused(login_as, db_session, var_dir):
    kelurahan = login_as("kelurahan.gurabesi")
    before_cases = db_session.query(Case).count()
    before_docs_max = db_session.query(func.max(CaseDocument.id)).scalar() or 0
    files_before = stored_files(var_dir)
    form = request_form(kelurahan, ktp=(io.BytesIO(EXE), "ktp.pdf"))
    response = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ditolak: isinya adalah program (EXE)" in html and "ktp.pdf" in html
    assert db_session.query(Case).count() == before_cases
    # The refused program is stored nowhere; the two good files are kept for the next try, in no case.
    kept = db_session.query(CaseDocument).filter(CaseDocument.id > before_docs_max).all()
    assert sorted(d.kind for d in kept) == ["kk", "sktm"] and all(d.case_id is None for d in kept)
    new_files = stored_files(var_dir) - files_before
    assert len(new_files) == 2
    # Kept files nobody came back for are removed later, rows and files (other tests' left-overs with them).
    assert remove_stale_staged(db_session, older_than=timedelta(0)) >= 2
    assert db_session.query(CaseDocument).filter(CaseDocument.id.in_([d.id for d in kept])).count() == 0
    assert not new_files & stored_files(var_dir)


def stored_files(var_dir) -> set:  # noqa: ANN001
    uploads = var_dir / "uploads"
    return {f for f in uploads.rglob("*") if f.is_file()} if uploads.exists() else set()


def test_renamed_executable_is_refused_in_a_returned_task_too(login_as, db_session):
    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    case_id = submit(kelurahan)
    task = open_task(db_session, case_id, "verifikasi")
    post_task(operator, task.id, {"keputusan": "tidak_lengkap", "ktp_bermasalah": "true",
                                  "alasan_pengembalian": "KTP tidak terbaca."})
    fix = open_task(db_session, case_id, "perbaiki_berkas")
    response = post_task(kelurahan, fix.id, {"catatan_perbaikan": "KTP baru"},
                         {"ktp": (io.BytesIO(EXE), "ktp.jpg")})
    assert response.status_code == 422 and "isinya adalah program" in response.get_data(as_text=True)
    assert open_task(db_session, case_id, "perbaiki_berkas") is not None
    assert db_session.query(CaseDocument).filter(CaseDocument.case_id == case_id).count() == 3


def test_bad_nik_and_kk_get_field_messages(login_as, db_session):
    kelurahan = login_as("kelurahan.gurabesi")
    nik, born = new_nik(female=True)
    wrong_day = date.fromisoformat(born).replace(day=1 if date.fromisoformat(born).day != 1 else 2).isoformat()
    form = request_form(kelurahan, nik=nik, born=wrong_day, no_kk="123")
    response = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tanggal lahir tidak sesuai dengan NIK" in html and "Nomor KK harus 16 digit" in html
    form = request_form(kelurahan, nik="9171019902900001", born="1990-02-29")  # month 99 / bad date
    html = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data").get_data(
        as_text=True)
    assert "Tanggal lahir di NIK tidak valid" in html
    # A village of the office outside the officer's region (Asano, Abepura) is refused.
    form = request_form(kelurahan, kode_wilayah="91.71.03.1002")
    response = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "tidak berada di wilayah kerja Anda" in response.get_data(as_text=True)
    # So is a code that is no village of the office at all (91.71.03.1001 does not exist).
    form = request_form(kelurahan, kode_wilayah="91.71.03.1001")
    response = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "tidak berada di wilayah layanan kantor ini" in response.get_data(as_text=True)


def test_only_kelurahan_officers_start_requests(login_as):
    assert login_as("operator").get("/kantor/layanan/pbi_jkn/baru").status_code == 403
    assert login_as("auditor").get("/kantor/layanan/pbi_jkn/baru").status_code in (302, 403)
    kelurahan = login_as("kelurahan.gurabesi")
    page = kelurahan.get("/kantor/layanan/pbi_jkn/baru").get_data(as_text=True)
    assert 'id="start-form"' in page
    assert "Gurabesi" in page and "Abepura" not in page  # only villages of the officer's region
    # "Buat Permohonan" lists the line for the kelurahan officer, not for the operator.
    assert "/kantor/layanan/pbi_jkn/baru" in kelurahan.get("/kantor/layanan/").get_data(as_text=True)
    assert "/kantor/layanan/pbi_jkn/baru" not in login_as("operator").get("/kantor/layanan/").get_data(as_text=True)


def test_officer_of_another_village_cannot_see_or_download(login_as, db_session):
    kelurahan, operator, kadis = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("kadis")
    case_id = submit(kelurahan)
    verify_ok(operator, db_session, case_id)
    letter = approve(kadis, db_session, case_id)
    doc = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == case_id))
    other = login_as("kelurahan.abepura")  # region 91.71.03, the case is in 91.71.01.1001
    assert other.get(f"/kasus/{case_id}").status_code == 404
    assert other.get(f"/berkas/dokumen/{doc.id}").status_code == 404
    assert other.get(f"/berkas/surat/{letter.id}/docx").status_code == 404
    assert other.get(f"/berkas/warga/kasus/{case_id}").status_code == 404
    hand_over = open_task(db_session, case_id, "serahkan_surat")
    assert other.get(f"/inbox/{hand_over.id}").status_code == 403
    assert case_row(db_session, case_id).reference not in other.get("/inbox/").get_data(as_text=True)
    assert db_session.scalar(select(FileAccess).where(FileAccess.username == "kelurahan.abepura")) is None
    # Anonymous visitors get the login page, never the file.
    from app import create_app  # noqa: F401  (same app; a fresh client has no session)

    anonymous = kelurahan.application.test_client()
    response = anonymous.get(f"/berkas/dokumen/{doc.id}")
    assert response.status_code in (302, 401, 403) and response.data != JPEG


def test_earlier_letter_within_a_year_is_flagged_as_duplicate_and_person_page(login_as, db_session):
    kelurahan, operator, kadis = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("kadis")
    nik, born = new_nik()
    first = submit(kelurahan, nik=nik, born=born)
    verify_ok(operator, db_session, first)
    letter = approve(kadis, db_session, first)
    second = submit(kelurahan, nik=nik, born=born)
    task = open_task(db_session, second, "verifikasi")
    page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert "Kemungkinan ganda" in page and letter.number in page
    assert case_row(db_session, first).reference in page

    # The person's page lists every service of the NIK; the view is logged; the NIK is not in the address.
    response = operator.get(f"/berkas/warga/kasus/{second}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert case_row(db_session, first).reference in html and case_row(db_session, second).reference in html
    assert letter.number in html
    views = db_session.scalars(select(PersonView).where(PersonView.nik == nik, PersonView.username == "operator")).all()
    assert any(v.context.startswith("halaman_warga") for v in views)
    token = csrf_token(operator, "/berkas/warga/")
    html = operator.post("/berkas/warga/", data={"csrf_token": token, "nik": nik}).get_data(as_text=True)
    assert case_row(db_session, first).reference in html
    assert any(v.context == "pencarian_warga" for v in db_session.scalars(
        select(PersonView).where(PersonView.nik == nik)).all())
    # In the case list the NIK is masked on the person link.
    case_page = operator.get(f"/kasus/{second}").get_data(as_text=True)
    assert letters.mask_nik(nik) in case_page
    # The case page shows the applicant's fields: that view is logged too.
    reference = case_row(db_session, second).reference
    assert any(v.context == f"kasus:{reference}" for v in db_session.scalars(
        select(PersonView).where(PersonView.nik == nik, PersonView.username == "operator")).all())


def test_delegated_approval_by_kabid_linjamsos_signs_the_letter(login_as, db_session):
    from workflows import cases
    from workflows.principal import OPERATOR, Principal

    nik, born = new_nik()
    case = start_case(
        db_session, "pbi_jkn",
        {"nik": nik, "no_kk": "9171010101230001", "nama": "Simon Yikwa", "tempat_lahir": "Jayapura",
         "tanggal_lahir": born, "alamat": "Jl. Koti 4", "kode_wilayah": VILLAGE, "alasan": "Tidak mampu berobat",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi", "delegasi_kabid": True},
        "kelurahan.gurabesi", uploads=[Upload("ktp", "ktp.png", PNG)],
        region_code=VILLAGE, category="pbi_jkn", subject_nik=nik,
    )
    verification = open_task(db_session, case.id, "verifikasi")
    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    cases.complete_task(db_session, verification.id, operator, {"keputusan": "lengkap"})
    assert open_task(db_session, case.id, "persetujuan") is None
    task = open_task(db_session, case.id, "persetujuan_kabid")
    assert task.role == "Kepala Bidang" and task.bidang == "linjamsos"
    assert login_as("kabid.rehsos").get(f"/inbox/{task.id}").status_code == 403
    kabid = login_as("kabid.linjamsos")
    assert post_task(kabid, task.id, {"keputusan_persetujuan": "setuju"}).status_code == 302
    db_session.expire_all()
    letter = db_session.scalar(select(Letter).where(Letter.case_id == case.id))
    assert letter.issued_by == "kabid.linjamsos"
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    assert "Hendrik Kabid Linjamsos" in text and "198002142006041002" in text
    assert "Kepala Bidang Perlindungan dan Jaminan Sosial" in text


def test_uploads_survive_a_validation_error(login_as, db_session):
    """A form refused for a typo keeps the files already uploaded: the officer fixes the field and
    sends again without choosing the files anew; another browser cannot claim those files."""
    kelurahan = login_as("kelurahan.gurabesi")
    nik, born = new_nik()
    form = request_form(kelurahan, nik=nik, born="1901-01-01")  # birth date disagrees with the NIK
    refused = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=form, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Tanggal lahir tidak sesuai dengan NIK" in page
    assert 'id="staged_ktp"' in page and "ktp.jpg" in page
    notes = dict(re.findall(r'name="(\w+__berkas)" value="([^"]+)"', page))
    assert set(notes) == {"ktp__berkas", "kk__berkas", "sktm__berkas"}

    # Another officer's browser session cannot use the notes to take these files into a case of theirs.
    other = login_as("kelurahan.gurabesi")
    stolen = {**request_form(other, nik=nik, born=born), **notes}
    for name in ("ktp", "kk", "sktm"):
        stolen.pop(name)
    response = other.post("/kantor/layanan/pbi_jkn/baru", data=stolen, content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)

    fixed = {**request_form(kelurahan, nik=nik, born=born), **notes}
    for name in ("ktp", "kk", "sktm"):
        fixed.pop(name)  # no new files: the kept ones are used
    accepted = kelurahan.post("/kantor/layanan/pbi_jkn/baru", data=fixed, content_type="multipart/form-data")
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:2000]
    case_id = int(re.search(r"/kasus/(\d+)", accepted.headers["Location"]).group(1))
    kinds = sorted(d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id)))
    assert kinds == ["kk", "ktp", "sktm"]


def test_internal_notes_stay_with_the_office(login_as, db_session):
    """A verifier's internal note is for Dinsos: the kelurahan officer fixing the file never sees it;
    case pages show the forms' labels, not raw process variables."""
    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    case_id = submit(kelurahan)
    task = open_task(db_session, case_id, "verifikasi")
    response = post_task(operator, task.id, {"keputusan": "tidak_lengkap", "kk_bermasalah": "true",
                                             "alasan_pengembalian": "Kartu Keluarga tidak terbaca.",
                                             "catatan_verifikasi": "Pemohon pernah ditolak, cek ulang rumahnya."})
    assert response.status_code == 302
    fix = open_task(db_session, case_id, "perbaiki_berkas")
    page = kelurahan.get(f"/inbox/{fix.id}").get_data(as_text=True)
    assert "Kartu Keluarga tidak terbaca" in page
    assert "cek ulang rumahnya" not in page and "Catatan internal" not in page
    assert "cek ulang rumahnya" not in kelurahan.get(f"/kasus/{case_id}").get_data(as_text=True)
    office = operator.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "<dt>Catatan internal</dt><dd>Pemohon pernah ditolak, cek ulang rumahnya.</dd>" in office
    assert "sla_verifikasi" not in office and "sla persetujuan" not in office  # no raw process variables
    from tests.integration.test_work_api import token_for

    api = kelurahan.application.test_client()
    seen = api.get(f"/api/v1/cases/{case_id}", headers=token_for(api, "kelurahan.gurabesi")).get_data(as_text=True)
    assert "Kartu Keluarga tidak terbaca" in seen and "cek ulang rumahnya" not in seen


def test_a_file_field_cannot_name_an_existing_document_through_the_api(client, login_as, db_session):
    """The kelurahan officer fixing a return must upload the file; naming another case's document id in a
    JSON body is refused, and nothing moves."""
    from tests.integration.test_work_api import token_for

    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    other_case = submit(kelurahan)
    foreign = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == other_case,
                                                           CaseDocument.kind == "ktp"))
    case_id = submit(kelurahan)
    task = open_task(db_session, case_id, "verifikasi")
    assert post_task(operator, task.id, {"keputusan": "tidak_lengkap", "ktp_bermasalah": "true",
                                         "alasan_pengembalian": "KTP tidak terbaca."}).status_code == 302
    fix = open_task(db_session, case_id, "perbaiki_berkas")
    headers = token_for(client, "kelurahan.gurabesi")
    response = client.post(f"/api/v1/inbox/{fix.id}/complete", headers=headers,
                           json={"catatan_perbaikan": "KTP baru", "ktp": foreign.id})
    assert response.status_code == 422 and "ktp" in response.get_json()["errors"]
    assert open_task(db_session, case_id, "perbaiki_berkas") is not None
