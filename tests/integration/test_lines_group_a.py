"""Four lines of the LIGAT catalogue end to end through the generic pages: disability services,
ATENSI (child and elderly), patient referral with transport, and outreach to homeless people,
beggars and people living with HIV (ODHA). Each is a package of data only (bpmn/<code>/,
forms/<code>/, letters/<code>/); these tests drive them as their users do: the public or officer
start page, each task through /inbox/<id> as the demo user of the lane's role, the numbered letter
reopened with python-docx, the public tracking page, and the timers shortened to seconds."""

from __future__ import annotations

import io
import random
import re
from datetime import date, timedelta

from sqlalchemy import select

from tests.files import JPEG, PDF
from tests.integration.service_helpers import (
    apply_officer,
    apply_public,
    case_by_id,
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
from workflows.db import Case, utcnow
from workflows.documents import CaseDocument
from workflows.dtks import Dtks
from workflows.issued_letters import Letter

VILLAGE = "91.71.01.1001"  # Gurabesi, Jayapura Utara: kelurahan.gurabesi works here
_rng = random.Random()


def new_nik(born: date, female: bool = False) -> str:
    """A structurally valid NIK of Jayapura Utara (91.71.01) for that birth date."""
    day = born.day + (40 if female else 0)
    return f"917101{day:02d}{born.month:02d}{born.year % 100:02d}{_rng.randint(1, 9999):04d}"


def in_inbox(client, case: Case) -> bool:
    return case.reference in whole_inbox(client)


def letter_of(db_session, case: Case) -> Letter:
    db_session.expire_all()
    issued = db_session.scalars(select(Letter).where(Letter.case_id == case.id)).all()
    assert len(issued) == 1, issued
    return issued[0]


def stages(client, case: Case) -> list[tuple[str, str]]:
    html = client.get(f"/lacak?tiket={case.reference}&kode={case.tracking_code}").get_data(as_text=True)
    return re.findall(r'<li class="(\w+)" data-state="\w+">(?:<strong>)?([^<]+)', html)


# --- Layanan disabilitas --------------------------------------------------------------------------------------

def disability_form(**overrides) -> dict:
    born = date(1978, 4, 9)
    form = {
        "pengaju_sebagai": "kelurahan", "nama_pemohon": "Marthen Kogoya (adik)", "telepon": "0812 4455 6677",
        "nama": "Yakobus Kogoya", "nik": new_nik(born), "tanggal_lahir": born.isoformat(), "jenis_kelamin": "L",
        "alamat": "Jl. Sam Ratulangi No. 4, RT 03/RW 01", "kode_wilayah": VILLAGE, "jenis_disabilitas": "fisik",
        "kebutuhan": "alat_bantu", "alat_bantu_diminta": "kursi_roda",
        "uraian": "Lumpuh kedua kaki setelah kecelakaan kerja; tidak dapat ke puskesmas tanpa digendong.",
        **files("ktp", "kk", "surat_dokter"), "foto": (io.BytesIO(JPEG), "foto.jpg"),
    }
    form.update(overrides)
    return form


def test_disability_kelurahan_request_return_assessment_device_letter_and_handover(app, login_as, db_session):
    kelurahan = login_as("kelurahan.gurabesi")
    case = case_by_id(db_session, apply_officer(kelurahan, "layanan_disabilitas", disability_form()))
    assert case.reference.startswith("DIS-") and case.status == "Verifikasi berkas" and not case.confidential
    assert {d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id))} \
        == {"ktp", "kk", "surat_dokter", "foto"}

    # The operator returns the file with the doctor's letter flagged: back to the officer who submitted it.
    operator = login_as("operator")
    form = operator.get(f"/inbox/{open_task(db_session, case, 'verifikasi').id}").get_data(as_text=True)
    assert 'name="berkas_bermasalah" value="surat_dokter"' in form
    complete(operator, db_session, case, "verifikasi",
             {"keputusan_verifikasi": "tidak_lengkap", "alasan_pengembalian": "Surat dokter tanpa stempel puskesmas.",
              "berkas_bermasalah": "surat_dokter"})
    assert case_by_id(db_session, case.id).status == "Dikembalikan ke kelurahan"
    fix = open_task(db_session, case, "perbaiki_kelurahan")
    assert fix.role == "Petugas Kelurahan" and fix.assignee == "kelurahan.gurabesi"
    assert ("current", "Verifikasi berkas") in stages(app.test_client(), case)
    refused = post_task(kelurahan, fix.id, {"catatan_perbaikan": "Sudah dicap."})
    assert refused.status_code == 422 and "Berkas ini diminta diperbaiki" in refused.get_data(as_text=True)
    complete(kelurahan, db_session, case, "perbaiki_kelurahan",
             {"catatan_perbaikan": "Surat dokter baru, sudah dicap."},
             {"surat_dokter": (io.BytesIO(PDF), "surat-dokter-baru.pdf")})
    assert len(db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id,
                                                             CaseDocument.kind == "surat_dokter")).all()) == 2
    complete(operator, db_session, case, "verifikasi", {"keputusan_verifikasi": "lengkap"})

    # Home assessment by a social worker of Rehabilitasi Sosial, not of another bidang.
    task = open_task(db_session, case, "asesmen_rumah")
    assert task.role == "Petugas Lapangan" and task.bidang == "rehsos"
    assert not in_inbox(login_as("lapangan.linjamsos"), case)
    social_worker = login_as("lapangan.rehsos")
    assert in_inbox(social_worker, case)
    complete(social_worker, db_session, case, "asesmen_rumah",
             {"tanggal_asesmen": "2026-11-20", "temuan_asesmen": "Tinggal di rumah panggung, akses jalan papan; "
              "keluarga mendukung.", "rekomendasi_asesmen": "alat_bantu", "alat_bantu": "kursi_roda",
              "spesifikasi_alat": "lebar dudukan 46 cm"})
    assert ("current", "Asesmen rumah") not in stages(app.test_client(), case)

    decision = open_task(db_session, case, "keputusan_kabid")
    assert decision.role == "Kepala Bidang" and decision.bidang == "rehsos"
    assert not in_inbox(login_as("kabid.linjamsos"), case)
    kabid = login_as("kabid.rehsos")
    page = kabid.get(f"/inbox/{decision.id}").get_data(as_text=True)
    assert 'id="dis-asesmen"' in page and "lebar dudukan 46 cm" in page
    complete(kabid, db_session, case, "keputusan_kabid", {"keputusan": "alat_bantu"})

    case = case_by_id(db_session, case.id)
    assert case.status == "Alat bantu siap diserahkan"
    letter = letter_of(db_session, case)
    assert letter.letter_type == "alat_bantu_disabilitas" and "/ALB/DINSOS/" in letter.number
    assert re.match(r"400\.9\.2/\d{4}/ALB/DINSOS/[IVX]+/\d{4}$", letter.number)
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    for expected in (letter.number, "Yakobus Kogoya", "Kursi roda (lebar dudukan 46 cm)", "fisik"):
        assert expected in text, expected
    assert "{{" not in text

    # The same social worker hands the wheelchair over and records it.
    handover = open_task(db_session, case, "serah_terima")
    assert handover.assignee == "lapangan.rehsos"
    complete(social_worker, db_session, case, "serah_terima",
             {"tanggal_serah_terima": "2026-11-27", "diterima_oleh": "Yakobus Kogoya sendiri, disaksikan adiknya"},
             {"bukti_serah_terima": (io.BytesIO(JPEG), "serah-terima.jpg")})
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Selesai"
    assert stages(app.test_client(), case) == [
        ("done", "Diajukan"), ("done", "Verifikasi berkas"), ("done", "Asesmen rumah"),
        ("done", "Keputusan Kepala Bidang"), ("done", "Surat terbit dan serah terima"), ("done", "Selesai")]


def test_disability_public_request_referral_letter(app, client, login_as, db_session):
    ticket, code = apply_public(client, "layanan_disabilitas", disability_form(
        pengaju_sebagai="keluarga", kebutuhan="rujukan_rehabilitasi", alat_bantu_diminta="", jenis_disabilitas="mental",
        nama="Selina Wenda", nik=new_nik(date(1995, 2, 3), female=True), tanggal_lahir="1995-02-03",
        jenis_kelamin="P"))
    case = case_by_ref(db_session, ticket)
    assert case.reporter_phone == "+6281244556677"
    assert [s for s in stages(client, case)][:2] == [("done", "Diajukan"), ("current", "Verifikasi berkas")]
    complete(login_as("operator"), db_session, case, "verifikasi", {"keputusan_verifikasi": "lengkap"})
    complete(login_as("lapangan.rehsos"), db_session, case, "asesmen_rumah",
             {"tanggal_asesmen": "2026-11-20", "temuan_asesmen": "Perlu rehabilitasi psikososial berbasis lembaga.",
              "rekomendasi_asesmen": "rujukan_rehabilitasi", "lembaga_rujukan": "Sentra Terpadu Inten Soeweno"})
    kabid = login_as("kabid.rehsos")
    complete(kabid, db_session, case, "keputusan_kabid", {"keputusan": "rujukan_rehabilitasi"})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Rujukan terbit"
    assert ("current", "Surat terbit dan serah terima") in stages(client, case)
    letter = letter_of(db_session, case)
    assert letter.letter_type == "rujukan_rehabilitasi_disabilitas" and "/RRS/DINSOS/" in letter.number
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    assert "Sentra Terpadu Inten Soeweno" in text and "Selina Wenda" in text and "mental (psikososial)" in text


# --- ATENSI: child and elderly ---------------------------------------------------------------------------------

def test_atensi_child_report_is_confidential_assessed_within_a_day_referred_and_closed(app, client, login_as,
                                                                                       db_session):
    # The catalogue shows the child variant, opening the line's form with the target preset.
    page = client.get("/layanan/layanan_anak").get_data(as_text=True)
    assert 'href="/layanan/atensi/ajukan?sasaran=anak"' in page
    form = client.get("/layanan/atensi/ajukan?sasaran=anak").get_data(as_text=True)
    assert 'value="anak" selected' in form or 'value="anak" checked' in form
    assert "/layanan/atensi/ajukan?sasaran=lansia" in client.get("/layanan/layanan_lansia").get_data(as_text=True)

    ticket, code = apply_public(client, "atensi", {
        "sasaran": "anak", "kondisi": "terlantar", "darurat": "true", "nama": "Rafael", "perkiraan_umur": "9",
        "jenis_kelamin": "L", "lokasi": "Emperan toko dekat Pasar Hamadi", "kode_wilayah": VILLAGE,
        "uraian": "Anak tidur di emperan toko tiga malam berturut-turut, tidak sekolah.",
        "nama_pelapor": "Ibu Ruth", "telepon": "0813 4400 1122", "hubungan_pelapor": "warga",
        "foto": (io.BytesIO(JPEG), "foto.jpg")})
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("ATN-") and case.confidential and case.priority == 1
    assert "Anak" in case.title and "Rafael" not in case.title
    assessment = open_task(db_session, case, "asesmen")
    assert assessment.role == "Petugas Lapangan" and assessment.bidang == "rehsos"
    assert assessment.due_at - case.created_at <= timedelta(hours=24, minutes=1)  # a child: within 24 hours
    assert case.next_timer_at is not None  # the escalation timer of the assessment
    assert not in_inbox(login_as("lapangan.dayasos"), case)

    social_worker = login_as("lapangan.rehsos")
    page = social_worker.get(f"/inbox/{assessment.id}").get_data(as_text=True)
    assert 'value="Rafael"' in page  # the form starts from what the report said
    complete(social_worker, db_session, case, "asesmen",
             {"tanggal_asesmen": "2026-11-20", "nama": "Rafael Ohee", "temuan_asesmen": "Ditinggal ibunya yang bekerja "
              "di luar kota; ayah tidak diketahui; nenek sakit.", "tingkat_risiko": "tinggi",
              "hasil_asesmen": "perlu_penanganan"})
    kabid = login_as("kabid.rehsos")
    complete(kabid, db_session, case, "konferensi_kasus",
             {"tanggal_konferensi": "2026-11-22", "peserta_konferensi": "Pekerja sosial, nenek, lurah, LKSA Kasih Ibu",
              "rencana_intervensi": "Pengasuhan sementara di LKSA, sekolah kembali, penelusuran ibu.",
              "bentuk_layanan": "rujukan_lks", "lembaga_tujuan": "LKSA Kasih Ibu Abepura"})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Rujukan ke panti/LKS"
    letter = letter_of(db_session, case)
    assert letter.letter_type == "rujukan_atensi"
    assert re.match(r"400\.9\.3/\d{4}/ATENSI/DINSOS/[IVX]+/\d{4}$", letter.number)
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    for expected in (letter.number, "Rafael Ohee", "LKSA Kasih Ibu Abepura", "Anak", "penelusuran ibu"):
        assert expected in text, expected

    placement = open_task(db_session, case, "penempatan")
    assert placement.assignee == "lapangan.rehsos"
    complete(social_worker, db_session, case, "penempatan",
             {"tanggal_penempatan": "2026-11-23", "diterima_oleh": "Sr. Maria, pengasuh LKSA"})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Pemantauan bulanan" and not case.completed
    assert ("current", "Pemantauan bulanan") in stages(client, case)
    page = kabid.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'data-timer="Sebulan kemudian"' in page  # the next monthly visit
    db_session.expire_all()
    assert timedelta(days=29) < case_by_ref(db_session, ticket).next_timer_at - utcnow() <= timedelta(days=30)
    # Confidential: the public tracking page (ticket and code) shows the stage, nothing of the child.
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert "Rafael" not in html and "Ibu Ruth" not in html


def test_atensi_elderly_overdue_assessment_escalates_then_monthly_visits_until_closed(login_as, db_session):
    case = cases.start_case(
        db_session, "atensi",
        {"sasaran": "lansia", "kondisi": "tanpa_pengasuh", "darurat": False, "nama": "Opa Yulius", "perkiraan_umur": 78,
         "jenis_kelamin": "L", "lokasi": "Jl. Kelapa Dua, Entrop", "kode_wilayah": VILLAGE,
         "uraian": "Tinggal sendiri, jarang makan.", "hubungan_pelapor": "kelurahan",
         "sla_asesmen": "PT1S", "interval_monitoring": "PT2S"},
        "operator", region_code=VILLAGE, category="atensi", confidential=True,
    )
    wait_and_wake(db_session, case)
    review = open_task(db_session, case, "tinjau_keterlambatan")
    assert review is not None and review.role == "Kepala Bidang" and review.bidang == "rehsos"
    assert case_by_id(db_session, case.id).escalated
    kabid = login_as("kabid.rehsos")
    assert in_inbox(kabid, case) and not in_inbox(login_as("kabid.linjamsos"), case)
    complete(kabid, db_session, case, "tinjau_keterlambatan", {"arahan": "Kunjungi hari ini juga."})
    assert open_task(db_session, case, "asesmen") is not None  # the timer does not interrupt the assessment

    social_worker = login_as("lapangan.rehsos")
    complete(social_worker, db_session, case, "asesmen",
             {"tanggal_asesmen": "2026-11-20", "nama": "Opa Yulius", "temuan_asesmen": "Anak tinggal di kota lain, "
              "bersedia mengurus bila dibantu.", "tingkat_risiko": "sedang", "hasil_asesmen": "perlu_penanganan"})
    complete(kabid, db_session, case, "konferensi_kasus",
             {"tanggal_konferensi": "2026-11-21", "peserta_konferensi": "Pekerja sosial, anak, kelurahan",
              "rencana_intervensi": "Anak pulang merawat; permakanan; kunjungan bulanan.",
              "bentuk_layanan": "pengasuhan_keluarga"})
    assert case_by_id(db_session, case.id).status == "Pemantauan bulanan"
    assert not db_session.scalars(select(Letter).where(Letter.case_id == case.id)).all()  # no referral, no letter

    # A visit each month; the second proposes closing; the Kepala Bidang keeps it open once, then closes.
    for visit in (1, 2, 3):
        assert open_task(db_session, case, "kunjungan_monitoring") is None
        wait_and_wake(db_session, case)
        task = open_task(db_session, case, "kunjungan_monitoring")
        assert task is not None and task.assignee == "lapangan.rehsos" and task.bidang == "rehsos"
        complete(social_worker, db_session, case, "kunjungan_monitoring",
                 {"tanggal_monitoring": f"2026-11-2{visit}", "kondisi_penerima": "baik",
                  "temuan_monitoring": "Makan teratur, dirawat anaknya.", "usul_tutup": str(visit >= 2).lower()})
        if visit == 2:
            page = kabid.get(f"/inbox/{open_task(db_session, case, 'tutup_kasus').id}").get_data(as_text=True)
            assert 'id="atensi-kunjungan"' in page and "Kunjungan ke-2" in page and "usul tutup: ya" in page
            complete(kabid, db_session, case, "tutup_kasus",
                     {"keputusan_penutupan": "lanjut", "catatan_penutupan": "Satu bulan lagi, pastikan permakanan."})
    assert open_task(db_session, case, "kunjungan_monitoring") is None
    visits = cases.case_data(case_by_id(db_session, case.id))["kunjungan_monitoring"]
    assert [v["ke"] for v in visits] == [1, 2, 3] and [v["usul_tutup"] for v in visits] == ["tidak", "ya", "ya"]
    complete(kabid, db_session, case, "tutup_kasus",
             {"keputusan_penutupan": "tutup", "kondisi_akhir": "membaik", "catatan_penutupan": "Dirawat anaknya."})
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Selesai" and case.next_timer_at is None


# --- Rujukan pasien ---------------------------------------------------------------------------------------------

def patient_form(**overrides) -> dict:
    born = date(1961, 8, 17)
    form = {
        "pengaju_sebagai": "pekerja_sosial_rs", "nama_pengaju": "Ns. Debora, pekerja sosial RSUD Dok II",
        "telepon": "0821 9900 3344", "darurat": "true", "nama_pasien": "Paulus Itlay", "nik": new_nik(born),
        "tanggal_lahir": born.isoformat(), "no_kk": "9171010101230077", "alamat": "Jl. Koti No. 9, Gurabesi",
        "kode_wilayah": VILLAGE, "rs_asal": "RSUD Dok II Jayapura", "rs_tujuan": "RS Wahidin Sudirohusodo",
        "kota_tujuan": "Makassar", "tanggal_rujukan": date.today().isoformat(), "kondisi_pasien": "berbaring",
        "jaminan": "bpjs_pbi", "nama_pendamping": "Maria Itlay (istri)", **files(*PATIENT_DOCS),
    }
    form.update(overrides)
    return form


PATIENT_DOCS = ("ktp", "kk", "surat_rujukan", "kartu_bpjs_sktm")


def test_patient_referral_dtks_checked_approved_letter_transport_and_arrival(app, client, login_as, db_session):
    form = patient_form()
    db_session.add(Dtks(nik=form["nik"], no_kk=form["no_kk"], nama="PAULUS ITLAY", kode_wilayah=VILLAGE, desil=1))
    db_session.commit()
    ticket, _ = apply_public(client, "rujukan_pasien", form)
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("RJP-") and case.priority == 1 and case.status == "Verifikasi"
    data = cases.case_data(case)
    assert data["terdaftar_dtks"] is True and data["status_dtks"] == "Terdaftar di DTKS, desil 1"
    check = open_task(db_session, case, "verifikasi")
    assert check.due_at - case.created_at <= timedelta(hours=2, minutes=1)  # an emergency: hours, not days
    operator = login_as("operator")
    page = operator.get(f"/inbox/{check.id}").get_data(as_text=True)
    assert 'id="rjp-dtks"' in page and "Terdaftar di DTKS" in page
    complete(operator, db_session, case, "verifikasi", {"keputusan_verifikasi": "layak"})

    approval = open_task(db_session, case, "persetujuan")
    assert approval.role == "Kepala Bidang" and approval.bidang == "linjamsos"
    assert not in_inbox(login_as("kabid.rehsos"), case)
    kabid = login_as("kabid.linjamsos")
    complete(kabid, db_session, case, "persetujuan", {"keputusan_persetujuan": "setujui"})
    letter = letter_of(db_session, case)
    assert letter.letter_type == "pengantar_rujukan_pasien"
    assert re.match(r"400\.9\.1/\d{4}/RJP/DINSOS/[IVX]+/\d{4}$", letter.number)
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    for expected in (letter.number, "Paulus Itlay", "RS Wahidin Sudirohusodo, Makassar", "BPJS Kesehatan PBI",
                     "Terdaftar di DTKS, desil 1", "Maria Itlay (istri)"):
        assert expected in text, expected
    assert form["nik"] in text  # the hospital needs the full NIK; it is masked on the verification page

    transport = open_task(db_session, case, "atur_transportasi")
    assert transport.role == "Petugas Lapangan" and transport.bidang == "linjamsos"
    assert not in_inbox(login_as("lapangan.rehsos"), case)
    field = login_as("lapangan.linjamsos")
    refused = post_task(field, transport.id, {"kendaraan": "ambulans", "nomor_kendaraan": "PA 9012 AB",
                                              "pengemudi": "Yance", "tanggal_berangkat": "2026-11-24",
                                              "jam_berangkat": "7.30"})
    assert refused.status_code == 422 and "07:30" in refused.get_data(as_text=True)
    complete(field, db_session, case, "atur_transportasi",
             {"kendaraan": "ambulans", "nomor_kendaraan": "PA 9012 AB", "pengemudi": "Yance Wenda",
              "telepon_pengemudi": "081299887766", "tanggal_berangkat": "2026-11-24", "jam_berangkat": "07:30"})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Dalam perjalanan" and "07:30 WIT ke RS Wahidin Sudirohusodo" in case.status_note
    assert ("current", "Transportasi") in stages(client, case)
    trip = open_task(db_session, case, "perjalanan_selesai")
    assert trip.assignee == "lapangan.linjamsos"
    complete(field, db_session, case, "perjalanan_selesai",
             {"tanggal_tiba": "2026-11-25", "diterima_oleh": "Perawat jaga IGD"})
    case = case_by_ref(db_session, ticket)
    assert case.completed and case.status == "Selesai"
    assert [state for state, _ in stages(client, case)] == ["done"] * 5


def test_patient_referral_overdue_check_escalates_to_the_kepala_bidang_linjamsos(login_as, db_session):
    born = date(1970, 1, 5)
    nik = new_nik(born)
    case = cases.start_case(
        db_session, "rujukan_pasien",
        {"pengaju_sebagai": "keluarga", "nama_pengaju": "Keluarga", "nama_pasien": "Agus Tabuni", "nik": nik,
         "tanggal_lahir": born.isoformat(), "no_kk": "9171010101230078", "alamat": "Jl. Baru", "kode_wilayah": VILLAGE,
         "rs_asal": "RSUD Abepura", "rs_tujuan": "RSCM", "kota_tujuan": "Jakarta", "tanggal_rujukan": "2026-11-20",
         "kondisi_pasien": "duduk", "jaminan": "sktm", "pengaju": "pemohon", "sla_verifikasi": "PT1S"},
        "pemohon", region_code=VILLAGE, category="rujukan_pasien", subject_nik=nik,
    )
    assert cases.case_data(case)["status_dtks"] == "Tidak terdaftar di DTKS"
    wait_and_wake(db_session, case)
    review = open_task(db_session, case, "tinjau_keterlambatan")
    assert review is not None and review.role == "Kepala Bidang" and review.bidang == "linjamsos"
    assert case_by_id(db_session, case.id).escalated
    assert in_inbox(login_as("kabid.linjamsos"), case) and not in_inbox(login_as("kabid.rehsos"), case)
    assert open_task(db_session, case, "verifikasi") is not None  # the check itself stays open
    complete(login_as("kabid.linjamsos"), db_session, case, "tinjau_keterlambatan",
             {"arahan": "Verifikasi sekarang; pasien berangkat sore ini."})
    complete(login_as("operator"), db_session, case, "verifikasi",
             {"keputusan_verifikasi": "tolak", "alasan_penolakan": "Rujukan sudah ditanggung rumah sakit asal."})
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Ditolak"


# --- Gelandangan, pengemis, ODHA -------------------------------------------------------------------------------

def test_odha_outreach_after_patrol_is_confidential_sent_back_once_then_referred_without_naming_the_condition(
        app, login_as, db_session):
    # Public application is closed: the line starts from an officer's report.
    assert app.test_client().get("/layanan/gepeng_odha/ajukan").status_code in (302, 403, 404)
    field = login_as("lapangan.rehsos")
    case = case_by_id(db_session, apply_officer(field, "gepeng_odha", {
        "sumber": "patroli", "kategori": "odha", "perkiraan_umur": "34", "jenis_kelamin": "P",
        "lokasi_ditemukan": "Bawah jembatan Kali Acai", "kode_wilayah": VILLAGE,
        "tanggal_laporan": date.today().isoformat(), "uraian": "Tidur di bawah jembatan, lemah, membawa obat ARV.",
        "surat_kesehatan": (io.BytesIO(PDF), "surat-puskesmas.pdf")}))
    assert case.reference.startswith("GPO-") and case.confidential
    assert "ODHA" not in case.title and "HIV" not in case.title and case.status == "Penjangkauan"
    outreach = open_task(db_session, case, "identifikasi")
    assert outreach.role == "Petugas Lapangan" and outreach.bidang == "rehsos"
    assert outreach.due_at - case.created_at <= timedelta(hours=72, minutes=1)
    assert not in_inbox(login_as("lapangan.dayasos"), case)
    complete(field, db_session, case, "identifikasi",
             {"tanggal_identifikasi": "2026-11-20", "nama": "Yuliana", "kategori": "odha", "daerah_asal": "Wamena",
              "keluarga": "Kakak di Sentani, HP 0813 0000 1111", "kondisi_kesehatan": "perlu_perawatan",
              "catatan_identifikasi": "Belum punya KTP; bersedia dibantu."})
    complete(field, db_session, case, "asesmen",
             {"temuan_asesmen": "Putus obat dua minggu; keluarga belum tahu keadaannya.", "perlu_penampungan": "true",
              "rekomendasi": "rujuk_kesehatan", "tujuan_rekomendasi": "Klinik VCT Puskesmas Hamadi"})
    complete(field, db_session, case, "penampungan",
             {"tempat_penampungan": "Rumah singgah Dinas Sosial", "tanggal_masuk": "2026-11-21"})

    # The Kepala Bidang sends the assessment back once: the same social worker redoes it.
    kabid = login_as("kabid.rehsos")
    complete(kabid, db_session, case, "keputusan_kabid",
             {"keputusan": "asesmen_ulang", "catatan_keputusan": "Hubungi kakaknya dulu; pertimbangkan pemulangan."})
    redo = open_task(db_session, case, "asesmen")
    assert redo.assignee == "lapangan.rehsos" and case_by_id(db_session, case.id).status == "Asesmen"
    page = field.get(f"/inbox/{redo.id}").get_data(as_text=True)
    assert 'id="gpo-asesmen-ulang"' in page and "Hubungi kakaknya dulu" in page
    complete(field, db_session, case, "asesmen",
             {"temuan_asesmen": "Kakak bersedia menampung; pengobatan dilanjutkan di puskesmas dekat rumah kakak.",
              "perlu_penampungan": "false", "rekomendasi": "rujuk_kesehatan",
              "tujuan_rekomendasi": "Puskesmas Sentani"})
    complete(kabid, db_session, case, "keputusan_kabid",
             {"keputusan": "rujuk_kesehatan", "tujuan": "Puskesmas Sentani"})
    case = case_by_id(db_session, case.id)
    assert case.status == "Rujukan/pemulangan" and "HIV" not in (case.status_note or "")
    letter = letter_of(db_session, case)
    assert letter.letter_type == "rujukan_gepeng_odha"
    assert re.match(r"400\.9\.4/\d{4}/RHS/DINSOS/[IVX]+/\d{4}$", letter.number)
    text = docx_text(kabid.get(f"/berkas/surat/{letter.id}/docx").data)
    assert "Yuliana" in text and "Rujukan ke layanan kesehatan" in text and "Puskesmas Sentani" in text
    assert "HIV" not in text and "ODHA" not in text and "ARV" not in text

    complete(field, db_session, case, "pelaksanaan",
             {"tanggal_pelaksanaan": "2026-11-24", "diterima_oleh": "Bidan koordinator Puskesmas Sentani"})
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Selesai"
    assert [state for state, _ in stages(app.test_client(), case)] == ["done"] * 6


def test_beggar_report_by_the_operator_escalates_when_outreach_is_late(login_as, db_session):
    operator = login_as("operator")
    case = case_by_id(db_session, apply_officer(operator, "gepeng_odha", {
        "sumber": "laporan_warga", "kategori": "pengemis", "jenis_kelamin": "L",
        "lokasi_ditemukan": "Lampu merah Entrop",
        "kode_wilayah": VILLAGE, "tanggal_laporan": date.today().isoformat(),
        "uraian": "Seorang bapak mengemis bersama dua anak setiap sore."}))
    assert case.confidential and case.status == "Penjangkauan"
    db_session.expire_all()
    due = case_by_id(db_session, case.id).next_timer_at
    assert timedelta(hours=71) < due - utcnow() <= timedelta(hours=72)  # 3×24 hours
    short = cases.start_case(db_session, "gepeng_odha",
                             {"sumber": "laporan_warga", "kategori": "gelandangan", "jenis_kelamin": "L",
                              "lokasi_ditemukan": "Pasar Youtefa", "kode_wilayah": VILLAGE, "uraian": "Tidur di pasar.",
                              "sla_penjangkauan": "PT1S"},
                             "operator", region_code=VILLAGE, category="gepeng_odha", confidential=True)
    wait_and_wake(db_session, short)
    review = open_task(db_session, short, "tinjau_keterlambatan")
    assert review is not None and review.role == "Kepala Bidang" and review.bidang == "rehsos"
    assert case_by_id(db_session, short.id).escalated
    assert open_task(db_session, short, "identifikasi") is not None


def test_atensi_report_found_not_needing_the_office_is_closed_with_its_reason(app, client, login_as, db_session):
    """The rejection path: the assessment finds the family already caring for the elder; the case closes
    with the reason shown on the public tracking page and no letter."""
    ticket, code = apply_public(client, "atensi", {
        "sasaran": "lansia", "kondisi": "terlantar", "nama": "Oma Yuliana", "perkiraan_umur": "78",
        "jenis_kelamin": "P", "lokasi": "Jl. Raya Abepura", "kode_wilayah": VILLAGE,
        "uraian": "Seorang nenek sering terlihat sendirian di depan rumah sampai malam.",
        "nama_pelapor": "Pak Daniel", "telepon": "0813 4400 3344", "hubungan_pelapor": "warga",
        "foto": (io.BytesIO(JPEG), "foto.jpg")})
    case = case_by_ref(db_session, ticket)
    social_worker = login_as("lapangan.rehsos")
    refused = post_task(social_worker, open_task(db_session, case, "asesmen").id,
                        {"tanggal_asesmen": "2026-11-20", "nama": "Yuliana", "temuan_asesmen": "Tinggal dengan cucu.",
                         "tingkat_risiko": "rendah", "hasil_asesmen": "tidak_perlu"})
    assert refused.status_code == 422 and "Wajib diisi" in refused.get_data(as_text=True)  # the reason is required
    complete(social_worker, db_session, case, "asesmen",
             {"tanggal_asesmen": "2026-11-20", "nama": "Yuliana", "temuan_asesmen": "Tinggal dengan cucu yang bekerja "
              "siang hari; makan dan obat teratur.", "tingkat_risiko": "rendah", "hasil_asesmen": "tidak_perlu",
              "alasan_penutupan": "Keluarga merawat dengan baik; tidak perlu penanganan Dinas Sosial."})
    case = case_by_ref(db_session, ticket)
    assert case.completed and case.status == "Ditutup"
    assert db_session.scalar(select(Letter).where(Letter.case_id == case.id)) is None
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert "Keluarga merawat dengan baik" in html and "Yuliana" not in html
