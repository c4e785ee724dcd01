"""Letter templates of the disability, ATENSI (child and elderly), patient-referral and homeless/beggar/ODHA
lines, built with the helpers of `letters/make_templates.py` (letterhead, title with number, body, identity
table, QR code and signature block), whose `TEMPLATES` includes `GROUP_A`.

A letter is the holder's document: it names the person and the service, never a diagnosis (an ODHA referral
says "layanan kesehatan", not why).
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument


def alat_bantu_disabilitas() -> DocxDocument:
    doc = mt._new_document("Surat Keterangan Pemberian Alat Bantu Disabilitas")
    mt._title(doc, "Surat Keterangan", "Pemberian Alat Bantu Disabilitas")
    mt._body(
        doc,
        "Berdasarkan permohonan yang diajukan, hasil verifikasi berkas dan asesmen rumah oleh Pekerja Sosial, "
        "Dinas Sosial Kota Jayapura memberikan alat bantu kepada penyandang disabilitas tersebut di bawah ini:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Alamat", "{{alamat}}"),
            ("Jenis Disabilitas", "{{jenis_disabilitas}}"),
            ("Alat Bantu", "{{alat_bantu}}"),
        ],
    )
    mt._body(
        doc,
        "Alat bantu diserahkan oleh Pekerja Sosial Dinas Sosial dengan berita acara serah terima. Alat bantu "
        "dipergunakan oleh penerima dan tidak untuk diperjualbelikan.",
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def rujukan_rehabilitasi_disabilitas() -> DocxDocument:
    doc = mt._new_document("Surat Rujukan Rehabilitasi Sosial Penyandang Disabilitas")
    mt._title(doc, "Surat Rujukan", "Rehabilitasi Sosial Penyandang Disabilitas")
    mt._body(
        doc,
        "Berdasarkan permohonan yang diajukan dan hasil asesmen rumah oleh Pekerja Sosial, Dinas Sosial Kota "
        "Jayapura merujuk penyandang disabilitas tersebut di bawah ini:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Alamat", "{{alamat}}"),
            ("Jenis Disabilitas", "{{jenis_disabilitas}}"),
            ("Dirujuk ke", "{{lembaga_rujukan}}"),
        ],
    )
    mt._body(doc, "untuk memperoleh layanan rehabilitasi sosial. Ringkasan hasil asesmen: {{hasil_asesmen}}",
             indent=False)
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def rujukan_atensi() -> DocxDocument:
    doc = mt._new_document("Surat Rujukan Asistensi Rehabilitasi Sosial (ATENSI)")
    mt._title(doc, "Surat Rujukan", "Asistensi Rehabilitasi Sosial ({{sasaran}})")
    mt._body(
        doc,
        "Berdasarkan asesmen Pekerja Sosial dan hasil konferensi kasus, Dinas Sosial Kota Jayapura merujuk "
        "penerima layanan tersebut di bawah ini:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Sasaran", "{{sasaran}}"),
            ("Dirujuk ke", "{{lembaga_tujuan}}"),
        ],
    )
    mt._body(
        doc,
        "untuk memperoleh pengasuhan dan rehabilitasi sosial sesuai rencana intervensi: {{rencana_intervensi}} "
        "Pekerja Sosial Dinas Sosial melakukan pemantauan setiap bulan. Identitas dan keadaan penerima layanan "
        "wajib dijaga kerahasiaannya.",
        indent=False,
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def pengantar_rujukan_pasien() -> DocxDocument:
    doc = mt._new_document("Surat Pengantar Rujukan Pasien Tidak Mampu")
    mt._title(doc, "Surat Pengantar", "Rujukan Pasien Tidak Mampu")
    mt._body(
        doc,
        "Dinas Sosial Kota Jayapura menerangkan bahwa pasien tersebut di bawah ini berasal dari keluarga tidak "
        "mampu dan dirujuk untuk perawatan lanjutan:",
    )
    mt._data_table(
        doc,
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
    )
    mt._body(
        doc,
        "Dinas Sosial menyediakan transportasi rujukan bagi pasien dan pendampingnya. Mohon bantuan pihak rumah "
        "sakit tujuan untuk memberikan pelayanan sesuai ketentuan jaminan kesehatan yang berlaku.",
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


def rujukan_gepeng_odha() -> DocxDocument:
    doc = mt._new_document("Surat Rujukan / Pemulangan Penerima Layanan Rehabilitasi Sosial")
    mt._title(doc, "Surat Rujukan", "Rehabilitasi Sosial")
    mt._body(
        doc,
        "Berdasarkan penjangkauan dan asesmen Pekerja Sosial, Dinas Sosial Kota Jayapura menyampaikan bahwa "
        "penerima layanan tersebut di bawah ini:",
    )
    mt._data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("Tindak Lanjut", "{{tindak_lanjut}}"),
            ("Tujuan", "{{tujuan}}"),
        ],
    )
    mt._body(
        doc,
        "mohon diterima dan diberikan layanan sesuai kebutuhannya. Keterangan mengenai keadaan penerima layanan "
        "bersifat rahasia dan hanya disampaikan kepada petugas yang menanganinya.",
        indent=False,
    )
    mt._body(doc, mt.PENUTUP)
    mt._closing(doc)
    return doc


# template name → (service package code, builder), merged into make_templates.TEMPLATES.
GROUP_A: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "alat_bantu_disabilitas": ("layanan_disabilitas", alat_bantu_disabilitas),
    "rujukan_rehabilitasi_disabilitas": ("layanan_disabilitas", rujukan_rehabilitasi_disabilitas),
    "rujukan_atensi": ("atensi", rujukan_atensi),
    "pengantar_rujukan_pasien": ("rujukan_pasien", pengantar_rujukan_pasien),
    "rujukan_gepeng_odha": ("gepeng_odha", rujukan_gepeng_odha),
}

# Imported last: make_templates imports GROUP_A from here while it is itself being loaded (also when it runs as
# `python -m letters.make_templates`), and the builders above only use its helpers when called.
from letters import make_templates as mt  # noqa: E402
