"""The LKS permit and COTA adoption lines end to end through HTTP: public application
with documents, completeness check, return to the applicant through a single-use
link, site and home visits, reviews, numbered letters reopened with python-docx,
and the long-running timers (expiry reminder, monthly monitoring visits) shortened
to seconds."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

from sqlalchemy import select, update

from tests.conftest import csrf_token
from tests.files import JPEG, PDF, PNG
from tests.integration.service_helpers import (
    case_by_ref,
    complete,
    docx_text,
    files,
    open_task,
    post_task,
    wait_and_wake,
    whole_inbox,
)
from workflows import cases
from workflows.applicant_links import ApplicantLink
from workflows.cases import start_case
from workflows.db import AuditEvent, Case, InboxTask, OutboxMessage
from workflows.documents import CaseDocument
from workflows.issued_letters import Letter
from workflows.registers import RegisterRecord, record_of_case

VILLAGE = "91.71.01.1001"  # Gurabesi, Jayapura Utara
_serial = iter(range(1, 10_000))


LKS_DOCS = ("akta_pendirian", "sk_badan_hukum", "surat_domisili", "susunan_pengurus", "program_kerja", "npwp")


def lks_form(client, **overrides) -> dict:
    n = next(_serial)
    form = {
        "csrf_token": csrf_token(client, "/layanan/izin_lks/ajukan"),
        "jenis_izin": "tanda_daftar",
        "nama_lks": f"Yayasan Kasih Papua {n} {time.time_ns() % 100000}",
        "nomor_sk_badan_hukum": f"AHU-{time.time_ns() % 10**9:09d}.AH.01.04.Tahun 2020",
        "alamat_lks": "Jl. Raya Sentani No. 12, Jayapura",
        "kode_wilayah": VILLAGE,
        "ketua_lks": "Pdt. Yosias Wenda",
        "bidang_pelayanan": "Anak terlantar",
        "nama_pemohon": "Ruth Kogoya",
        "telepon": "0812 7000 1234",
        **files(*LKS_DOCS),
    }
    form.update(overrides)
    return form


def apply(client, path: str, form: dict) -> tuple[Case, str]:
    response = client.post(path, data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    location = response.headers["Location"]
    ticket = re.search(r"tiket=([A-Z0-9-]+)", location).group(1)
    code = re.search(r"kode=([A-Z0-9]+)", location).group(1)
    receipt = client.get(location)
    assert receipt.status_code == 200 and ticket in receipt.get_data(as_text=True)
    return ticket, code


def resubmission_link(db_session, case: Case) -> tuple[str, str]:
    """(reference, token) from the newest message sent to the applicant: the only place the raw token exists."""
    db_session.expire_all()
    messages = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id.desc())
    ).all()
    for message in messages:
        match = re.search(r"/permohonan/perbaiki/([A-Z0-9-]+)/([A-Za-z0-9_-]+)", message.message)
        if match:
            return match.group(1), match.group(2)
    raise AssertionError("no resubmission link was sent")


# --- LKS ------------------------------------------------------------------------------------------------------

def test_lks_donation_permit_complete_path_reminder_and_expiry(app, client, login_as, db_session, monkeypatch):
    # The donation permit is short; here "short" is seconds, set through the office's configuration.
    monkeypatch.setitem(app.config, "LIGAT_LKS_MASA_BERLAKU", "izin_sumbangan=PT8S")
    monkeypatch.setitem(app.config, "LIGAT_LKS_PENGINGAT_SEBELUM", "PT4S")
    form = lks_form(client, jenis_izin="izin_sumbangan")
    # The donation permit needs two more documents: refused with field messages first.
    response = client.post("/layanan/izin_lks/ajukan", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)
    form = lks_form(client, jenis_izin="izin_sumbangan", **files("bukti_tanda_daftar", "rencana_sumbangan"))
    name = form["nama_lks"]
    ticket, code = apply(client, "/layanan/izin_lks/ajukan", form)
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("LKS-") and case.status == "Pemeriksaan berkas" and case.reporter_phone == "+6281270001234"
    assert {d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id))} \
        >= {"akta_pendirian", "npwp", "rencana_sumbangan"}

    operator = login_as("operator")
    register = operator.get("/daftar/lks/").get_data(as_text=True)
    assert name in register and "Dalam proses" in register
    complete(operator, db_session, case, "periksa_kelengkapan", {"keputusan_pemeriksaan": "lengkap"})

    # Site visit by a field officer of Pemberdayaan Sosial: findings, a photo, GPS.
    task = open_task(db_session, case, "kunjungan_lapangan")
    assert task.role == "Petugas Lapangan" and task.bidang == "dayasos"
    assert ticket not in login_as("lapangan.rehsos").get("/inbox/").get_data(as_text=True)
    field = login_as("lapangan.dayasos")
    visit = {"tanggal_kunjungan": "2026-11-20", "temuan_lapangan": "Sekretariat aktif, 25 anak asuh, sarana layak.",
             "kesesuaian": "sesuai", "lintang": "-2.5337", "bujur": "140.7181"}
    response = post_task(field, task.id, {**visit, "lintang": "52.1"})  # no photo, latitude outside Indonesia
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Wajib diisi" in html and "Lintang harus di wilayah Indonesia" in html
    complete(field, db_session, case, "kunjungan_lapangan", visit,
             {"foto_kunjungan_1": (io.BytesIO(JPEG), "sekretariat.jpg")})
    photo = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == case.id,
                                                         CaseDocument.kind == "foto_kunjungan_1"))
    assert photo is not None and photo.mime == "image/jpeg"

    complete(login_as("kabid.dayasos"), db_session, case, "rekomendasi_kabid",
             {"rekomendasi": "setujui", "catatan_rekomendasi": "Layak diberi izin pengumpulan sumbangan."})
    kadis = login_as("kadis")
    complete(kadis, db_session, case, "pengesahan_kadis", {"keputusan_pengesahan": "setujui"})

    case = case_by_ref(db_session, ticket)
    assert case.status == "Izin terbit"
    letter = db_session.scalar(select(Letter).where(Letter.case_id == case.id))
    assert letter.letter_type == "lks_izin_sumbangan" and "/PUB/DINSOS/" in letter.number
    permit = record_of_case(db_session, case.id)
    assert permit.status == "berlaku" and permit.letter_number == letter.number
    assert permit.valid_until == letter.valid_until

    # The letter, reopened with python-docx.
    response = kadis.get(f"/berkas/surat/{letter.id}/docx")
    assert response.status_code == 200
    text = docx_text(response.data)
    for expected in (letter.number, "Izin Pengumpulan Sumbangan", name, "Pdt. Yosias Wenda", "Markus"):
        assert expected in text, expected
    assert "{{" not in text
    public = app.test_client()
    assert 'data-status="valid"' in public.get(f"/verifikasi/{letter.token}").get_data(as_text=True)

    # The case page says what comes next: the reminder timer.
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'id="case-outlook"' in page and 'data-timer="30 hari sebelum berakhir"' in page

    # The reminder: the LKS gets a message, the operator a task.
    wait_and_wake(db_session, case)
    case = case_by_ref(db_session, ticket)
    assert case.status == "Segera berakhir"
    reminder = open_task(db_session, case, "tindak_lanjut_pengingat")
    assert reminder is not None and reminder.role == "Operator Dinsos"
    messages = [m.message for m in db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))]
    assert any("Segera berakhir" in m and "perpanjangan" in m for m in messages)
    assert "Segera berakhir" in operator.get("/daftar/lks/").get_data(as_text=True)

    # The end of validity: marked expired in the register.
    wait_and_wake(db_session, case)
    case = case_by_ref(db_session, ticket)
    assert case.status == "Kedaluwarsa" and not case.completed
    assert record_of_case(db_session, case.id).status == "kedaluwarsa"
    detail = operator.get(f"/daftar/lks/{permit.entry_id}").get_data(as_text=True)
    assert 'data-status="kedaluwarsa"' in detail and "Izin terbit" in detail and "Kedaluwarsa" in detail

    # The next day (the calendar moved on), the verification page shows the permit as expired.
    db_session.execute(update(Letter).where(Letter.id == letter.id)
                       .values(valid_until=letter.valid_until - timedelta(days=1)))
    db_session.commit()
    html = public.get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert 'data-status="expired"' in html and "KEDALUWARSA" in html

    complete(operator, db_session, case, "tindak_lanjut_pengingat",
             {"sudah_dihubungi": "true", "catatan_tindak_lanjut": "Ketua LKS sudah ditelepon, akan mengajukan baru."})
    assert case_by_ref(db_session, ticket).completed


def test_lks_return_link_works_once_for_that_case_only_then_rejected(app, client, login_as, db_session):
    ticket_a, code_a = apply(client, "/layanan/izin_lks/ajukan", lks_form(client))
    ticket_b, _ = apply(client, "/layanan/izin_lks/ajukan", lks_form(client))
    case_a, case_b = case_by_ref(db_session, ticket_a), case_by_ref(db_session, ticket_b)
    operator = login_as("operator")
    form = operator.get(f"/inbox/{open_task(db_session, case_a, 'periksa_kelengkapan').id}").get_data(as_text=True)
    assert 'name="berkas_bermasalah" value="npwp"' in form  # the documents the officer may flag
    for case in (case_a, case_b):
        complete(operator, db_session, case, "periksa_kelengkapan",
                 {"keputusan_pemeriksaan": "tidak_lengkap", "alasan_pengembalian": "NPWP tidak terbaca, unggah ulang.",
                  "berkas_bermasalah": "npwp"})
    assert case_by_ref(db_session, ticket_a).status == "Dikembalikan ke pemohon"
    task = open_task(db_session, case_a, "perbaiki_berkas")
    assert task.role == "Pemohon"
    assert ticket_a not in operator.get("/inbox/").get_data(as_text=True)  # in nobody's inbox

    reference, token = resubmission_link(db_session, case_a)
    assert reference == ticket_a
    # Only a hash is stored; the token appears in no table but the outgoing message.
    link = db_session.scalar(select(ApplicantLink).where(ApplicantLink.case_id == case_a.id,
                                                         ApplicantLink.used_at.is_(None)))
    assert link.token_hash != token and len(link.token_hash) == 64
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_a.id)).all()
    assert all(token not in e.data_json for e in events)
    assert token not in str(cases.case_data(case_by_ref(db_session, ticket_a)))

    public = app.test_client()
    # Case A's token does not open case B, nor a made-up one.
    other = public.get(f"/permohonan/perbaiki/{ticket_b}/{token}")
    assert other.status_code == 410 and "tidak dikenal" in other.get_data(as_text=True)
    assert public.get(f"/permohonan/perbaiki/{ticket_a}/{'x' * 43}").status_code == 410
    page = public.get(f"/permohonan/perbaiki/{ticket_a}/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "NPWP tidak terbaca" in html
    assert "no-store" in page.headers.get("Cache-Control", "")

    assert 'id="flagged-documents"' in html and 'data-document="npwp">NPWP lembaga' in html

    url = f"/permohonan/perbaiki/{ticket_a}/{token}"
    # An incomplete submission is refused and leaves the link usable.
    response = public.post(url, data={"csrf_token": csrf_token(public, url)}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)
    # So is one without the flagged document.
    response = public.post(url, data={"csrf_token": csrf_token(public, url), "catatan_perbaikan": "Sudah."},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Berkas ini diminta diperbaiki" in response.get_data(as_text=True)
    response = public.post(url, data={"csrf_token": csrf_token(public, url),
                                      "catatan_perbaikan": "NPWP dipindai ulang.",
                                      "npwp": (io.BytesIO(PNG), "npwp-baru.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Perbaikan terkirim" in response.get_data(as_text=True)
    new_npwp = db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_a.id,
                                                             CaseDocument.kind == "npwp")
                                  .order_by(CaseDocument.id)).all()
    assert len(new_npwp) == 2 and new_npwp[-1].uploaded_by == f"pemohon:{ticket_a}"
    assert open_task(db_session, case_a, "periksa_kelengkapan") is not None

    # Once only.
    again = public.get(url)
    assert again.status_code == 410 and "sudah dipakai" in again.get_data(as_text=True)
    response = public.post(url, data={"csrf_token": csrf_token(public, "/layanan/izin_lks/ajukan"),
                                      "catatan_perbaikan": "Sekali lagi."})
    assert response.status_code == 410
    # Case B still waits for its own applicant.
    assert open_task(db_session, case_b, "perbaiki_berkas") is not None

    # Rejected: the reason goes to the applicant and the register.
    complete(operator, db_session, case_a, "periksa_kelengkapan",
             {"keputusan_pemeriksaan": "tolak", "alasan_penolakan": "Lembaga belum berbadan hukum."})
    case_a = case_by_ref(db_session, ticket_a)
    assert case_a.status == "Ditolak" and case_a.completed
    assert record_of_case(db_session, case_a.id).status == "ditolak"
    tracking = public.get(f"/lacak?tiket={ticket_a}&kode={code_a}").get_data(as_text=True)
    assert "Lembaga belum berbadan hukum" in tracking
    assert db_session.scalar(select(RegisterRecord).where(RegisterRecord.case_id == case_a.id)).letter_id is None


def test_returned_link_expires_with_the_correction_deadline(app, login_as, db_session):
    case = cases.start_case(
        db_session, "izin_lks",
        {"jenis_izin": "tanda_daftar", "nama_lks": "Perkumpulan Peduli Lansia", "alamat_lks": "Jl. Baru 1",
         "nomor_sk_badan_hukum": f"AHU-{time.time_ns()}", "kode_wilayah": VILLAGE, "ketua_lks": "Ibu Ani",
         "batas_perbaikan": "PT2S"},
        "pemohon", region_code=VILLAGE, reporter=cases.Reporter("Ani", "+6281270009999"),
    )
    complete(login_as("operator"), db_session, case, "periksa_kelengkapan",
             {"keputusan_pemeriksaan": "tidak_lengkap", "alasan_pengembalian": "Program kerja belum ada."})
    reference, token = resubmission_link(db_session, case)
    wait_and_wake(db_session, case)
    case = case_by_ref(db_session, reference)
    assert case.status == "Dibatalkan" and case.completed
    assert app.test_client().get(f"/permohonan/perbaiki/{reference}/{token}").status_code == 410


# --- COTA -----------------------------------------------------------------------------------------------------

def cota_form(client, **overrides) -> dict:
    form = {
        "csrf_token": csrf_token(client, "/layanan/cota/ajukan"),
        "nama_calon_ayah": "Yohanes Maury",
        "nik_calon_ayah": f"9171011203850{next(_serial) % 1000:03d}",  # born 12-03-1985, male
        "tanggal_lahir_calon_ayah": "1985-03-12",
        "nama_calon_ibu": "Maria Ohee",
        "nik_calon_ibu": f"9171014507880{next(_serial) % 1000:03d}",  # born 05-07-1988, female (+40)
        "tanggal_lahir_calon_ibu": "1988-07-05",
        "tanggal_menikah": "2014-06-01",
        "alamat": "Jl. Kelapa Dua No. 3, Entrop",
        "kode_wilayah": VILLAGE,
        "telepon": "0813 4400 5566",
        "jumlah_anak_kandung": "0",
        "alasan": "Belum dikaruniai anak setelah sebelas tahun menikah.",
        **files("ktp_calon_ayah", "ktp_calon_ibu", "kartu_keluarga", "akta_nikah", "surat_sehat", "skck",
                "surat_penghasilan"),
    }
    form.update(overrides)
    return form


def years_ago(years: int) -> str:
    """A date a little more than `years` whole years back (the process computes ages from dates)."""
    day = date.today() - timedelta(days=20)
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28).isoformat()


VERIFIED = {"keputusan_verifikasi": "memenuhi", "syarat_agama_sama": "true", "syarat_tidak_pidana": "true",
            "syarat_mampu_ekonomi": "true"}


def test_cota_complete_path_home_visits_monthly_monitoring_and_letter(app, login_as, db_session):
    # Started through the engine so the care period and the cycle are seconds; everything else is HTTP.
    case = cases.start_case(
        db_session, "cota",
        {"nama_calon_ayah": "Yohanes Maury", "nik_calon_ayah": "9171011203850001", "nama_calon_ibu": "Maria Ohee",
         "nik_calon_ibu": "9171014507880002", "alamat": "Jl. Kelapa Dua No. 3, Entrop", "kode_wilayah": VILLAGE,
         "tanggal_lahir_calon_ayah": years_ago(41), "tanggal_lahir_calon_ibu": years_ago(38),
         "tanggal_menikah": years_ago(12),
         "masa_pengasuhan": "PT6S", "siklus_monitoring": "R2/PT2S"},
        "pemohon", region_code=VILLAGE, reporter=cases.Reporter("Yohanes Maury", "+6281344005566"), confidential=True,
    )
    operator = login_as("operator")
    task = open_task(db_session, case, "verifikasi")
    page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
    # What the form checked, computed by the process from the dates, beside the operator's form.
    assert 'id="cota-syarat"' in page
    assert "<dt>Umur calon ayah (tahun)</dt><dd>41</dd>" in page
    assert "<dt>Umur calon ibu (tahun)</dt><dd>38</dd>" in page
    assert "<dt>Lama menikah (tahun)</dt><dd>12</dd>" in page
    # "Memenuhi" needs the operator's own checks ticked.
    response = post_task(operator, task.id, {"keputusan_verifikasi": "memenuhi"})
    assert response.status_code == 422
    complete(operator, db_session, case, "verifikasi", VERIFIED)

    social_worker = login_as("lapangan.rehsos")
    for visit in (1, 2):
        task = open_task(db_session, case, "kunjungan_rumah")
        assert task is not None, f"home visit {visit} expected"
        assert task.assignee == (None if visit == 1 else "lapangan.rehsos")
        complete(social_worker, db_session, case, "kunjungan_rumah",
                 {"tanggal_kunjungan": f"2026-11-{10 + visit}", "temuan_kunjungan": "Rumah bersih, kamar anak siap.",
                  "penilaian_kunjungan": "layak"})
    assert open_task(db_session, case, "kunjungan_rumah") is None  # two visits were enough

    pipa = login_as("tim.pipa")
    assert case.reference in whole_inbox(pipa)
    complete(pipa, db_session, case, "pertimbangan_pipa",
             {"keputusan_pipa": "setujui", "pertimbangan_pipa": "Keluarga siap; izinkan pengasuhan sementara."})
    complete(social_worker, db_session, case, "penempatan",
             {"tanggal_penempatan": "2026-11-23", "nama_anak": "Natalia", "tanggal_lahir_anak": "2024-02-14",
              "asal_anak": "Panti Asuhan Kasih Bunda"})
    case = case_by_ref(db_session, case.reference)
    assert case.status == "Masa pengasuhan sementara" and case.next_timer_at is not None
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'data-timer="Setiap bulan"' in page and 'data-timer="Akhir masa pengasuhan"' in page

    # The care period: a monitoring visit each cycle for the same social worker, until the period ends.
    visits = 0
    for _ in range(6):
        wait_and_wake(db_session, case)
        monitoring = open_task(db_session, case, "kunjungan_monitoring")
        if monitoring is not None:
            assert monitoring.assignee == "lapangan.rehsos" and monitoring.bidang == "rehsos"
            complete(social_worker, db_session, case, "kunjungan_monitoring",
                     {"tanggal_monitoring": "2026-11-21", "kondisi_anak": "baik",
                      "temuan_monitoring": "Anak sehat, sudah dekat dengan orang tua angkat."})
            visits += 1
        if open_task(db_session, case, "sidang_pipa") is not None:
            break
    assert visits == 2
    assert case_by_ref(db_session, case.reference).status == "Sidang Tim PIPA"

    complete(pipa, db_session, case, "sidang_pipa",
             {"keputusan_pipa": "setujui", "pertimbangan_pipa": "Pengasuhan sementara berjalan baik."})
    kadis = login_as("kadis")
    complete(kadis, db_session, case, "pengesahan_kadis", {"keputusan_pengesahan": "setujui"})
    case = case_by_ref(db_session, case.reference)
    assert case.status == "Rekomendasi terbit" and case.completed
    letter = db_session.scalar(select(Letter).where(Letter.case_id == case.id))
    assert letter.letter_type == "rekomendasi_cota" and "/COTA/" in letter.number
    text = docx_text(kadis.get(f"/berkas/surat/{letter.id}/docx").data)
    for expected in (letter.number, "Yohanes Maury", "Maria Ohee", "Natalia", "Markus"):
        assert expected in text, expected
    html = app.test_client().get(f"/verifikasi/{letter.token}").get_data(as_text=True)
    assert 'data-status="valid"' in html and "Yohanes Maury" not in html
    completed = db_session.scalars(select(InboxTask).where(InboxTask.case_id == case.id,
                                                          InboxTask.task_name == "kunjungan_monitoring")).all()
    assert [t.state for t in completed] == ["completed", "completed"]


def test_cota_public_form_checks_eligibility_then_return_and_rejection(app, client, login_as, db_session):
    before = db_session.query(Case).count()
    young = cota_form(client, nik_calon_ayah="9171011203990001", tanggal_lahir_calon_ayah="1999-03-12",
                      tanggal_menikah="2024-01-10")
    response = client.post("/layanan/cota/ajukan", data=young, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "syaratnya 30 sampai 55 tahun" in html and "paling singkat 5 tahun" in html
    swapped = cota_form(client, nik_calon_ayah="9171014507880002")  # a woman's NIK for the father
    response = client.post("/layanan/cota/ajukan", data=swapped, content_type="multipart/form-data")
    assert response.status_code == 422 and "bukan laki-laki" in response.get_data(as_text=True)
    assert db_session.query(Case).count() == before

    ticket, code = apply(client, "/layanan/cota/ajukan", cota_form(client))
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("COTA-") and case.confidential and case.subject_nik.startswith("917101120385")
    assert cases.case_data(case)["umur_calon_ayah"] >= 30

    operator = login_as("operator")
    complete(operator, db_session, case, "verifikasi",
             {"keputusan_verifikasi": "tidak_lengkap", "alasan_pengembalian": "SKCK sudah lewat masa berlaku."})
    reference, token = resubmission_link(db_session, case)
    url = f"/permohonan/perbaiki/{reference}/{token}"
    public = app.test_client()
    response = public.post(url, data={"csrf_token": csrf_token(public, url), "catatan_perbaikan": "SKCK baru.",
                                      "skck": (io.BytesIO(PDF), "skck-2026.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert public.get(url).status_code == 410

    complete(operator, db_session, case, "verifikasi",
             {"keputusan_verifikasi": "tolak", "alasan_penolakan": "Surat keterangan sehat menyatakan tidak layak."})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Ditolak" and case.completed
    assert "tidak layak" in case.status_note
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    assert any(e.action == "status_changed" and "tidak layak" in e.data_json for e in events)
    assert not db_session.scalars(select(Letter).where(Letter.case_id == case.id)).all()


def test_tim_pipa_sees_cota_cases_only(app, login_as, db_session):
    """Tim PIPA has a lane in COTA only: it reads COTA cases, not PBI-JKN or complaint cases of the same
    village, nor the LKS register."""
    cota = cases.start_case(
        db_session, "cota",
        {"nama_calon_ayah": "Yohanes Maury", "nik_calon_ayah": "9171011203850001", "nama_calon_ibu": "Maria Ohee",
         "nik_calon_ibu": "9171014507880002", "alamat": "Jl. Kelapa Dua No. 3, Entrop", "kode_wilayah": VILLAGE,
         "tanggal_lahir_calon_ayah": years_ago(41), "tanggal_lahir_calon_ibu": years_ago(38),
         "tanggal_menikah": years_ago(12)},
        "pemohon", region_code=VILLAGE, reporter=cases.Reporter("Yohanes Maury", "+6281344005566"), confidential=True,
    )
    pbi = start_case(
        db_session, "pbi_jkn",
        {"nik": "9171010505900001", "no_kk": "9171010101230001", "nama": "Agustina Rumbiak", "tempat_lahir": "Biak",
         "tanggal_lahir": "1990-05-05", "alamat": "Jl. Ampera 2", "kode_wilayah": VILLAGE, "alasan": "Tidak mampu",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi"},
        "kelurahan.gurabesi", region_code=VILLAGE, category="pbi_jkn", subject_nik="9171010505900001",
    )
    complaint = cases.start_case(
        db_session, "pengaduan",
        {"kategori": "anak_terlantar", "deskripsi": "Anak tidur di pasar", "lokasi": "Pasar Youtefa",
         "kode_wilayah": VILLAGE},
        "warga", region_code=VILLAGE, category="anak_terlantar",
    )
    pipa = login_as("tim.pipa")
    assert pipa.get(f"/kasus/{cota.id}").status_code == 200
    listed = pipa.get("/kasus/").get_data(as_text=True)
    assert cota.reference in listed
    for other in (pbi, complaint):
        assert pipa.get(f"/kasus/{other.id}").status_code == 404, other.reference
        assert other.reference not in listed
    assert pipa.get("/daftar/lks/").status_code == 404
    # The public sees neither the case nor the register.
    public = app.test_client()
    assert public.get(f"/kasus/{cota.id}").status_code in (302, 401, 403)
    assert public.get("/daftar/lks/").status_code in (302, 401, 403)


def test_service_catalogue_links_to_the_application_forms(client):
    page = client.get("/layanan/izin_sumbangan").get_data(as_text=True)
    assert 'href="/layanan/izin_lks/ajukan?jenis_izin=izin_sumbangan"' in page
    form = client.get("/layanan/izin_lks/ajukan?jenis_izin=izin_sumbangan").get_data(as_text=True)
    assert 'value="izin_sumbangan" selected' in form or 'value="izin_sumbangan" checked' in form
    assert 'href="/layanan/cota/ajukan"' in client.get("/layanan/cota").get_data(as_text=True)


def test_forms_sent_back_for_corrections_do_not_use_up_the_application_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_RATELIMIT_REPORT", "2 per minute")
    for _ in range(4):  # a resident correcting the form several times is not blocked
        refused = client.post("/layanan/cota/ajukan", data=cota_form(client, tanggal_menikah="2025-01-01"),
                              content_type="multipart/form-data")
        assert refused.status_code == 422
    for _ in range(2):
        assert client.post("/layanan/cota/ajukan", data=cota_form(client),
                           content_type="multipart/form-data").status_code == 302
    blocked = client.post("/layanan/cota/ajukan", data=cota_form(client), content_type="multipart/form-data")
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and "Terlalu banyak permohonan" in html and "tersimpan di HP" not in html
