"""Letter templates of the PBI-APBD and disaster-aid packages (`letters/pbi_apbd/`, `letters/bantuan_bencana/`),
built with the building blocks of `letters/template_parts.py` (same letterhead, title, identity table and closing with
the QR code) and listed in its TEMPLATES, so `python -m letters.make_templates` rebuilds them with the others.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument

from letters import template_parts as mt


def pbi_apbd() -> DocxDocument:
    return mt.standard_letter(
        "Surat Rekomendasi PBI-APBD",
        ("Surat Rekomendasi", "Penerima Bantuan Iuran APBD"),
        "Berdasarkan usulan kelurahan/kampung dan hasil verifikasi data serta berkas persyaratan, Dinas Sosial "
        "Kota Jayapura dengan ini merekomendasikan penduduk tersebut di bawah ini:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Tempat/Tgl. Lahir", "{{tempat_lahir}}, {{tanggal_lahir}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan/Kampung", "{{kelurahan}}"),
            ("Faskes Tingkat Pertama", "{{faskes}}"),
        ],
        ("untuk didaftarkan sebagai peserta Jaminan Kesehatan Nasional dengan iuran yang dibayar Anggaran "
        "Pendapatan dan Belanja Daerah (PBI-APBD) tahun anggaran {{tahun_anggaran}}, dalam batas kuota daerah "
        "tahun tersebut. Data peserta diteruskan kepada BPJS Kesehatan dalam daftar usulan bulanan.", False),
    )


def bantuan_bencana() -> DocxDocument:
    return mt.standard_letter(
        "Surat Keterangan Penerima Bantuan Sosial Korban Bencana",
        ("Surat Keterangan", "Penerima Bantuan Sosial Korban Bencana"),
        "Berdasarkan pendataan kelurahan/kampung, asesmen dan verifikasi Dinas Sosial Kota Jayapura atas "
        "kejadian {{jenis_bencana}} {{kejadian}} pada tanggal {{tanggal_kejadian}}, kepala keluarga tersebut di "
        "bawah ini:",
        [
            ("Nama Kepala Keluarga", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan/Kampung", "{{kelurahan}}"),
            ("Jumlah Jiwa Terdampak", "{{jumlah_jiwa}}"),
        ],
        ("ditetapkan sebagai penerima bantuan sosial korban bencana berupa: {{bantuan}}. Bantuan diserahkan "
        "oleh petugas Dinas Sosial dan diterima dengan menunjukkan surat ini beserta KTP/KK asli.", False),
    )


def santunan_ahli_waris() -> DocxDocument:
    doc = mt.new_document("Surat Keputusan Pemberian Santunan Ahli Waris Korban Bencana")
    mt.title(doc, "Surat Keputusan", "Pemberian Santunan Ahli Waris")
    mt.body(
        doc,
        "Berdasarkan akta/surat keterangan kematian dan hasil verifikasi Dinas Sosial Kota Jayapura, korban "
        "meninggal dunia akibat {{jenis_bencana}} {{kejadian}} pada tanggal {{tanggal_kejadian}}:",
    )
    mt.data_table(
        doc,
        [
            ("Nama Almarhum/Almarhumah", "{{nama_almarhum}}"),
            ("NIK", "{{nik_almarhum}}"),
            ("Tanggal Meninggal", "{{tanggal_meninggal}}"),
        ],
    )
    mt.body(doc, "diberikan santunan kematian kepada ahli warisnya:", indent=False)
    mt.data_table(
        doc,
        [
            ("Nama Ahli Waris", "{{nama_ahli_waris}}"),
            ("NIK", "{{nik_ahli_waris}}"),
            ("Hubungan dengan Korban", "{{hubungan}}"),
            ("Alamat", "{{alamat}}"),
            ("Besaran Santunan", "{{besaran_santunan}}"),
        ],
    )
    mt.body(
        doc,
        "Santunan diserahkan kepada ahli waris yang namanya tercantum di atas dengan menunjukkan surat ini "
        "beserta KTP asli.",
    )
    mt.body(doc, mt.PENUTUP)
    mt.closing(doc)
    return doc


# template name → (service package code, builder); make_templates merges this into its TEMPLATES.
GROUP_C: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "pbi_apbd": ("pbi_apbd", pbi_apbd),
    "bantuan_bencana": ("bantuan_bencana", bantuan_bencana),
    "santunan_ahli_waris": ("bantuan_bencana", santunan_ahli_waris),
}
