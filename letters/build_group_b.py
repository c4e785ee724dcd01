"""Letter templates of the PKH, repatriation (orang terlantar), scholarship-recommendation and heroes'-cemetery
visit lines, built with the helpers of `letters.make_templates` (same letterhead, title, data table, closing
with the QR code and signature block). `make_templates.TEMPLATES` includes `GROUP_B`, so

    .venv/bin/python -m letters.make_templates

rebuilds these with the others.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument


def keterangan_pkh() -> DocxDocument:
    doc = mt._new_document("Surat Keterangan Program Keluarga Harapan")
    mt._title(doc, "{{jenis_keterangan}}", "Program Keluarga Harapan (PKH)")
    mt._body(
        doc,
        "Berdasarkan permohonan keluarga penerima manfaat, hasil verifikasi Pendamping PKH dan pemutakhiran data "
        "oleh Dinas Sosial Kota Jayapura, dengan ini diterangkan bahwa pengurus keluarga penerima manfaat PKH:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan", "{{kelurahan}}"),
        ],
    )
    mt._body(doc, "{{keterangan}}", indent=False)
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def pemulangan_orang_terlantar() -> DocxDocument:
    doc = mt._new_document("Surat Keterangan Pemulangan Orang Terlantar")
    mt._title(doc, "Surat Keterangan", "Pemulangan Orang Terlantar")
    mt._body(
        doc,
        "Berdasarkan pemeriksaan identitas dan asesmen Pekerja Sosial Dinas Sosial Kota Jayapura, orang tersebut "
        "di bawah ini adalah orang terlantar dalam perjalanan yang dipulangkan ke daerah asalnya atas biaya "
        "Dinas Sosial:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Ditemukan di", "{{lokasi_ditemukan}}"),
            ("Daerah asal", "{{daerah_asal}}"),
            ("Alamat tujuan", "{{alamat_asal}}"),
            ("Moda transportasi", "{{moda_transportasi}}"),
            ("Rute", "{{rute}}"),
        ],
    )
    mt._body(
        doc,
        "Mohon bantuan petugas transportasi dan Dinas Sosial daerah asal agar yang bersangkutan dapat sampai dan "
        "diserahterimakan kepada keluarganya atau kepada Dinas Sosial daerah asal.",
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def _beasiswa(title: str, basis: str) -> DocxDocument:
    doc = mt._new_document(title)
    mt._title(doc, "Surat Rekomendasi", "Beasiswa Pendidikan")
    mt._body(
        doc,
        "Dinas Sosial Kota Jayapura, berdasarkan permohonan dan hasil verifikasi berkas persyaratan, dengan ini "
        "memberikan rekomendasi kepada siswa/mahasiswa tersebut di bawah ini:",
    )
    mt._data_table(
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
    mt._body(doc, basis, indent=False)
    mt._body(
        doc,
        "untuk mengikuti seleksi {{nama_beasiswa}}. Rekomendasi ini bukan jaminan diterimanya beasiswa; "
        "keputusan ada pada penyelenggara beasiswa.",
        indent=False,
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
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
    doc = mt._new_document("Surat Izin Kunjungan Taman Makam Pahlawan")
    mt._title(doc, "Surat Izin", "Ziarah / Kunjungan Taman Makam Pahlawan")
    mt._body(
        doc,
        "Berdasarkan permohonan yang diajukan dan ketersediaan kuota kunjungan, Dinas Sosial Kota Jayapura "
        "memberikan izin kunjungan ke Taman Makam Pahlawan kepada:",
    )
    mt._data_table(
        doc,
        [
            ("Rombongan", "{{nama_rombongan}}"),
            ("Penanggung jawab", "{{penanggung_jawab}}"),
            ("Jumlah peserta", "{{jumlah_peserta}} orang"),
            ("Tanggal kunjungan", "{{tanggal_kunjungan}}"),
            ("Waktu", "{{sesi_kunjungan}}"),
            ("Tujuan", "{{tujuan}}"),
            ("Ketentuan", "{{ketentuan}}"),
        ],
    )
    mt._body(
        doc,
        "Izin ini hanya berlaku pada tanggal kunjungan tersebut. Rombongan wajib menjaga ketertiban, kebersihan "
        "dan kehormatan Taman Makam Pahlawan, serta mengikuti arahan juru pelihara.",
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


# template name → (service package code, builder), merged into make_templates.TEMPLATES.
GROUP_B: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "keterangan_pkh": ("layanan_pkh", keterangan_pkh),
    "pemulangan_orang_terlantar": ("pemulangan_orang_terlantar", pemulangan_orang_terlantar),
    "rekomendasi_beasiswa_dtks": ("beasiswa", rekomendasi_beasiswa_dtks),
    "rekomendasi_beasiswa_non_dtks": ("beasiswa", rekomendasi_beasiswa_non_dtks),
    "izin_ziarah": ("izin_ziarah", izin_ziarah),
}

# Imported last: make_templates imports GROUP_B from here, so this module must have defined it by the time
# make_templates runs (also when make_templates is the __main__ module).
from letters import make_templates as mt  # noqa: E402
