"""Letter templates of the disability, ATENSI (child and elderly), patient-referral and homeless/beggar/ODHA
lines, built with the building blocks of `letters/template_parts.py`; `make_templates.TEMPLATES` includes
`GROUP_A`.

A letter is the holder's document: it names the person and the service, never a diagnosis (an ODHA referral
says "layanan kesehatan", not why).
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument

from letters import template_parts as mt


def alat_bantu_disabilitas() -> DocxDocument:
    return mt.standard_letter(
        "Surat Keterangan Pemberian Alat Bantu Disabilitas",
        ("Surat Keterangan", "Pemberian Alat Bantu Disabilitas"),
        "Berdasarkan permohonan yang diajukan, hasil verifikasi berkas dan asesmen rumah oleh Pekerja Sosial, "
        "Dinas Sosial Kota Jayapura memberikan alat bantu kepada penyandang disabilitas tersebut di bawah ini:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Alamat", "{{alamat}}"),
            ("Jenis Disabilitas", "{{jenis_disabilitas}}"),
            ("Alat Bantu", "{{alat_bantu}}"),
        ],
        "Alat bantu diserahkan oleh Pekerja Sosial Dinas Sosial dengan berita acara serah terima. Alat bantu "
        "dipergunakan oleh penerima dan tidak untuk diperjualbelikan.",
    )


def rujukan_rehabilitasi_disabilitas() -> DocxDocument:
    return mt.standard_letter(
        "Surat Rujukan Rehabilitasi Sosial Penyandang Disabilitas",
        ("Surat Rujukan", "Rehabilitasi Sosial Penyandang Disabilitas"),
        "Berdasarkan permohonan yang diajukan dan hasil asesmen rumah oleh Pekerja Sosial, Dinas Sosial Kota "
        "Jayapura merujuk penyandang disabilitas tersebut di bawah ini:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Alamat", "{{alamat}}"),
            ("Jenis Disabilitas", "{{jenis_disabilitas}}"),
            ("Dirujuk ke", "{{lembaga_rujukan}}"),
        ],
        ("untuk memperoleh layanan rehabilitasi sosial. Ringkasan hasil asesmen: {{hasil_asesmen}}", False),
    )


def rujukan_atensi() -> DocxDocument:
    return mt.standard_letter(
        "Surat Rujukan Asistensi Rehabilitasi Sosial (ATENSI)",
        ("Surat Rujukan", "Asistensi Rehabilitasi Sosial ({{sasaran}})"),
        "Berdasarkan asesmen Pekerja Sosial dan hasil konferensi kasus, Dinas Sosial Kota Jayapura merujuk "
        "penerima layanan tersebut di bawah ini:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Sasaran", "{{sasaran}}"),
            ("Dirujuk ke", "{{lembaga_tujuan}}"),
        ],
        ("untuk memperoleh pengasuhan dan rehabilitasi sosial sesuai rencana intervensi: {{rencana_intervensi}} "
        "Pekerja Sosial Dinas Sosial melakukan pemantauan setiap bulan. Identitas dan keadaan penerima layanan "
        "wajib dijaga kerahasiaannya.", False),
    )


def pengantar_rujukan_pasien() -> DocxDocument:
    return mt.standard_letter(
        "Surat Pengantar Rujukan Pasien Tidak Mampu",
        ("Surat Pengantar", "Rujukan Pasien Tidak Mampu"),
        "Dinas Sosial Kota Jayapura menerangkan bahwa pasien tersebut di bawah ini berasal dari keluarga tidak "
        "mampu dan dirujuk untuk perawatan lanjutan:",
        [
            ("Nama Pasien", "{{nama_pasien}}"),
            ("NIK", "{{nik}}"),
            ("Alamat", "{{alamat}}"),
            ("Rumah Sakit Asal", "{{rs_asal}}"),
            ("Rumah Sakit Tujuan", "{{rs_tujuan}}, {{kota_tujuan}}"),
            ("Jaminan Kesehatan", "{{jaminan}}"),
            ("Status DTKS", "{{status_dtks}}"),
            ("Pendamping", "{{pendamping}}"),
        ],
        "Dinas Sosial menyediakan transportasi rujukan bagi pasien dan pendampingnya. Mohon bantuan pihak rumah "
        "sakit tujuan untuk memberikan pelayanan sesuai ketentuan jaminan kesehatan yang berlaku.",
    )


def rujukan_gepeng_odha() -> DocxDocument:
    return mt.standard_letter(
        "Surat Rujukan / Pemulangan Penerima Layanan Rehabilitasi Sosial",
        ("Surat Rujukan", "Rehabilitasi Sosial"),
        "Berdasarkan penjangkauan dan asesmen Pekerja Sosial, Dinas Sosial Kota Jayapura menyampaikan bahwa "
        "penerima layanan tersebut di bawah ini:",
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Tindak Lanjut", "{{tindak_lanjut}}"),
            ("Tujuan", "{{tujuan}}"),
        ],
        ("mohon diterima dan diberikan layanan sesuai kebutuhannya. Keterangan mengenai keadaan penerima layanan "
        "bersifat rahasia dan hanya disampaikan kepada petugas yang menanganinya.", False),
    )


# template name → (service package code, builder), merged into make_templates.TEMPLATES.
GROUP_A: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "alat_bantu_disabilitas": ("layanan_disabilitas", alat_bantu_disabilitas),
    "rujukan_rehabilitasi_disabilitas": ("layanan_disabilitas", rujukan_rehabilitasi_disabilitas),
    "rujukan_atensi": ("atensi", rujukan_atensi),
    "pengantar_rujukan_pasien": ("rujukan_pasien", pengantar_rujukan_pasien),
    "rujukan_gepeng_odha": ("gepeng_odha", rujukan_gepeng_odha),
}

