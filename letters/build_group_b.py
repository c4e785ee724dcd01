"""Letter templates of the PKH, repatriation (orang terlantar), scholarship-recommendation and heroes'-cemetery
visit lines, built with the building blocks of `letters/template_parts.py`. `make_templates.TEMPLATES` includes
`GROUP_B`, so

    .venv/bin/python -m letters.make_templates

rebuilds these with the others.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument

from letters import template_parts as mt


def keterangan_pkh() -> DocxDocument:
    return mt.standard_letter(
        "Surat Keterangan Program Keluarga Harapan",
        ("{{jenis_keterangan}}", "Program Keluarga Harapan (PKH)"),
        "Berdasarkan permohonan keluarga penerima manfaat, hasil verifikasi Pendamping PKH dan pemutakhiran data "
        "oleh Dinas Sosial Kota Jayapura, dengan ini diterangkan bahwa pengurus keluarga penerima manfaat PKH:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan", "{{kelurahan}}"),
        ],
        ("{{keterangan}}", False),
    )


def pemulangan_orang_terlantar() -> DocxDocument:
    return mt.standard_letter(
        "Surat Keterangan Pemulangan Orang Terlantar",
        ("Surat Keterangan", "Pemulangan Orang Terlantar"),
        "Berdasarkan pemeriksaan identitas dan asesmen Pekerja Sosial Dinas Sosial Kota Jayapura, orang tersebut "
        "di bawah ini adalah orang terlantar dalam perjalanan yang dipulangkan ke daerah asalnya atas biaya "
        "Dinas Sosial:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Ditemukan di", "{{lokasi_ditemukan}}"),
            ("Daerah asal", "{{daerah_asal}}"),
            ("Alamat tujuan", "{{alamat_asal}}"),
            ("Moda transportasi", "{{moda_transportasi}}"),
            ("Rute", "{{rute}}"),
        ],
        "Mohon bantuan petugas transportasi dan Dinas Sosial daerah asal agar yang bersangkutan dapat sampai dan "
        "diserahterimakan kepada keluarganya atau kepada Dinas Sosial daerah asal.",
    )


def _beasiswa(title: str, basis: str) -> DocxDocument:
    doc = mt.new_document(title)
    mt.title(doc, "Surat Rekomendasi", "Beasiswa Pendidikan")
    mt.body(
        doc,
        "Dinas Sosial Kota Jayapura, berdasarkan permohonan dan hasil verifikasi berkas persyaratan, dengan ini "
        "memberikan rekomendasi kepada siswa/mahasiswa tersebut di bawah ini:",
    )
    mt.data_table(
        doc,
        [
            ("Nama siswa/mahasiswa", "{{nama_siswa}}"),
            ("NIK", "{{nik_siswa}}"),
            ("Sekolah/perguruan tinggi", "{{nama_sekolah}}"),
            ("Jenjang", "{{jenjang}}"),
            ("Nama orang tua/wali", "{{nama_orang_tua}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan", "{{kelurahan}}"),
        ],
    )
    mt.body(doc, basis, indent=False)
    mt.body(
        doc,
        "untuk mengikuti seleksi {{nama_beasiswa}}. Rekomendasi ini bukan jaminan diterimanya beasiswa; "
        "keputusan ada pada penyelenggara beasiswa.",
        indent=False,
    )
    mt.body(doc, mt.PENUTUP)
    mt.closing(doc)
    return doc


def rekomendasi_beasiswa_dtks() -> DocxDocument:
    return _beasiswa(
        "Surat Rekomendasi Beasiswa (terdaftar DTKS)",
        "Keluarga yang bersangkutan terdaftar dalam Data Terpadu Kesejahteraan Sosial (DTKS) "
        "dengan NIK {{nik_dtks}} (desil {{desil}}), sehingga termasuk keluarga tidak mampu,",
    )


def rekomendasi_beasiswa_non_dtks() -> DocxDocument:
    return _beasiswa(
        "Surat Rekomendasi Beasiswa (tidak terdaftar DTKS)",
        "Keluarga yang bersangkutan belum terdaftar dalam Data Terpadu Kesejahteraan Sosial (DTKS); "
        "berdasarkan Surat Keterangan Tidak Mampu dari kelurahan dan kunjungan rumah petugas pada "
        "{{tanggal_kunjungan}} ({{hasil_kunjungan}}), keluarga tersebut dinilai tidak mampu,",
    )


def izin_ziarah() -> DocxDocument:
    return mt.standard_letter(
        "Surat Izin Kunjungan Taman Makam Pahlawan",
        ("Surat Izin", "Ziarah / Kunjungan Taman Makam Pahlawan"),
        "Berdasarkan permohonan yang diajukan dan ketersediaan kuota kunjungan, Dinas Sosial Kota Jayapura "
        "memberikan izin kunjungan ke Taman Makam Pahlawan kepada:",
        [
            ("Rombongan", "{{nama_rombongan}}"),
            ("Penanggung jawab", "{{penanggung_jawab}}"),
            ("Jumlah peserta", "{{jumlah_peserta}} orang"),
            ("Tanggal kunjungan", "{{tanggal_kunjungan}}"),
            ("Waktu", "{{sesi_kunjungan}}"),
            ("Tujuan", "{{tujuan}}"),
            ("Ketentuan", "{{ketentuan}}"),
        ],
        "Izin ini hanya berlaku pada tanggal kunjungan tersebut. Rombongan wajib menjaga ketertiban, kebersihan "
        "dan kehormatan Taman Makam Pahlawan, serta mengikuti arahan juru pelihara.",
    )


# template name → (service package code, builder), merged into make_templates.TEMPLATES.
GROUP_B: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "keterangan_pkh": ("layanan_pkh", keterangan_pkh),
    "pemulangan_orang_terlantar": ("pemulangan_orang_terlantar", pemulangan_orang_terlantar),
    "rekomendasi_beasiswa_dtks": ("beasiswa", rekomendasi_beasiswa_dtks),
    "rekomendasi_beasiswa_non_dtks": ("beasiswa", rekomendasi_beasiswa_non_dtks),
    "izin_ziarah": ("izin_ziarah", izin_ziarah),
}

