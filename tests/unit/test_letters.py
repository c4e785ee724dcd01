"""Letters: formatting, masking, template filling, QR code and PDF, on real .docx files (no mocks)."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Cm

import letters
from letters.make_templates import build

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NIK = "9171010101900001"
ISSUED = date(2026, 11, 23)
NOMOR = "400.9/0042/DINSOS/XI/2026"
URL = "https://ligat.example.go.id/verifikasi/7Q2M9XK4"

FIELDS = {
    "nomor": NOMOR,
    "nama": "Budi Santoso",
    "nik": letters.mask_nik(NIK),
    "no_kk": "9171010101000002",
    "tempat_lahir": "Jayapura",
    "tanggal_lahir": "1 Januari 1990",
    "alamat": "Jl. Biak No. 5, RT 001/RW 002",
    "kelurahan": "Entrop",
    "alasan": "keluarga tidak mampu yang terdaftar dalam DTKS",
    "tanggal": letters.format_tanggal(ISSUED),
    "kop_alamat": "Kota Jayapura, Papua",
    "jabatan_penandatangan": "Kepala Dinas Sosial Kota Jayapura",
    "nama_penandatangan": "Yohanes Wanimbo",
    "nip_penandatangan": "197001012000031001",
    "url_verifikasi": URL,
    "jenis_izin": "Izin Operasional",
    "nama_lks": "Panti Asuhan Kasih Budi Santoso",
    "alamat_lks": "Jl. Raya Abepura No. 10",
    "ketua_lks": "Maria Wenda",
    "berlaku_sampai": "23 November 2031",
    "nama_calon_ayah": "Budi Santoso",
    "nama_calon_ibu": "Sri Wahyuni",
    "nama_anak": "Clara",
    "jenis_keterangan": "Surat Keterangan Pindah Kepesertaan PKH",
    "keterangan": "telah pindah domisili dan kepesertaannya dipindahkan.",
    "lokasi_ditemukan": "Pelabuhan Jayapura",
    "daerah_asal": "Kabupaten Biak Numfor",
    "alamat_asal": "Kampung Samofa, Biak",
    "moda_transportasi": "Kapal laut",
    "rute": "Jayapura - Biak",
    "nama_siswa": "Clara Santoso",
    "nik_siswa": "917101******0003",
    "nama_sekolah": "SMA Negeri 1 Jayapura",
    "jenjang": "SMA/SMK",
    "nama_orang_tua": "Budi Santoso",
    "nik_dtks": "917101******0001",
    "desil": "1",
    "nama_beasiswa": "Beasiswa Afirmasi Pendidikan",
    "tanggal_kunjungan": "20 November 2026",
    "hasil_kunjungan": "rumah semi permanen, penghasilan tidak tetap",
    "nama_rombongan": "SMP Negeri 2 Jayapura",
    "penanggung_jawab": "Yakob Rumbiak",
    "jumlah_peserta": "40",
    "sesi_kunjungan": "pagi, pukul 08.00-11.00",
    "tujuan": "Ziarah dan tabur bunga",
    "ketentuan": "Didampingi juru pelihara",
    "jenis_disabilitas": "fisik",
    "alat_bantu": "Kursi roda (lebar dudukan 46 cm)",
    "lembaga_rujukan": "Sentra Terpadu Inten Soeweno",
    "hasil_asesmen": "perlu rehabilitasi psikososial berbasis lembaga",
    "sasaran": "Anak",
    "lembaga_tujuan": "LKSA Kasih Ibu Abepura",
    "rencana_intervensi": "pengasuhan sementara dan kembali bersekolah.",
    "nama_pasien": "Paulus Itlay",
    "rs_asal": "RSUD Dok II Jayapura",
    "rs_tujuan": "RS Wahidin Sudirohusodo",
    "kota_tujuan": "Makassar",
    "jaminan": "BPJS Kesehatan PBI",
    "status_dtks": "Terdaftar di DTKS, desil 1",
    "pendamping": "Maria Itlay (istri)",
    "tindak_lanjut": "Rujukan ke layanan kesehatan",
    "faskes": "Puskesmas Jayapura Utara",
    "tahun_anggaran": "2026",
    "kejadian": "BANJIR-2026-11-ENTROP",
    "jenis_bencana": "Banjir",
    "tanggal_kejadian": "20 November 2026",
    "jumlah_jiwa": "4",
    "bantuan": "paket sembako, perlengkapan keluarga (family kit)",
    "nama_almarhum": "Markus Wenda",
    "nik_almarhum": "917101******0003",
    "tanggal_meninggal": "20 November 2026",
    "nama_ahli_waris": "Yuliana Wenda",
    "nik_ahli_waris": "917101******0004",
    "hubungan": "Istri",
    "besaran_santunan": "Rp15.000.000",
}

# Filled by the engine for every letter: the date, the signer, the QR code and the letterhead's address line.
SIGNING = ("tanggal", "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi",
           "kop_alamat")
EXPECTED_FIELDS = {
    "pbi_jkn": {
        "nomor", "nama", "nik", "no_kk", "tempat_lahir", "tanggal_lahir", "alamat", "kelurahan", "alasan", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "izin_lks": {
        "nomor", "jenis_izin", "nama_lks", "alamat_lks", "ketua_lks", "berlaku_sampai", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "rekomendasi_cota": {
        "nomor", "nama_calon_ayah", "nama_calon_ibu", "alamat", "nama_anak", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "keterangan_pkh": {
        "nomor", "jenis_keterangan", "nama", "nik", "no_kk", "alamat", "kelurahan", "keterangan",
        *SIGNING,
    },
    "pemulangan_orang_terlantar": {
        "nomor", "nama", "nik", "lokasi_ditemukan", "daerah_asal", "alamat_asal", "moda_transportasi", "rute",
        *SIGNING,
    },
    "rekomendasi_beasiswa_dtks": {
        "nomor", "nama_siswa", "nik_siswa", "nama_sekolah", "jenjang", "nama_orang_tua", "alamat", "kelurahan",
        "nik_dtks", "desil", "nama_beasiswa", *SIGNING,
    },
    "rekomendasi_beasiswa_non_dtks": {
        "nomor", "nama_siswa", "nik_siswa", "nama_sekolah", "jenjang", "nama_orang_tua", "alamat", "kelurahan",
        "tanggal_kunjungan", "hasil_kunjungan", "nama_beasiswa", *SIGNING,
    },
    "izin_ziarah": {
        "nomor", "nama_rombongan", "penanggung_jawab", "jumlah_peserta", "tanggal_kunjungan", "sesi_kunjungan",
        "tujuan", "ketentuan", *SIGNING,
    },
    "alat_bantu_disabilitas": {
        "nomor", "nama", "nik", "alamat", "jenis_disabilitas", "alat_bantu", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "rujukan_rehabilitasi_disabilitas": {
        "nomor", "nama", "nik", "alamat", "jenis_disabilitas", "lembaga_rujukan", "hasil_asesmen", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "rujukan_atensi": {
        "nomor", "nama", "nik", "sasaran", "lembaga_tujuan", "rencana_intervensi", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "pengantar_rujukan_pasien": {
        "nomor", "nama_pasien", "nik", "alamat", "rs_asal", "rs_tujuan", "kota_tujuan", "jaminan", "status_dtks",
        "pendamping", "tanggal", "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr",
        "url_verifikasi", "kop_alamat",
    },
    "rujukan_gepeng_odha": {
        "nomor", "nama", "nik", "tindak_lanjut", "tujuan", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
    "pbi_apbd": {
        "nomor", "nama", "nik", "no_kk", "tempat_lahir", "tanggal_lahir", "alamat", "kelurahan", "faskes",
        "tahun_anggaran", "tanggal", "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr",
        "url_verifikasi", "kop_alamat",
    },
    "bantuan_bencana": {
        "nomor", "nama", "nik", "no_kk", "alamat", "kelurahan", "kejadian", "jenis_bencana", "tanggal_kejadian",
        "jumlah_jiwa", "bantuan", "tanggal", "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan",
        "qr", "url_verifikasi", "kop_alamat",
    },
    "santunan_ahli_waris": {
        "nomor", "nama_almarhum", "nik_almarhum", "tanggal_meninggal", "nama_ahli_waris", "nik_ahli_waris",
        "hubungan", "alamat", "besaran_santunan", "kejadian", "jenis_bencana", "tanggal_kejadian", "tanggal",
        "jabatan_penandatangan", "nama_penandatangan", "nip_penandatangan", "qr", "url_verifikasi", "kop_alamat",
    },
}  # fmt: skip


# --- helpers ---------------------------------------------------------------------------------------------


def _open(data: bytes) -> DocxDocument:
    return docx.Document(BytesIO(data))


def _story_elements(document: DocxDocument) -> list:
    """Body, headers and footers of every section, as XML elements."""
    elements = [document.element.body]
    for section in document.sections:
        for story in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            elements.append(story._element)
    return elements


def _all_text(document: DocxDocument) -> str:
    """Text of every paragraph anywhere (tables, nested tables, headers, footers), one line each."""
    lines = []
    for element in _story_elements(document):
        for p in element.iter(qn("w:p")):
            lines.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return "\n".join(lines)


def _docx_bytes(document: DocxDocument) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _images(document: DocxDocument) -> list[bytes]:
    """Image parts the letter uses (not the package thumbnail)."""
    parts = {
        rel.target_part
        for part in document.part.package.iter_parts()
        for rel in part.rels.values()
        if rel.reltype == RT.IMAGE and not rel.is_external
    }
    return [part.blob for part in parts]


def _drawings(document: DocxDocument) -> list:
    return [d for element in _story_elements(document) for d in element.iter(qn("w:drawing"))]


# --- formatting ------------------------------------------------------------------------------------------


def test_format_tanggal_is_indonesian_long_date() -> None:
    assert letters.format_tanggal(date(2026, 11, 23)) == "23 November 2026"
    assert letters.format_tanggal(date(2027, 1, 5)) == "5 Januari 2027"
    assert letters.format_tanggal(date(2026, 8, 17)) == "17 Agustus 2026"


def test_roman_month() -> None:
    assert [letters.roman_month(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]  # fmt: skip
    for wrong in (0, 13):
        with pytest.raises(ValueError, match="Bulan"):
            letters.roman_month(wrong)


def test_letter_number() -> None:
    pattern = "400.9/{seq:04d}/DINSOS/{bulan_romawi}/{tahun}"
    assert letters.letter_number(pattern, 42, date(2026, 11, 23)) == "400.9/0042/DINSOS/XI/2026"
    assert letters.letter_number(pattern, 12345, date(2027, 1, 2)) == "400.9/12345/DINSOS/I/2027"
    assert letters.letter_number("{tahun}-{bulan:02d}-{seq}", 7, date(2026, 3, 1)) == "2026-03-7"


def test_letter_number_refuses_unknown_names_and_attribute_access() -> None:
    with pytest.raises(ValueError, match="nomor_urut"):
        letters.letter_number("{nomor_urut}/{tahun}", 1, ISSUED)
    with pytest.raises(ValueError, match="Pola nomor surat"):
        letters.letter_number("{seq.__class__}", 1, ISSUED)
    with pytest.raises(ValueError, match="tidak sah"):
        letters.letter_number("{seq", 1, ISSUED)
    with pytest.raises(ValueError, match="urut"):
        letters.letter_number("{seq}", 0, ISSUED)


def test_mask_name() -> None:
    assert letters.mask_name("Budi Santoso") == "B*** S******"
    assert letters.mask_name("  Siti   Nurhaliza ") == "S*** N********"
    assert letters.mask_name("A") == "A"
    assert letters.mask_name("") == ""


def test_mask_nik() -> None:
    assert letters.mask_nik("9171010101900001") == "917101******0001"
    assert letters.mask_nik("9171 0101 0190 0001") == "917101******0001"
    assert letters.mask_nik(9171010101900001) == "917101******0001"
    assert letters.mask_nik(None) == "–" and letters.mask_nik("") == "–" and letters.mask_nik("  ") == "–"
    # Wrong length: only the last 4 stay; 4 characters or fewer are masked entirely.
    assert letters.mask_nik("12345") == "*2345"
    assert letters.mask_nik("91710101019000012") == "*************0012"
    assert letters.mask_nik("1234") == "****"


def test_templates_use_the_same_nik_mask(app) -> None:
    assert app.jinja_env.filters["mask_nik"] is letters.mask_nik


def test_sha256_hex() -> None:
    assert letters.sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert letters.sha256_hex(b"x") == hashlib.sha256(b"x").hexdigest()


def test_qr_png_is_a_png() -> None:
    png = letters.qr_png(URL)
    assert png.startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError):
        letters.qr_png("")


# --- templates ---------------------------------------------------------------------------------------------


LETTERS_DIR = Path(__file__).resolve().parent.parent.parent / "letters"
# Each bundled template lives in its service package's folder.
PACKAGE_OF = {
    "pbi_jkn": "pbi_jkn", "izin_lks": "izin_lks", "rekomendasi_cota": "cota",
    "keterangan_pkh": "layanan_pkh", "pemulangan_orang_terlantar": "pemulangan_orang_terlantar",
    "rekomendasi_beasiswa_dtks": "beasiswa", "rekomendasi_beasiswa_non_dtks": "beasiswa",
    "izin_ziarah": "izin_ziarah",
    "alat_bantu_disabilitas": "layanan_disabilitas", "rujukan_rehabilitasi_disabilitas": "layanan_disabilitas",
    "rujukan_atensi": "atensi", "pengantar_rujukan_pasien": "rujukan_pasien", "rujukan_gepeng_odha": "gepeng_odha",
    "pbi_apbd": "pbi_apbd", "bantuan_bencana": "bantuan_bencana", "santunan_ahli_waris": "bantuan_bencana",
}  # fmt: skip


def template_bytes(name: str) -> bytes:
    return (LETTERS_DIR / PACKAGE_OF[name] / f"{name}.docx").read_bytes()


def render(name: str, fields: dict, qr_payload: str | None = None) -> bytes:
    return letters.fill_docx(template_bytes(name), fields, qr_payload=qr_payload, name=name)


def test_bundled_templates_are_in_their_packages() -> None:
    found = sorted(p.relative_to(LETTERS_DIR).as_posix() for p in LETTERS_DIR.glob("*/*.docx"))
    assert found == sorted(f"{code}/{name}.docx" for name, code in PACKAGE_OF.items())


@pytest.mark.parametrize("template", sorted(EXPECTED_FIELDS))
def test_template_fields_are_pinned(template: str) -> None:
    """Catches a template edited in Word that lost, renamed or added a placeholder."""
    assert set(letters.template_fields(template_bytes(template))) == EXPECTED_FIELDS[template]


@pytest.mark.parametrize("template", sorted(EXPECTED_FIELDS))
def test_render_fills_every_placeholder_and_adds_the_qr_code(template: str) -> None:
    data = render(template, FIELDS, qr_payload=URL)
    document = _open(data)
    text = _all_text(document)

    assert NOMOR in text
    assert "{{" not in text and "}}" not in text
    assert f"Jayapura, {FIELDS['tanggal']}" in text
    assert f"NIP. {FIELDS['nip_penandatangan']}" in text
    assert f"Pindai kode QR untuk memeriksa keaslian surat: {URL}" in text
    assert "PEMERINTAH KOTA JAYAPURA" in text and "DINAS SOSIAL" in text
    assert f"Surat nomor {NOMOR}" in text  # the footer is filled too
    if template == "pbi_jkn":
        assert "Budi Santoso" in text
        assert "917101******0001" in text
        assert NIK not in text
        assert f"{FIELDS['tempat_lahir']}, {FIELDS['tanggal_lahir']}" in text
        assert "Penerima Bantuan Iuran Jaminan Kesehatan Nasional" in text
    elif template == "izin_lks":
        assert FIELDS["nama_lks"] in text and FIELDS["berlaku_sampai"] in text
    elif template == "pbi_apbd":
        assert "Budi Santoso" in text and FIELDS["faskes"] in text and NIK not in text
        assert "(PBI-APBD) tahun anggaran 2026" in text
    elif template == "bantuan_bencana":
        assert "Budi Santoso" in text and FIELDS["bantuan"] in text and FIELDS["kejadian"] in text
    elif template == "santunan_ahli_waris":
        assert FIELDS["nama_ahli_waris"] in text and FIELDS["nama_almarhum"] in text
        assert FIELDS["besaran_santunan"] in text
    elif template == "rekomendasi_cota":
        assert FIELDS["nama_calon_ayah"] in text and FIELDS["nama_anak"] in text
    elif template == "keterangan_pkh":
        assert FIELDS["jenis_keterangan"] in text and FIELDS["keterangan"] in text
    elif template == "pemulangan_orang_terlantar":
        assert FIELDS["daerah_asal"] in text and FIELDS["rute"] in text
    elif template.startswith("rekomendasi_beasiswa"):
        assert FIELDS["nama_siswa"] in text and FIELDS["nama_beasiswa"] in text
        assert ("desil 1" in text) == (template == "rekomendasi_beasiswa_dtks")
    elif template == "izin_ziarah":
        assert FIELDS["nama_rombongan"] in text and "40 orang" in text
    elif template == "alat_bantu_disabilitas":
        assert FIELDS["alat_bantu"] in text and FIELDS["nama"] in text
    elif template == "rujukan_rehabilitasi_disabilitas":
        assert FIELDS["lembaga_rujukan"] in text and FIELDS["hasil_asesmen"] in text
    elif template == "rujukan_atensi":
        assert "(ANAK)" in text.upper() and FIELDS["lembaga_tujuan"] in text and FIELDS["rencana_intervensi"] in text
    elif template == "pengantar_rujukan_pasien":
        assert f"{FIELDS['rs_tujuan']}, {FIELDS['kota_tujuan']}" in text and FIELDS["status_dtks"] in text
    else:
        assert template == "rujukan_gepeng_odha"
        assert FIELDS["tindak_lanjut"] in text and FIELDS["tujuan"] in text

    shapes = list(document.inline_shapes)
    assert len(shapes) == 1
    assert abs(shapes[0].width - Cm(3)) < Cm(0.05)
    images = _images(document)
    assert len(images) == 1 and images[0].startswith(PNG_SIGNATURE)


def test_fill_refuses_a_file_that_is_not_a_docx() -> None:
    with pytest.raises(Exception):  # noqa: B017 (python-docx raises its own errors for a non-zip file)
        letters.fill_docx(b"%PDF-1.4 not a letter", FIELDS, qr_payload=URL)


def test_render_refuses_missing_and_blank_fields() -> None:
    fields = {k: v for k, v in FIELDS.items() if k not in ("nama", "alasan")}
    fields["kelurahan"] = "   "
    with pytest.raises(letters.LetterFieldsMissing) as caught:
        render("pbi_jkn", fields, qr_payload=URL)
    assert caught.value.fields == ["alasan", "kelurahan", "nama"]
    message = str(caught.value)
    assert "masih kosong" in message and "nama" in message and "alasan" in message and "kelurahan" in message


def test_render_without_qr_payload_is_refused() -> None:
    with pytest.raises(letters.LetterFieldsMissing) as caught:
        render("pbi_jkn", FIELDS)
    assert caught.value.fields == ["qr"]


def test_make_templates_rebuilds_fillable_templates(tmp_path: Path) -> None:
    written = build(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == \
        sorted(f"{code}/{name}.docx" for name, code in PACKAGE_OF.items())
    for path in written:
        text = _all_text(_open(letters.fill_docx(path.read_bytes(), FIELDS, qr_payload=URL)))
        assert NOMOR in text and "{{" not in text


# --- fill_docx on documents built here -------------------------------------------------------------------


def test_placeholder_split_over_runs_is_replaced_keeping_formatting() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph()
    label = paragraph.add_run("Nama: ")
    label.italic = True
    pieces = [("{{ na", True), ("ma", False), (" }}", False), (" / {", False), ("{nik}", False), ("}.", False)]
    for piece, bold in pieces:
        paragraph.add_run(piece).bold = bold

    filled = _open(letters.fill_docx(_docx_bytes(document), FIELDS))
    paragraph = filled.paragraphs[0]
    assert paragraph.text == "Nama: Budi Santoso / 917101******0001."
    runs = {run.text: run for run in paragraph.runs if run.text}
    assert runs["Nama: "].italic is True  # untouched run keeps its own formatting
    assert runs["Budi Santoso"].bold is True  # the value takes the formatting of the placeholder's first run


def test_tables_nested_cells_headers_and_footers_are_filled() -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Kop {{nomor}}"
    document.sections[0].footer.paragraphs[0].text = "Kaki {{ nomor }}"
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "{{nama}}"
    inner = table.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "NIK {{nik}}"

    filled = _open(letters.fill_docx(_docx_bytes(document), FIELDS))
    assert filled.sections[0].header.paragraphs[0].text == f"Kop {NOMOR}"
    assert filled.sections[0].footer.paragraphs[0].text == f"Kaki {NOMOR}"
    outer = filled.tables[0]
    assert outer.cell(0, 0).text == "Budi Santoso"
    assert outer.cell(0, 1).tables[0].cell(0, 0).text == "NIK 917101******0001"


def test_values_are_plain_text_not_xml() -> None:
    document = docx.Document()
    document.add_paragraph("Alamat: {{alamat}}")
    hostile = '</w:t></w:r><w:r><w:t>disisipkan & <b>"tebal"</b>\x01\nbaris dua'
    filled = _open(letters.fill_docx(_docx_bytes(document), {"alamat": hostile}))
    assert filled.paragraphs[0].text == 'Alamat: </w:t></w:r><w:r><w:t>disisipkan & <b>"tebal"</b> baris dua'
    assert len(filled.paragraphs[0].runs) == 1


def test_qr_placeholder_inside_text_splits_the_run() -> None:
    document = docx.Document()
    document.add_paragraph("Awal {{qr}} akhir")
    filled = _open(letters.fill_docx(_docx_bytes(document), {}, qr_payload=URL))
    paragraph = filled.paragraphs[0]
    assert paragraph.text == "Awal  akhir"
    runs = list(paragraph._p.iter(qn("w:r")))
    assert [bool(list(r.iter(qn("w:drawing")))) for r in runs] == [False, True, False]
    assert len(_drawings(filled)) == 1


def test_qr_in_header_uses_the_header_part() -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "{{qr}}"
    filled = _open(letters.fill_docx(_docx_bytes(document), {}, qr_payload=URL))
    header = filled.sections[0].header
    assert len(list(header._element.iter(qn("w:drawing")))) == 1
    assert any(rel.reltype.endswith("/image") for rel in header.part.rels.values())


def test_qr_payload_without_qr_placeholder_is_refused() -> None:
    document = docx.Document()
    document.add_paragraph("{{nama}}")
    with pytest.raises(letters.LetterTemplateInvalid, match="kode QR"):
        letters.fill_docx(_docx_bytes(document), FIELDS, qr_payload=URL)


def test_malformed_placeholder_is_refused() -> None:
    document = docx.Document()
    document.add_paragraph("Nama: {{ nama lengkap }}")
    with pytest.raises(letters.LetterTemplateInvalid, match="tidak sah"):
        letters.fill_docx(_docx_bytes(document), FIELDS)


# --- PDF ---------------------------------------------------------------------------------------------------


def test_to_pdf() -> None:
    """CI installs LibreOffice; a machine without it must say so explicitly (LIGAT_ALLOW_NO_LIBREOFFICE=1)."""
    letter = render("pbi_jkn", FIELDS, qr_payload=URL)
    if letters.soffice_path() is None:
        if os.environ.get("LIGAT_ALLOW_NO_LIBREOFFICE") == "1":
            assert letters.to_pdf(letter) is None
            return
        pytest.fail(
            "LibreOffice (soffice) is not installed, so letters cannot be converted to PDF. Install it "
            "(apt-get install --no-install-recommends libreoffice-writer-nogui) or set "
            "LIGAT_ALLOW_NO_LIBREOFFICE=1 to accept letters without PDF on this machine."
        )

    # Two at once: each conversion has its own LibreOffice profile, so they must not collide.
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(letters.to_pdf, [letter, render("izin_lks", FIELDS, qr_payload=URL)]))
    for pdf in pdfs:
        assert pdf is not None and pdf.startswith(b"%PDF")

    with pytest.raises(letters.PdfConversionError, match="gagal"):
        letters.to_pdf(b"PK\x03\x04 not really a zip")
    with pytest.raises(letters.PdfConversionError, match="batas waktu"):
        letters.to_pdf(letter, timeout=0.01)
    with pytest.raises(ValueError, match="bukan berkas .docx"):
        letters.to_pdf(b"")
