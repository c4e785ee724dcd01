"""The rest of the LIGAT catalogue, each line a package of data driven through the generic pages:
PBI-APBD (yearly quota counted before and at approval, monthly list for BPJS), DTKS/DTSEN proposals
(one by a resident, a kelurahan's list with the minutes of its village meeting, the accepted list for the
national system) and disaster social aid (one case per household, households from a spreadsheet, aid
handed over, compensation for the heirs of the dead with its own letter)."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

import letters
from tests.conftest import csrf_token
from tests.integration.test_pbi_jkn_http import JPEG, PDF, PNG, docx_text, new_nik
from workflows.counting import CaseTag
from workflows.db import Case, InboxTask
from workflows.documents import CaseDocument
from workflows.issued_letters import Letter, office_today

VILLAGE = "91.71.01.1001"  # Gurabesi: kelurahan.gurabesi works here
APPROVED = ("Surat terbit", "Surat siap diserahkan", "Selesai")


def case_row(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def open_task(db_session, case_id: int, name: str) -> InboxTask | None:
    db_session.expire_all()
    return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name,
                                                     InboxTask.state == "open"))


def open_tasks(db_session, case_id: int) -> list[str]:
    db_session.expire_all()
    return sorted(db_session.scalars(select(InboxTask.task_name).where(InboxTask.case_id == case_id,
                                                                      InboxTask.state == "open")))


def post_task(client, task_id: int, data: dict, files: dict | None = None):
    token = csrf_token(client, "/inbox/")
    return client.post(f"/inbox/{task_id}", data={"csrf_token": token, **data, **(files or {})},
                       content_type="multipart/form-data")


def complete(client, db_session, case_id: int, name: str, data: dict, files: dict | None = None, role=None):
    task = open_task(db_session, case_id, name)
    assert task is not None, f"no open task {name}: {open_tasks(db_session, case_id)}, " \
                             f"status {case_row(db_session, case_id).status}"
    if role:
        assert task.role == role
    response = post_task(client, task.id, data, files)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return task


def letters_of(db_session, case_id: int) -> list[Letter]:
    db_session.expire_all()
    return list(db_session.scalars(select(Letter).where(Letter.case_id == case_id).order_by(Letter.id)))


def export_rows(client, path: str) -> list[tuple]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


# --- PBI-APBD -----------------------------------------------------------------------------------------------


def pba_submit(client, name: str) -> int:
    nik, born = new_nik(female=False)
    form = {
        "csrf_token": csrf_token(client, "/kantor/layanan/pbi_apbd/baru"),
        "nik": nik, "no_kk": "9171010101230002", "nama": name, "jenis_kelamin": "L",
        "tempat_lahir": "Jayapura", "tanggal_lahir": born, "alamat": "Jl. Koti No. 3, RT 01/RW 02",
        "kode_wilayah": VILLAGE, "faskes_tingkat_pertama": "Puskesmas Jayapura Utara", "telepon": "",
        "alasan": "Buruh harian, belum terdaftar PBI-JKN dan tidak mampu membayar iuran mandiri.",
        "ktp": (io.BytesIO(JPEG), "ktp.jpg"), "kk": (io.BytesIO(PDF), "kk.pdf"),
        "sktm": (io.BytesIO(PNG), "sktm.png"), "bukti_non_pbi": (io.BytesIO(PDF), "cek-bpjs.pdf"),
    }
    response = client.post("/kantor/layanan/pbi_apbd/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/kasus/(\d+)", response.headers["Location"]).group(1))


def test_pbi_apbd_quota_return_approval_letter_and_bpjs_export(app, login_as, db_session, monkeypatch):
    year = office_today().year
    used = db_session.query(Case).filter(Case.process_id == "pbi_apbd", Case.status.in_(APPROVED)).count()
    monkeypatch.setitem(app.config, "LIGAT_PBI_APBD_KUOTA_TAHUNAN", used + 1)  # one place left this year

    public = app.test_client().get("/layanan/pbi_apbd").get_data(as_text=True)
    assert "Bukti belum terdaftar sebagai peserta PBI-JKN" in public
    kelurahan, operator, kadis = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("kadis")
    a, b, c = (pba_submit(kelurahan, n) for n in ("Agus Wanggai", "Benny Yoku", "Corneles Ohee"))
    case_a = case_row(db_session, a)
    assert case_a.reference.startswith("PBA-") and case_a.status == "Verifikasi Dinsos"

    # A returned for a new SKTM: the same kelurahan officer gets it and cannot resubmit without it.
    complete(operator, db_session, a, "verifikasi", {"keputusan": "tidak_lengkap", "berkas_bermasalah": "sktm",
                                                     "alasan_pengembalian": "SKTM sudah lewat 6 bulan."})
    fix = open_task(db_session, a, "perbaiki_berkas")
    assert fix.assignee == "kelurahan.gurabesi" and case_row(db_session, a).status == "Dikembalikan ke kelurahan"
    refused = post_task(kelurahan, fix.id, {"catatan_perbaikan": "Tanpa SKTM baru"})
    assert refused.status_code == 422
    complete(kelurahan, db_session, a, "perbaiki_berkas", {"catatan_perbaikan": "SKTM baru dari kelurahan."},
             {"sktm": (io.BytesIO(PDF), "sktm-baru.pdf")})

    # A and B verified while one place is left: both reach the head of office, who sees the quota.
    for case_id in (a, b):
        complete(operator, db_session, case_id, "verifikasi", {"keputusan": "lengkap"})
        assert case_row(db_session, case_id).status == "Menunggu persetujuan"
    task_b = open_task(db_session, b, "persetujuan")
    page = kadis.get(f"/inbox/{task_b.id}").get_data(as_text=True)
    assert 'id="pba-kuota"' in page and f"Kuota PBI-APBD tahun {year}" in page
    assert f"<dt>Kuota tahunan</dt><dd>{used + 1}</dd><dt>Sudah disetujui tahun ini</dt><dd>{used}</dd>" in page
    assert "<dt>Sisa kuota</dt><dd>1</dd>" in page

    complete(kadis, db_session, a, "persetujuan", {"keputusan_persetujuan": "setuju"}, role="Kepala Dinas")
    [letter] = letters_of(db_session, a)
    assert re.fullmatch(r"400\.9/\d{4}/PBI-APBD/DINSOS/[IVX]+/\d{4}", letter.number)
    assert case_row(db_session, a).status == "Surat siap diserahkan"

    # B's approval comes after A took the last place: the quota is counted again and B is not approved.
    complete(kadis, db_session, b, "persetujuan", {"keputusan_persetujuan": "setuju"})
    assert letters_of(db_session, b) == [] and case_row(db_session, b).status == "Kuota penuh"
    assert open_tasks(db_session, b) == ["tangani_kuota_penuh"]
    # C, verified once the quota is used up, never reaches the approver.
    complete(operator, db_session, c, "verifikasi", {"keputusan": "lengkap"})
    assert open_tasks(db_session, c) == ["tangani_kuota_penuh"] and case_row(db_session, c).status == "Kuota penuh"
    page = operator.get(f"/inbox/{open_task(db_session, c, 'tangani_kuota_penuh').id}").get_data(as_text=True)
    assert f"Kuota PBI-APBD tahun {year} sudah penuh" in page
    complete(operator, db_session, c, "tangani_kuota_penuh", {"tindak_lanjut_kuota": "periksa_lagi"})
    assert open_tasks(db_session, c) == ["tangani_kuota_penuh"]  # still full
    for case_id in (b, c):
        complete(operator, db_session, case_id, "tangani_kuota_penuh",
                 {"tindak_lanjut_kuota": "tolak", "alasan_penolakan": "Kuota PBI-APBD habis; diusulkan ke PBI-JKN."})
        assert case_row(db_session, case_id).status == "Ditolak"
        complete(kelurahan, db_session, case_id, "terima_penolakan", {"dibaca": "true"})
        assert case_row(db_session, case_id).completed and letters_of(db_session, case_id) == []

    # A's letter, then the hand-over closes the case.
    text = docx_text(kelurahan.get(f"/berkas/surat/{letter.id}/docx").data)
    assert "Agus Wanggai" in text and f"tahun anggaran {year}" in text and "Puskesmas Jayapura Utara" in text
    assert case_a.subject_nik in text  # the letter is the holder's document: full NIK (masked on verification)
    complete(kelurahan, db_session, a, "serahkan_surat", {"diserahkan": "true", "penerima": "Agus Wanggai"})
    assert case_row(db_session, a).completed and case_row(db_session, a).status == "Selesai"

    # The month's approved list for BPJS: A only, with the full identity BPJS needs.
    month = office_today().strftime("%Y-%m")
    rows = export_rows(operator, f"/kantor/layanan/pbi_apbd/ekspor/bpjs?bulan={month}")
    assert rows[0][:5] == ("Nomor usulan", "Nomor surat rekomendasi", "NIK", "Nomor KK", "Nama")
    mine = {r[0]: r for r in rows[1:]}
    assert case_a.reference in mine
    assert not {case_row(db_session, x).reference for x in (b, c)} & set(mine)
    row = mine[case_a.reference]
    assert row[1:5] == (letter.number, case_a.subject_nik, "9171010101230002", "Agus Wanggai")
    assert row[9] == VILLAGE and row[11] == "Puskesmas Jayapura Utara" and row[-1] == office_today().isoformat()
    assert kelurahan.get(f"/kantor/layanan/pbi_apbd/ekspor/bpjs?bulan={month}").status_code == 403


# --- DTKS/DTSEN proposals -------------------------------------------------------------------------------------


def dtk_fields(nik: str, born: str, name: str) -> dict:
    return {"jenis_usulan": "baru", "nik": nik, "no_kk": "9171010101230003", "nama": name, "jenis_kelamin": "P",
            "tanggal_lahir": born, "alamat": "Kampung Gurabesi RT 03/RW 01", "kode_wilayah": VILLAGE,
            "pekerjaan": "Nelayan", "jumlah_anggota_keluarga": "5",
            "alasan": "Penghasilan tidak tetap, lima anggota keluarga, rumah kayu tidak layak."}


def dtk_to_decision(db_session, operator, lapangan, case_id: int) -> None:
    complete(operator, db_session, case_id, "verifikasi", {"keputusan": "lengkap"}, role="Operator Dinsos")
    assert case_row(db_session, case_id).status == "Verifikasi lapangan"
    task = complete(lapangan, db_session, case_id, "verifikasi_lapangan",
                    {"hasil_lapangan": "sesuai", "kondisi_rumah": "tidak_layak", "penghasilan_bulanan": "900000",
                     "catatan_lapangan": "Rumah panggung kayu, atap bocor."}, role="Petugas Lapangan")
    assert task.bidang == "linjamsos"


def test_usulan_dtks_resident_and_village_list_with_minutes_one_rejected_and_export(app, client, login_as, db_session):
    kelurahan, operator = login_as("kelurahan.gurabesi"), login_as("operator")
    lapangan, kabid = login_as("lapangan.linjamsos"), login_as("kabid.linjamsos")
    assert "Berita acara musyawarah kelurahan/kampung" in client.get("/layanan/usulan_dtks").get_data(as_text=True)

    # A resident proposes herself on the public form: without the minutes, KTP and KK are required.
    nik, born = new_nik(female=True)
    form = {"csrf_token": csrf_token(client, "/layanan/usulan_dtks/ajukan"), **dtk_fields(nik, born, "Ester Ireeuw"),
            "telepon": "0812 7000 5678"}
    refused = client.post("/layanan/usulan_dtks/ajukan", data=form, content_type="multipart/form-data")
    assert refused.status_code == 422
    form.update({"csrf_token": csrf_token(client, "/layanan/usulan_dtks/ajukan"),
                 "ktp": (io.BytesIO(JPEG), "ktp.jpg"), "kk": (io.BytesIO(PDF), "kk.pdf")})
    response = client.post("/layanan/usulan_dtks/ajukan", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    ticket = re.search(r"tiket=([A-Z0-9-]+)", response.headers["Location"]).group(1)
    db_session.expire_all()
    resident = db_session.scalar(select(Case).where(Case.reference == ticket)).id
    assert ticket.startswith("DTK-") and case_row(db_session, resident).status == "Verifikasi Dinsos"
    # A return goes to the village's kelurahan officers (the resident has no account).
    complete(operator, db_session, resident, "verifikasi",
             {"keputusan": "tidak_lengkap", "berkas_bermasalah": "kk", "alasan_pengembalian": "KK terpotong."})
    fix = open_task(db_session, resident, "perbaiki_berkas")
    assert fix.role == "Petugas Kelurahan" and case_row(db_session, resident).status == "Dikembalikan ke kelurahan"
    complete(kelurahan, db_session, resident, "perbaiki_berkas", {"catatan_perbaikan": "KK difoto ulang."},
             {"kk": (io.BytesIO(PDF), "kk-baru.pdf")})
    dtk_to_decision(db_session, operator, lapangan, resident)
    complete(kabid, db_session, resident, "penetapan", {"keputusan_usulan": "terima"}, role="Kepala Bidang")

    # The village sends its meeting's list of three at once, with the minutes.
    people = [new_nik(female=True) for _ in range(3)]
    names = ["Lince Hamadi", "Sara Haay", "Dorkas Itaar"]
    book = Workbook()
    sheet = book.active
    header = list(dtk_fields("", "", ""))
    sheet.append(header)
    for (nik_i, born_i), name in zip(people, names, strict=True):
        sheet.append([dtk_fields(nik_i, born_i, name)[h] for h in header])
    out = io.BytesIO()
    book.save(out)
    page = kelurahan.get("/kantor/layanan/usulan_dtks/massal").get_data(as_text=True)
    assert "<code>jenis_usulan</code>" in page and "<code>berita_acara</code>" not in page
    response = kelurahan.post("/kantor/layanan/usulan_dtks/massal", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(kelurahan, "/kantor/layanan/usulan_dtks/massal"),
        "daftar": (io.BytesIO(out.getvalue()), "musyawarah.xlsx"),
        "berita_acara": (io.BytesIO(PDF), "berita-acara-musyawarah.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 kasus dibuat" in html, html[:3000]
    refs = re.findall(r">(DTK-\d{4}-\d{6})</a>", html)
    listed = [db_session.scalar(select(Case).where(Case.reference == r)) for r in refs]
    assert sorted(c.subject_nik for c in listed) == sorted(n for n, _ in people)
    for case in listed:
        kinds = [d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id))]
        assert kinds == ["berita_acara"] and case.status == "Verifikasi Dinsos"
        assert case_row(db_session, case.id).region_code == VILLAGE

    by_name = {c.title: c.id for c in listed}
    assert all("Usulan DTKS (Usulan baru" in title for title in by_name)
    rejected = next(c.id for c in listed if c.subject_nik == people[1][0])
    for case in listed:
        dtk_to_decision(db_session, operator, lapangan, case.id)
        decision = ({"keputusan_usulan": "tolak", "alasan_penolakan": "Sudah menerima bantuan dari program lain."}
                    if case.id == rejected else {"keputusan_usulan": "terima"})
        complete(kabid, db_session, case.id, "penetapan", decision)
    assert case_row(db_session, rejected).status == "Ditolak" and case_row(db_session, rejected).completed
    accepted = [c.id for c in listed if c.id != rejected] + [resident]
    for case_id in accepted:
        assert case_row(db_session, case_id).status == "Menunggu unggah ke SIKS-NG"

    # The month's accepted list for the national system: the resident's and two of the village's.
    month = office_today().strftime("%Y-%m")
    rows = export_rows(operator, f"/kantor/layanan/usulan_dtks/ekspor/diterima?bulan={month}")
    assert rows[0][:5] == ("Nomor usulan", "Jenis usulan", "NIK", "Nomor KK", "Nama")
    mine = {r[0]: r for r in rows[1:]}
    expected = {case_row(db_session, c).reference for c in accepted}
    assert expected <= set(mine) and case_row(db_session, rejected).reference not in mine
    row = mine[ticket]
    assert row[2] == nik and row[4] == "Ester Ireeuw" and row[8] == VILLAGE and row[11] == 5
    assert row[12] == "tidak_layak" and row[13] == 900000 and row[14] == "warga"
    assert {mine[case_row(db_session, c).reference][14] for c in accepted[:2]} == {"kelurahan"}
    assert kelurahan.get(f"/kantor/layanan/usulan_dtks/ekspor/diterima?bulan={month}").status_code == 403

    # The operator records the upload; the cases close as proposed to the ministry, and stay in the list.
    for case_id in accepted:
        complete(operator, db_session, case_id, "kirim_pusat",
                 {"tanggal_unggah": office_today().isoformat(), "nomor_batch": f"SIKSNG-{month}-01"})
        closed = case_row(db_session, case_id)
        assert closed.status == "Diusulkan ke Kemensos" and closed.completed
    again = {r[0] for r in export_rows(operator, f"/kantor/layanan/usulan_dtks/ekspor/diterima?bulan={month}")[1:]}
    assert expected <= again


# --- disaster social aid --------------------------------------------------------------------------------------


def test_bantuan_bencana_households_from_a_list_aid_handed_over_and_heirs_compensation(app, login_as, db_session):
    kelurahan, operator, lapangan = login_as("kelurahan.gurabesi"), login_as("operator"), login_as("lapangan.linjamsos")
    kabid, kadis = login_as("kabid.linjamsos"), login_as("kadis")
    event = f"BANJIR-{office_today():%Y-%m}-GURABESI-{new_nik()[0][-4:]}"
    heads = [new_nik() for _ in range(3)]
    names = ["Yakob Hamadi", "Petrus Ireeuw", "Nikolas Haay"]
    header = ["kode_kejadian", "jenis_bencana", "tanggal_kejadian", "nik", "no_kk", "nama", "alamat", "kode_wilayah",
              "jumlah_jiwa", "kondisi_rumah", "korban_meninggal", "kebutuhan"]
    lines = [",".join(header)]
    for i, ((nik_i, _), name) in enumerate(zip(heads, names, strict=True)):
        lines.append(",".join([event, "banjir", office_today().isoformat(), nik_i, f"917101010123{i:04d}", name,
                               f"Jl. Pantai Gurabesi No. {i + 1}", VILLAGE, str(3 + i), "rusak_berat",
                               "1" if i == 2 else "0", "Makanan dan selimut"]))
    response = kelurahan.post("/kantor/layanan/bantuan_bencana/massal", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(kelurahan, "/kantor/layanan/bantuan_bencana/massal"),
        "daftar": (io.BytesIO("\n".join(lines).encode()), "korban-banjir.csv"),
        "laporan_kejadian": (io.BytesIO(PDF), "laporan-kejadian.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 kasus dibuat" in html, html[:3000]
    refs = re.findall(r">(BNC-\d{4}-\d{6})</a>", html)
    households = {c.subject_nik: c.id for c in (db_session.scalar(select(Case).where(Case.reference == r))
                                               for r in refs)}
    assert sorted(households) == sorted(n for n, _ in heads)
    ids = [households[n] for n, _ in heads]
    # The event is a tag of every household's case: counts per event come from count_cases.
    tagged = db_session.scalars(select(CaseTag.case_id).where(CaseTag.name == "kejadian", CaseTag.value == event))
    assert sorted(tagged) == sorted(ids)
    for case_id in ids:
        assert case_row(db_session, case_id).status == "Asesmen lapangan"
        assert [d.kind for d in db_session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id))] == [
            "laporan_kejadian"]

    letters_by_case = {}
    for i, case_id in enumerate(ids):
        complete(lapangan, db_session, case_id, "asesmen", {
            "kondisi_rumah_asesmen": "rusak_berat", "jenis_bantuan": ["sembako", "family_kit"],
            "korban_meninggal_terverifikasi": "1" if i == 2 else "0",
            "catatan_asesmen": "Rumah terendam 1,5 m; keluarga mengungsi di gereja."}, role="Petugas Lapangan")
        task = open_task(db_session, case_id, "verifikasi")
        page = operator.get(f"/inbox/{task.id}").get_data(as_text=True)
        assert 'id="bnc-kejadian"' in page and "<dt>Keluarga terdata pada kejadian ini</dt><dd>3</dd>" in page
        complete(operator, db_session, case_id, "verifikasi", {"keputusan": "lengkap"})
        complete(kabid, db_session, case_id, "persetujuan", {"keputusan_persetujuan": "setuju"}, role="Kepala Bidang")
        [letter] = letters_of(db_session, case_id)
        letters_by_case[case_id] = letter
        assert re.fullmatch(r"460/\d{4}/BENCANA/DINSOS/[IVX]+/\d{4}", letter.number)
        assert case_row(db_session, case_id).status == "Penyaluran bantuan"
        complete(lapangan, db_session, case_id, "serah_bantuan", {"diserahkan": "true", "penerima": names[i],
                                                                   "tanggal_serah": office_today().isoformat()})
    text = docx_text(operator.get(f"/berkas/surat/{letters_by_case[ids[0]].id}/docx").data)
    assert "Yakob Hamadi" in text and event in text and "paket sembako, perlengkapan keluarga (family kit)" in text
    for case_id in ids[:2]:  # no deaths: closed once the aid is handed over
        assert case_row(db_session, case_id).completed and case_row(db_session, case_id).status == "Selesai"

    # The household with a death: the heirs' compensation, with the death certificate, and its own letter.
    bereaved = ids[2]
    assert case_row(db_session, bereaved).status == "Berkas santunan ahli waris"
    heir_nik, _ = new_nik(female=True)
    dead_nik, _ = new_nik()
    claim = {"nama_almarhum": "Markus Haay", "nik_almarhum": dead_nik, "tanggal_meninggal": office_today().isoformat(),
             "nama_ahli_waris": "Maria Haay", "nik_ahli_waris": heir_nik, "hubungan": "Istri",
             "alamat_ahli_waris": "Jl. Pantai Gurabesi No. 3"}
    missing = post_task(kelurahan, open_task(db_session, bereaved, "berkas_santunan").id, claim)
    assert missing.status_code == 422  # the death certificate and the heirs' papers are required
    papers = {"akta_kematian": (io.BytesIO(PDF), "akta-kematian.pdf"),
              "surat_ahli_waris": (io.BytesIO(PDF), "ahli-waris.pdf"), "ktp_ahli_waris": (io.BytesIO(JPEG), "ktp.jpg")}
    complete(kelurahan, db_session, bereaved, "berkas_santunan", claim, papers, role="Petugas Kelurahan")
    complete(operator, db_session, bereaved, "verifikasi_santunan",
             {"keputusan_santunan": "tidak_lengkap", "berkas_bermasalah": "akta_kematian",
              "alasan_pengembalian": "Akta kematian belum dilegalisir."})
    fix = open_task(db_session, bereaved, "perbaiki_santunan")
    assert fix.role == "Petugas Kelurahan" and case_row(db_session, bereaved).status == "Berkas santunan dikembalikan"
    assert "Akta kematian belum dilegalisir." in kelurahan.get(f"/inbox/{fix.id}").get_data(as_text=True)
    refused = post_task(kelurahan, fix.id, {"catatan_perbaikan": "Tanpa akta baru"})
    assert refused.status_code == 422  # the flagged death certificate must be uploaded anew
    complete(kelurahan, db_session, bereaved, "perbaiki_santunan", {"catatan_perbaikan": "Akta sudah dilegalisir."},
             {"akta_kematian": (io.BytesIO(PDF), "akta-legalisir.pdf")})
    complete(operator, db_session, bereaved, "verifikasi_santunan", {"keputusan_santunan": "lengkap"})
    complete(kadis, db_session, bereaved, "persetujuan_santunan",
             {"keputusan_persetujuan_santunan": "setuju", "besaran_santunan": "15000000"}, role="Kepala Dinas")
    aid, compensation = letters_of(db_session, bereaved)
    assert re.fullmatch(r"460/\d{4}/SANTUNAN/DINSOS/[IVX]+/\d{4}", compensation.number)
    assert compensation.holder_name_masked == letters.mask_name("Maria Haay")
    text = docx_text(kadis.get(f"/berkas/surat/{compensation.id}/docx").data)
    assert "Maria Haay" in text and "Markus Haay" in text and "Rp15.000.000" in text and "Istri" in text
    assert heir_nik in text
    complete(lapangan, db_session, bereaved, "serah_santunan",
             {"santunan_diserahkan": "true", "penerima_santunan": "Maria Haay"})
    assert case_row(db_session, bereaved).completed and case_row(db_session, bereaved).status == "Selesai"

    # The month's list of households that received aid, by event.
    rows = export_rows(operator, f"/kantor/layanan/bantuan_bencana/ekspor/penerima?bulan={office_today():%Y-%m}")
    assert rows[0][:3] == ("Nomor kasus", "Kode kejadian", "Jenis bencana")
    mine = [r for r in rows[1:] if r[1] == event]
    assert sorted(r[4] for r in mine) == sorted(n for n, _ in heads)
    assert {r[11] for r in mine} == {letters_by_case[c].number for c in ids}
    assert [r[13] for r in mine if r[4] == heads[2][0]] == [1]
