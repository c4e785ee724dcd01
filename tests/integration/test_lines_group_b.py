"""The PKH, repatriation (orang terlantar), scholarship-recommendation and heroes'-cemetery visit lines end to
end through the generic pages: public or officer start, every task through /inbox/<id> as the demo user of its
lane, returns (through the applicant's single-use link or back to an officer), numbered letters of the right
type reopened with python-docx, public tracking stages, and the daily visit capacity."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import csrf_token
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
)
from workflows.db import Case, OutboxMessage
from workflows.dtks import Dtks
from workflows.issued_letters import Letter, office_today

VILLAGE = "91.71.01.1001"  # Gurabesi, Jayapura Utara
_serial = iter(range(1, 100_000))


def unique_nik(day: int, month: int, year: int, female: bool = False) -> str:
    """A structurally valid NIK of Jayapura Utara (91.71.01) born on that day, unique within the run."""
    serial = (time.time_ns() // 1000 + next(_serial)) % 9000 + 1000
    return f"917101{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"


def letters_of(db_session, case: Case) -> list[Letter]:
    db_session.expire_all()
    return list(db_session.scalars(select(Letter).where(Letter.case_id == case.id).order_by(Letter.id)))


def letter_text(client, letter: Letter) -> str:
    response = client.get(f"/berkas/surat/{letter.id}/docx")
    assert response.status_code == 200
    text = docx_text(response.data)
    assert letter.number in text and "{{" not in text
    return text


def link_of(db_session, case: Case) -> str:
    """The newest single-use link sent to the applicant (the raw token exists only in the message)."""
    db_session.expire_all()
    for message in db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                      .order_by(OutboxMessage.id.desc())):
        match = re.search(r"/permohonan/perbaiki/[A-Z0-9-]+/[A-Za-z0-9_-]+", message.message)
        if match:
            return match.group(0)
    raise AssertionError("no link was sent to the applicant")


def resubmit(app, db_session, case: Case, data: dict, upload: dict | None = None) -> str:
    """The applicant opens the link and sends the form; returns the page's text."""
    public = app.test_client()
    url = link_of(db_session, case)
    page = public.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    response = public.post(url, data={"csrf_token": csrf_token(public, url), **data, **(upload or {})},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Perbaikan terkirim" in response.get_data(as_text=True), \
        response.get_data(as_text=True)[:3000]
    return page.get_data(as_text=True)


def stages(client, ticket: str, code: str) -> list[tuple[str, str]]:
    """(label, state) of each stage on the public tracking page."""
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    block = html[html.index('id="stages"'):]
    block = block[:block.index("</ol>")]
    return [(re.sub(r"<[^>]+>", "", label).strip(), state)
            for state, label in re.findall(r'data-state="(\w+)">(.*?)</li>', block)]


def current_stage(client, ticket: str, code: str) -> str | None:
    return next((label for label, state in stages(client, ticket, code) if state == "current"), None)


# --- Izin ziarah / wisata Taman Makam Pahlawan --------------------------------------------------------------

def ziarah_form(visit: date, **overrides) -> dict:
    form = {
        "nama_rombongan": f"SMP Negeri {next(_serial)} Jayapura",
        "jenis_rombongan": "sekolah",
        "alamat_rombongan": "Jl. Sam Ratulangi No. 3, Jayapura",
        "nama_penanggung_jawab": "Yakob Rumbiak",
        "nik_penanggung_jawab": unique_nik(12, 3, 1980),
        "telepon": "0812 7000 5555",
        "tanggal_kunjungan": visit.isoformat(),
        "sesi_kunjungan": "pagi",
        "jumlah_peserta": "40",
        "tujuan": "wisata_edukasi",
        **files("surat_permohonan", "ktp_penanggung_jawab"),
    }
    form.update(overrides)
    return form


def ziarah_approve(login_as, db_session, case: Case, note: str = "Didampingi juru pelihara.") -> None:
    complete(login_as("operator"), db_session, case, "periksa", {"keputusan_pemeriksaan": "lengkap"},
             role="Operator Dinsos")
    task = open_task(db_session, case, "persetujuan")
    assert task.role == "Kepala Bidang" and task.bidang == "dayasos"
    complete(login_as("kabid.dayasos"), db_session, case, "persetujuan",
             {"keputusan_persetujuan": "setujui", "catatan_persetujuan": note})


def test_ziarah_capacity_full_asks_for_another_date_then_permit(app, client, login_as, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_ZIARAH_KUOTA_HARIAN", "1")
    day = office_today() + timedelta(days=40)

    # A date that has passed is refused by the start form's check.
    path = "/layanan/izin_ziarah/ajukan"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       **ziarah_form(office_today() - timedelta(days=1))},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "paling cepat 1 hari" in response.get_data(as_text=True)

    first_form = ziarah_form(day)
    ticket_a, code_a = apply_public(client, "izin_ziarah", first_form)
    case_a = case_by_ref(db_session, ticket_a)
    assert ticket_a.startswith("TMP-") and case_a.status == "Pemeriksaan permohonan"
    assert current_stage(client, ticket_a, code_a) == "Pemeriksaan dan kuota"
    operator = login_as("operator")
    page = operator.get(f"/inbox/{open_task(db_session, case_a, 'periksa').id}").get_data(as_text=True)
    assert 'id="ziarah-kuota"' in page  # the capacity of that day beside the form
    ziarah_approve(login_as, db_session, case_a)
    case_a = case_by_ref(db_session, ticket_a)
    assert case_a.status == "Izin terbit" and case_a.completed
    [permit] = letters_of(db_session, case_a)
    assert permit.letter_type == "izin_ziarah" and "/TMP/DINSOS/" in permit.number and permit.valid_until == day
    text = letter_text(login_as("kadis"), permit)
    for expected in (first_form["nama_rombongan"], "Yakob Rumbiak", "40 orang", "Wisata edukasi sejarah",
                     "Didampingi juru pelihara.", "Sarah Kabid Dayasos"):
        assert expected in text, expected
    assert all(state == "done" for _, state in stages(client, ticket_a, code_a))

    # The day is full now (capacity 1): the next group for that date is asked for another one.
    ticket_b, code_b = apply_public(client, "izin_ziarah", ziarah_form(day))
    case_b = case_by_ref(db_session, ticket_b)
    assert case_b.status == "Kuota penuh" and "sudah penuh (1 dari 1" in case_b.status_note
    assert open_task(db_session, case_b, "pilih_tanggal_lain").role == "Pemohon"
    assert open_task(db_session, case_b, "periksa") is None
    assert current_stage(client, ticket_b, code_b) == "Pemeriksaan dan kuota"
    page = resubmit(app, db_session, case_b, {"tanggal_kunjungan": (day + timedelta(days=1)).isoformat(),
                                              "sesi_kunjungan": "siang"})
    assert "sudah penuh" in page
    case_b = case_by_ref(db_session, ticket_b)
    assert case_b.status == "Pemeriksaan permohonan"
    ziarah_approve(login_as, db_session, case_b)
    case_b = case_by_ref(db_session, ticket_b)
    assert case_b.status == "Izin terbit" and case_b.completed
    [permit_b] = letters_of(db_session, case_b)
    assert permit_b.valid_until == day + timedelta(days=1) and permit_b.number != permit.number


def test_ziarah_last_place_taken_before_issue_returns_to_the_applicant(app, client, login_as, db_session,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_ZIARAH_KUOTA_HARIAN", "1")
    day = office_today() + timedelta(days=50)
    # Two groups ask for the same day while it is still free; both pass the first count.
    ticket_c, _ = apply_public(client, "izin_ziarah", ziarah_form(day))
    ticket_d, code_d = apply_public(client, "izin_ziarah", ziarah_form(day))
    case_c, case_d = case_by_ref(db_session, ticket_c), case_by_ref(db_session, ticket_d)
    assert case_c.status == case_d.status == "Pemeriksaan permohonan"
    ziarah_approve(login_as, db_session, case_c)
    assert case_by_ref(db_session, ticket_c).status == "Izin terbit"

    # The approver of the second one sees the day's count; the issue step counts again and sends it back.
    complete(login_as("operator"), db_session, case_d, "periksa", {"keputusan_pemeriksaan": "lengkap"})
    kabid = login_as("kabid.dayasos")
    page = kabid.get(f"/inbox/{open_task(db_session, case_d, 'persetujuan').id}").get_data(as_text=True)
    assert 'id="ziarah-kuota"' in page and "Sudah diizinkan" in page
    complete(kabid, db_session, case_d, "persetujuan", {"keputusan_persetujuan": "setujui"})
    case_d = case_by_ref(db_session, ticket_d)
    assert case_d.status == "Kuota penuh" and not case_d.completed
    assert letters_of(db_session, case_d) == []
    assert open_task(db_session, case_d, "pilih_tanggal_lain") is not None
    assert current_stage(client, ticket_d, code_d) == "Pemeriksaan dan kuota"


# --- Rekomendasi beasiswa (DTKS / non-DTKS) ------------------------------------------------------------------

def beasiswa_form(**overrides) -> dict:
    form = {
        "jalur": "dtks",
        "nama_siswa": "Clara Wenda",
        "nik_siswa": unique_nik(15, 8, 2008, female=True),
        "tanggal_lahir_siswa": "2008-08-15",
        "nama_sekolah": "SMA Negeri 1 Jayapura",
        "jenjang": "sma",
        "nama_beasiswa": "Beasiswa Afirmasi Pendidikan Papua",
        "nama_orang_tua": "Markus Wenda",
        "nik_orang_tua": unique_nik(2, 2, 1975),
        "no_kk": "9171010101230009",
        "alamat": "Jl. Percetakan No. 9, RT 01/RW 02",
        "kode_wilayah": VILLAGE,
        "telepon": "0812 7000 6666",
        **files("ktp_orang_tua", "kk", "surat_aktif", "surat_permintaan"),
    }
    form.update(overrides)
    return form


def test_beasiswa_parent_in_dtks_gets_the_dtks_recommendation(app, client, login_as, db_session):
    form = beasiswa_form()
    db_session.add(Dtks(nik=form["nik_orang_tua"], no_kk=form["no_kk"], nama="Markus Wenda", desil=1,
                        kode_wilayah=VILLAGE))
    db_session.commit()
    ticket, code = apply_public(client, "beasiswa", form)
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("BEA-") and case.status == "Verifikasi berkas"  # no SKTM asked: the parent is in DTKS
    assert current_stage(client, ticket, code) == "Verifikasi berkas dan DTKS"

    operator = login_as("operator")
    page = operator.get(f"/inbox/{open_task(db_session, case, 'verifikasi').id}").get_data(as_text=True)
    assert 'id="beasiswa-dtks-hasil"' in page and "Terdaftar di DTKS (desil 1)" in page
    complete(operator, db_session, case, "verifikasi", {"keputusan": "lengkap"}, role="Operator Dinsos")
    assert open_task(db_session, case, "kunjungan_rumah") is None  # no home visit for a DTKS family
    task = open_task(db_session, case, "persetujuan")
    assert task.role == "Kepala Bidang" and task.bidang == "linjamsos"
    assert current_stage(client, ticket, code) == "Tanda tangan"
    kabid = login_as("kabid.linjamsos")
    complete(kabid, db_session, case, "persetujuan", {"keputusan_persetujuan": "setuju"})

    case = case_by_ref(db_session, ticket)
    assert case.status == "Surat terbit" and case.completed
    [letter] = letters_of(db_session, case)
    assert letter.letter_type == "rekomendasi_beasiswa_dtks" and "/BEA-DTKS/" in letter.number
    text = letter_text(kabid, letter)
    assert "Clara Wenda" in text and "desil 1" in text and "Beasiswa Afirmasi Pendidikan Papua" in text
    assert form["nik_siswa"] in text and "Hendrik Kabid Linjamsos" in text
    assert all(state == "done" for _, state in stages(client, ticket, code))


def test_beasiswa_not_in_dtks_asks_for_sktm_visits_home_and_issues_the_other_letter(app, client, login_as,
                                                                                     db_session):
    # The non-DTKS variant's form requires the SKTM (a conditional requirement of the schema).
    path = "/layanan/beasiswa/ajukan"
    assert 'value="non_dtks"' in client.get(path + "?jalur=non_dtks").get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **beasiswa_form(jalur="non_dtks")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)

    # A family that believes it is in DTKS but is not: the process asks the SKTM back through the link.
    ticket, code = apply_public(client, "beasiswa", beasiswa_form())
    case = case_by_ref(db_session, ticket)
    assert case.status == "Dikembalikan ke pemohon" and "SKTM" in case.status_note
    assert open_task(db_session, case, "perbaiki_berkas").role == "Pemohon"
    public = app.test_client()
    url = link_of(db_session, case)
    refused = public.post(url, data={"csrf_token": csrf_token(public, url), "catatan_perbaikan": "Sudah lengkap."},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "Berkas ini diminta diperbaiki" in refused.get_data(as_text=True)
    resubmit(app, db_session, case, {"catatan_perbaikan": "SKTM dari kelurahan diunggah."},
             {"sktm": (io.BytesIO(PDF), "sktm.pdf"), "foto_rumah": (io.BytesIO(JPEG), "rumah.jpg")})
    case = case_by_ref(db_session, ticket)
    assert case.status == "Verifikasi berkas"

    operator = login_as("operator")
    page = operator.get(f"/inbox/{open_task(db_session, case, 'verifikasi').id}").get_data(as_text=True)
    assert "Tidak terdaftar di DTKS" in page
    complete(operator, db_session, case, "verifikasi", {"keputusan": "lengkap"})
    task = open_task(db_session, case, "kunjungan_rumah")
    assert task.role == "Petugas Lapangan" and task.bidang == "linjamsos"
    assert current_stage(client, ticket, code) == "Kunjungan rumah"
    complete(login_as("lapangan.linjamsos"), db_session, case, "kunjungan_rumah",
             {"tanggal_kunjungan": office_today().isoformat(), "hasil_kunjungan_rumah": "layak",
              "ringkasan_kunjungan": "rumah papan, ayah buruh harian, tiga anak sekolah"})
    kabid = login_as("kabid.linjamsos")
    # Sent back to the verifier once, then signed.
    complete(kabid, db_session, case, "persetujuan",
             {"keputusan_persetujuan": "kembalikan", "catatan_persetujuan": "Periksa lagi surat aktif sekolah."})
    assert case_by_ref(db_session, ticket).status == "Verifikasi berkas"
    complete(operator, db_session, case, "verifikasi", {"keputusan": "lengkap"})
    complete(login_as("lapangan.linjamsos"), db_session, case, "kunjungan_rumah",
             {"tanggal_kunjungan": office_today().isoformat(), "hasil_kunjungan_rumah": "layak",
              "ringkasan_kunjungan": "rumah papan, ayah buruh harian, tiga anak sekolah"})
    complete(kabid, db_session, case, "persetujuan", {"keputusan_persetujuan": "setuju"})

    case = case_by_ref(db_session, ticket)
    assert case.status == "Surat terbit" and case.completed
    [letter] = letters_of(db_session, case)
    assert letter.letter_type == "rekomendasi_beasiswa_non_dtks" and "/BEA-NON/" in letter.number
    text = letter_text(kabid, letter)
    assert "belum terdaftar" in text and "rumah papan, ayah buruh harian" in text and "desil" not in text


# --- Pemulangan orang terlantar ------------------------------------------------------------------------------

def ot_form(**overrides) -> dict:
    form = {
        "nama": "Simon Rumbewas",
        "nik": unique_nik(4, 7, 1990),  # a man born 04-07-1990
        "jenis_kelamin": "L",
        "tanggal_lahir": "1990-07-04",
        "lokasi_ditemukan": "pelabuhan",
        "keterangan_lokasi": "Pelabuhan Jayapura",
        "kode_wilayah": VILLAGE,
        "rujukan_dari": "kepolisian",
        "daerah_asal": "Kabupaten Biak Numfor, Papua",
        "alamat_asal": "Kampung Samofa, Distrik Biak Kota",
        "nama_keluarga": "Ruth Rumbewas (kakak)",
        "telepon_keluarga": "0812 7000 7777",
        "kondisi_awal": "Kehabisan biaya setelah berobat, tidur di ruang tunggu pelabuhan tiga hari.",
        **files("identitas", "surat_keterangan_terlantar"),
    }
    form.update(overrides)
    return form


def test_pemulangan_identity_return_assessment_approval_journey_handover_report(app, login_as, db_session):
    operator = login_as("operator")
    # The NIK is checked against the sex given: a woman's NIK for a man is refused.
    path = "/kantor/layanan/pemulangan_orang_terlantar/baru"
    response = operator.post(path, data={"csrf_token": csrf_token(operator, path),
                                         **ot_form(nik=unique_nik(4, 7, 1990, female=True))},
                             content_type="multipart/form-data")
    assert response.status_code == 422 and "NIK ini milik seorang perempuan" in response.get_data(as_text=True)
    assert app.test_client().get("/layanan/pemulangan_orang_terlantar/ajukan").status_code in (403, 404)

    case = case_by_id(db_session, apply_officer(operator, "pemulangan_orang_terlantar", ot_form()))
    ticket, code = case.reference, case.tracking_code
    assert ticket.startswith("OT-") and case.status == "Pemeriksaan identitas"
    assert case.reporter_phone == "+6281270007777"
    public = app.test_client()
    assert current_stage(public, ticket, code) == "Pemeriksaan identitas"

    # The police letter is unreadable: a field officer of Rehabilitasi Sosial completes it.
    complete(operator, db_session, case, "verifikasi_identitas",
             {"hasil_identitas": "perlu_dilengkapi", "alasan_pengembalian": "Surat kepolisian tidak terbaca.",
              "berkas_bermasalah": "surat_keterangan_terlantar"}, role="Operator Dinsos")
    assert case_by_id(db_session, case.id).status == "Melengkapi identitas"
    task = open_task(db_session, case, "lengkapi_identitas")
    assert task.role == "Petugas Lapangan" and task.bidang == "rehsos"
    field = login_as("lapangan.rehsos")
    page = field.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert 'id="ot-pengembalian"' in page and "Surat kepolisian tidak terbaca." in page
    response = post_task(field, task.id, {"catatan_perbaikan": "Sudah diminta ke Polsek."})
    assert response.status_code == 422 and "Berkas ini diminta diperbaiki" in response.get_data(as_text=True)
    complete(field, db_session, case, "lengkapi_identitas", {"catatan_perbaikan": "Surat baru dari Polsek Pelabuhan."},
             files("surat_keterangan_terlantar"))
    complete(operator, db_session, case, "verifikasi_identitas",
             {"hasil_identitas": "terverifikasi", "identitas_cocok_dukcapil": "true"})

    assert current_stage(public, ticket, code) == "Asesmen"
    complete(field, db_session, case, "asesmen",
             {"kondisi": "sehat", "hasil_asesmen": "Berobat ke Jayapura, uang habis; keluarga di Biak siap menerima.",
              "keluarga_dihubungi": "true", "rekomendasi": "pulangkan", "moda_transportasi": "kapal",
              "rute": "Jayapura - Biak (KM Sinabung)", "perkiraan_biaya": "450000"}, role="Petugas Lapangan")
    task = open_task(db_session, case, "persetujuan")
    assert task.role == "Kepala Bidang" and task.bidang == "rehsos"
    kabid = login_as("kabid.rehsos")
    assert 'id="ot-rencana"' in kabid.get(f"/inbox/{task.id}").get_data(as_text=True)
    complete(kabid, db_session, case, "persetujuan", {"keputusan_persetujuan": "setuju"})

    [letter] = letters_of(db_session, case)
    assert letter.letter_type == "pemulangan_orang_terlantar" and "/OT/DINSOS/" in letter.number
    text = letter_text(kabid, letter)
    for expected in ("Simon Rumbewas", "Kabupaten Biak Numfor", "Kapal laut", "Jayapura - Biak (KM Sinabung)",
                     "Pelabuhan, Pelabuhan Jayapura", "Agustina Kabid Rehsos"):
        assert expected in text, expected
    assert case_by_id(db_session, case.id).status == "Dalam perjalanan pulang"
    assert current_stage(public, ticket, code) == "Pemulangan"

    complete(field, db_session, case, "pemulangan",
             {"tanggal_berangkat": office_today().isoformat(), "nomor_tiket": "SNB-0412", "biaya_riil": "430000"})
    response = post_task(field, open_task(db_session, case, "serah_terima").id,
                         {"diserahkan_kepada": "keluarga", "nama_penerima": "Ruth Rumbewas",
                          "tanggal_serah_terima": office_today().isoformat()})
    assert response.status_code == 422  # the signed hand-over record is required
    complete(field, db_session, case, "serah_terima",
             {"diserahkan_kepada": "keluarga", "nama_penerima": "Ruth Rumbewas", "hubungan": "Kakak kandung",
              "tanggal_serah_terima": office_today().isoformat()}, files("berita_acara"))
    assert current_stage(public, ticket, code) == "Laporan"
    complete(operator, db_session, case, "laporan",
             {"ringkasan_laporan": "Dipulangkan dengan kapal, diterima kakak di Biak.", "realisasi_biaya": "430000",
              "tembusan_dinsos_asal": "true"}, role="Operator Dinsos")
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Selesai" and "Ruth Rumbewas" in case.status_note
    assert all(state == "done" for _, state in stages(public, ticket, code))


# --- Layanan PKH ------------------------------------------------------------------------------------------

def pkh_form(**overrides) -> dict:
    form = {
        "jenis_layanan": "pindah_domisili",
        "nama": "Naomi Yoku",
        "nik": unique_nik(9, 9, 1985, female=True),
        "no_kk": "9171010101230011",
        "alamat": "Jl. Kali Acai No. 4, RT 03/RW 01",
        "kode_wilayah": VILLAGE,
        "telepon": "0812 7000 8888",
        "uraian": "Keluarga pindah ke Kabupaten Keerom karena suami bekerja di sana.",
        "alamat_baru": "Kampung Arso 2, Kabupaten Keerom",
        **files("ktp", "kk", "bukti_pendukung"),
    }
    form.update(overrides)
    return form


def test_pkh_move_verified_returned_updated_and_certified(app, client, login_as, db_session):
    # Moving needs the new address and the civil registry's letter (conditional requirement of the form).
    path = "/layanan/layanan_pkh/ajukan"
    incomplete = {k: v for k, v in pkh_form().items() if k not in ("alamat_baru", "bukti_pendukung")}
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **incomplete},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)

    ticket, code = apply_public(client, "layanan_pkh", pkh_form())
    case = case_by_ref(db_session, ticket)
    assert ticket.startswith("PKH-") and case.status == "Verifikasi pendamping"
    task = open_task(db_session, case, "verifikasi_pendamping")
    assert task.role == "Pendamping PKH"
    pendamping = login_as("pendamping.pkh")
    assert ticket in pendamping.get("/inbox/").get_data(as_text=True)
    assert ticket not in login_as("kelurahan.abepura").get("/inbox/").get_data(as_text=True)

    # The family card is outdated: back to the family through the link, which insists on a new KK.
    complete(pendamping, db_session, case, "verifikasi_pendamping",
             {"hasil_verifikasi": "tidak_lengkap", "tanggal_verifikasi": office_today().isoformat(),
              "temuan_pendamping": "KK masih alamat lama.", "alasan_pengembalian": "Unggah KK yang terbaru.",
              "berkas_bermasalah": "kk"})
    assert case_by_ref(db_session, ticket).status == "Dikembalikan ke pemohon"
    assert current_stage(client, ticket, code) == "Verifikasi pendamping"
    page = resubmit(app, db_session, case, {"catatan_perbaikan": "KK baru dari Dukcapil."},
                    {"kk": (io.BytesIO(PDF), "kk-baru.pdf")})
    assert "Unggah KK yang terbaru." in page
    complete(pendamping, db_session, case, "verifikasi_pendamping",
             {"hasil_verifikasi": "sesuai", "tanggal_verifikasi": office_today().isoformat(),
              "temuan_pendamping": "Rumah di Gurabesi sudah kosong; keluarga di Keerom sejak bulan lalu."})

    assert current_stage(client, ticket, code) == "Tindak lanjut Dinas Sosial"
    operator = login_as("operator")
    page = operator.get(f"/inbox/{open_task(db_session, case, 'tindak_lanjut').id}").get_data(as_text=True)
    assert 'id="pkh-verifikasi"' in page and "keluarga di Keerom" in page
    complete(operator, db_session, case, "tindak_lanjut",
             {"hasil_tindak_lanjut": "diperbarui", "tindakan": "Usulan pindah di SIKS-NG.",
              "jawaban": "Data domisili sudah diperbarui dan diusulkan pindah ke Kabupaten Keerom."},
             role="Operator Dinsos")
    task = open_task(db_session, case, "persetujuan")
    assert task.role == "Kepala Bidang" and task.bidang == "linjamsos"
    kabid = login_as("kabid.linjamsos")
    complete(kabid, db_session, case, "persetujuan", {"keputusan_persetujuan": "setuju"})

    case = case_by_ref(db_session, ticket)
    assert case.status == "Selesai" and case.completed and "diusulkan pindah" in case.status_note
    [letter] = letters_of(db_session, case)
    assert letter.letter_type == "pkh_pindah" and "/PKH-PD/" in letter.number
    text = letter_text(kabid, letter)
    assert "Pindah Kepesertaan" in text and "Kampung Arso 2, Kabupaten Keerom" in text and "Naomi Yoku" in text
    assert all(state == "done" for _, state in stages(client, ticket, code))


def test_pkh_unpaid_aid_started_by_the_pendamping_is_answered_without_a_letter(app, login_as, db_session):
    pendamping = login_as("pendamping.pkh")
    form = pkh_form(jenis_layanan="tidak_menerima", uraian="Bantuan tahap III belum masuk ke rekening KKS.")
    del form["alamat_baru"], form["bukti_pendukung"]
    case = case_by_id(db_session, apply_officer(pendamping, "layanan_pkh", form))
    assert case.status == "Verifikasi pendamping" and case.title.startswith("PKH · Bantuan tidak diterima")
    complete(pendamping, db_session, case, "verifikasi_pendamping",
             {"hasil_verifikasi": "sesuai", "tanggal_verifikasi": office_today().isoformat(),
              "temuan_pendamping": "Buku tabungan menunjukkan tahap III belum masuk."})
    complete(login_as("operator"), db_session, case, "tindak_lanjut",
             {"hasil_tindak_lanjut": "diperbarui", "tindakan": "Dikonfirmasi ke bank penyalur: rekening dibekukan.",
              "jawaban": "Rekening KKS diaktifkan kembali; bantuan tahap III masuk pada penyaluran berikut."})
    case = case_by_id(db_session, case.id)
    assert case.completed and case.status == "Selesai" and "diaktifkan kembali" in case.status_note
    assert letters_of(db_session, case) == [] and open_task(db_session, case, "persetujuan") is None


# --- The catalogue ------------------------------------------------------------------------------------------

def test_catalogue_shows_the_packages_instead_of_the_planned_entries(app, client):
    from app.extensions import db
    from app.portal import catalogue

    with app.app_context():
        entries = {e["kode"]: e for e in catalogue.services(db.session, "en")}
    expected = {"layanan_pkh": "layanan_pkh", "pemulangan_orang_terlantar": "pemulangan_orang_terlantar",
                "beasiswa_dtks": "beasiswa", "beasiswa_non_dtks": "beasiswa", "izin_ziarah": "izin_ziarah"}
    for code, package in expected.items():
        entry = entries[code]
        assert entry.get("paket") == package, code  # a deployed package, not forms/layanan.json's planned entry
        assert entry["persyaratan"] and entry["sla"]
    assert entries["beasiswa_dtks"]["ajukan"] == "/layanan/beasiswa/ajukan?jalur=dtks"
    assert entries["beasiswa_non_dtks"]["ajukan"] == "/layanan/beasiswa/ajukan?jalur=non_dtks"
    assert entries["pemulangan_orang_terlantar"]["ajukan"] is None  # recorded by officers only
    assert entries["izin_ziarah"]["nama"].startswith("Visit permit")
    assert "Certificate of low income (SKTM) from the village office" in entries["beasiswa_non_dtks"]["persyaratan"]
    page = client.get("/layanan/beasiswa_non_dtks").get_data(as_text=True)
    assert "Foto rumah tampak depan dan dalam" in page
