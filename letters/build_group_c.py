"""Letter templates of the PBI-APBD and disaster-aid packages (`letters/pbi_apbd/`, `letters/bantuan_bencana/`),
built with the helpers of `letters/make_templates.py` (same letterhead, title, identity table and closing with
the QR code) and listed in its TEMPLATES, so `python -m letters.make_templates` rebuilds them with the others.

The helpers are looked up when a template is built, not when this module is imported: make_templates imports
this module while it is itself being loaded (also as `python -m letters.make_templates`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from docx.document import Document as DocxDocument


def _base() -> ModuleType:
    from letters import make_templates

    return make_templates


def pbi_apbd() -> DocxDocument:
    m = _base()
    doc = m._new_document("Surat Rekomendasi PBI-APBD")
    m._title(doc, "Surat Rekomendasi", "Penerima Bantuan Iuran APBD")
    m._body(
        doc,
        "Berdasarkan usulan kelurahan/kampung dan hasil verifikasi data serta berkas persyaratan, Dinas Sosial "
        "Kota Jayapura dengan ini merekomendasikan penduduk tersebut di bawah ini:",
    )
    m._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Tempat/Tgl. Lahir", "{{tempat_lahir}}, {{tanggal_lahir}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan/Kampung", "{{kelurahan}}"),
            ("Faskes Tingkat Pertama", "{{faskes}}"),
        ],
    )
    m._body(
        doc,
        "untuk didaftarkan sebagai peserta Jaminan Kesehatan Nasional dengan iuran yang dibayar Anggaran "
        "Pendapatan dan Belanja Daerah (PBI-APBD) tahun anggaran {{tahun_anggaran}}, dalam batas kuota daerah "
        "tahun tersebut. Data peserta diteruskan kepada BPJS Kesehatan dalam daftar usulan bulanan.",
        indent=False,
    )
    m._body(doc, m.PENUTUP)
    m._closing(doc)
    return doc


def bantuan_bencana() -> DocxDocument:
    m = _base()
    doc = m._new_document("Surat Keterangan Penerima Bantuan Sosial Korban Bencana")
    m._title(doc, "Surat Keterangan", "Penerima Bantuan Sosial Korban Bencana")
    m._body(
        doc,
        "Berdasarkan pendataan kelurahan/kampung, asesmen dan verifikasi Dinas Sosial Kota Jayapura atas "
        "kejadian {{jenis_bencana}} {{kejadian}} pada tanggal {{tanggal_kejadian}}, kepala keluarga tersebut di "
        "bawah ini:",
    )
    m._data_table(
        doc,
        [
            ("Nama Kepala Keluarga", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan/Kampung", "{{kelurahan}}"),
            ("Jumlah Jiwa Terdampak", "{{jumlah_jiwa}}"),
        ],
    )
    m._body(
        doc,
        "ditetapkan sebagai penerima bantuan sosial korban bencana berupa: {{bantuan}}. Bantuan diserahkan "
        "oleh petugas Dinas Sosial dan diterima dengan menunjukkan surat ini beserta KTP/KK asli.",
        indent=False,
    )
    m._body(doc, m.PENUTUP)
    m._closing(doc)
    return doc


def santunan_ahli_waris() -> DocxDocument:
    m = _base()
    doc = m._new_document("Surat Keputusan Pemberian Santunan Ahli Waris Korban Bencana")
    m._title(doc, "Surat Keputusan", "Pemberian Santunan Ahli Waris")
    m._body(
        doc,
        "Berdasarkan akta/surat keterangan kematian dan hasil verifikasi Dinas Sosial Kota Jayapura, korban "
        "meninggal dunia akibat {{jenis_bencana}} {{kejadian}} pada tanggal {{tanggal_kejadian}}:",
    )
    m._data_table(
        doc,
        [
            ("Nama Almarhum/Almarhumah", "{{nama_almarhum}}"),
            ("NIK", "{{nik_almarhum}}"),
            ("Tanggal Meninggal", "{{tanggal_meninggal}}"),
        ],
    )
    m._body(doc, "diberikan santunan kematian kepada ahli warisnya:", indent=False)
    m._data_table(
        doc,
        [
            ("Nama Ahli Waris", "{{nama_ahli_waris}}"),
            ("NIK", "{{nik_ahli_waris}}"),
            ("Hubungan dengan Korban", "{{hubungan}}"),
            ("Alamat", "{{alamat}}"),
            ("Besaran Santunan", "{{besaran_santunan}}"),
        ],
    )
    m._body(
        doc,
        "Santunan diserahkan kepada ahli waris yang namanya tercantum di atas dengan menunjukkan surat ini "
        "beserta KTP asli.",
    )
    m._body(doc, m.PENUTUP)
    m._closing(doc)
    return doc


# template name → (service package code, builder); make_templates merges this into its TEMPLATES.
GROUP_C: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "pbi_apbd": ("pbi_apbd", pbi_apbd),
    "bantuan_bencana": ("bantuan_bencana", bantuan_bencana),
    "santunan_ahli_waris": ("bantuan_bencana", santunan_ahli_waris),
}
