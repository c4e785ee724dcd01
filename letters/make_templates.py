"""Build the bundled packages' letter templates (`letters/<code>/*.docx`) with python-docx.

    .venv/bin/python -m letters.make_templates            # rewrite letters/<code>/*.docx
    .venv/bin/python -m letters.make_templates --out DIR  # write elsewhere, e.g. to compare

The generated files are committed; they are ordinary Word documents that office staff may edit (named styles
"Kop Surat", "Judul Surat", "Isi Surat", real tables, placeholders typed as `{{nama_isian}}`). Running this
script overwrites such edits: compare with git before committing its output. The building blocks are in
`letters/template_parts.py`; the templates of later packages are built in `letters/build_group_*.py`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocxDocument

from letters.build_group_a import GROUP_A
from letters.build_group_b import GROUP_B
from letters.build_group_c import GROUP_C
from letters.template_parts import PENUTUP, body, closing, data_table, new_document, title

# --- the letters -------------------------------------------------------------------------------------------


def pbi_jkn() -> DocxDocument:
    doc = new_document("Surat Rekomendasi PBI-JKN")
    title(doc, "Surat Rekomendasi PBI-JKN")
    body(
        doc,
        "Berdasarkan permohonan yang diajukan dan hasil verifikasi data serta berkas persyaratan, Dinas Sosial "
        "Kota Jayapura dengan ini merekomendasikan penduduk tersebut di bawah ini:",
    )
    data_table(
        doc,
        [
            ("Nama", "{{nama}}"),
            ("NIK", "{{nik}}"),
            ("No. KK", "{{no_kk}}"),
            ("Tempat/Tgl. Lahir", "{{tempat_lahir}}, {{tanggal_lahir}}"),
            ("Alamat", "{{alamat}}"),
            ("Kelurahan", "{{kelurahan}}"),
        ],
    )
    body(
        doc,
        "untuk didaftarkan sebagai Penerima Bantuan Iuran Jaminan Kesehatan Nasional (PBI-JKN), dengan alasan: "
        "{{alasan}}.",
        indent=False,
    )
    body(doc, PENUTUP)
    closing(doc)
    return doc


def izin_lks() -> DocxDocument:
    doc = new_document("Izin / Tanda Daftar Lembaga Kesejahteraan Sosial")
    title(doc, "{{jenis_izin}}", "Lembaga Kesejahteraan Sosial")
    body(
        doc,
        "Berdasarkan permohonan yang diajukan serta hasil verifikasi berkas persyaratan dan peninjauan lapangan, "
        "Dinas Sosial Kota Jayapura memberikan {{jenis_izin}} kepada Lembaga Kesejahteraan Sosial (LKS):",
    )
    data_table(
        doc,
        [
            ("Nama LKS", "{{nama_lks}}"),
            ("Alamat", "{{alamat_lks}}"),
            ("Ketua/Penanggung Jawab", "{{ketua_lks}}"),
        ],
    )
    body(
        doc,
        "{{jenis_izin}} ini berlaku sampai dengan {{berlaku_sampai}}. Lembaga wajib melaporkan kegiatannya "
        "secara berkala kepada Dinas Sosial Kota Jayapura. {{jenis_izin}} ini dapat dicabut apabila lembaga "
        "tidak lagi memenuhi persyaratan atau melanggar ketentuan peraturan perundang-undangan.",
    )
    body(doc, PENUTUP)
    closing(doc)
    return doc


def rekomendasi_cota() -> DocxDocument:
    doc = new_document("Surat Rekomendasi Pengangkatan Anak (COTA)")
    title(doc, "Surat Rekomendasi", "Pengangkatan Anak")
    body(
        doc,
        "Berdasarkan permohonan calon orang tua angkat (COTA), hasil penelitian berkas persyaratan, kunjungan "
        "rumah dan laporan sosial Pekerja Sosial, Dinas Sosial Kota Jayapura memberikan rekomendasi kepada:",
    )
    data_table(
        doc,
        [
            ("Nama Calon Ayah Angkat", "{{nama_calon_ayah}}"),
            ("Nama Calon Ibu Angkat", "{{nama_calon_ibu}}"),
            ("Alamat", "{{alamat}}"),
        ],
    )
    body(
        doc,
        "untuk melanjutkan proses pengangkatan anak atas nama {{nama_anak}} sesuai ketentuan peraturan "
        "perundang-undangan. Rekomendasi ini bukan penetapan pengangkatan anak.",
        indent=False,
    )
    body(doc, PENUTUP)
    closing(doc)
    return doc


LETTERS_DIR = Path(__file__).resolve().parent
# template name → (service package code, builder): each template lives in its package's letters/<code>/.
TEMPLATES: dict[str, tuple[str, Callable[[], DocxDocument]]] = {
    "pbi_jkn": ("pbi_jkn", pbi_jkn),
    "izin_lks": ("izin_lks", izin_lks),
    "rekomendasi_cota": ("cota", rekomendasi_cota),
    **GROUP_A,
    **GROUP_B,
    **GROUP_C,
}


def build(out: Path = LETTERS_DIR) -> list[Path]:
    """Write every template into `out/<package code>/`; returns the written paths."""
    written = []
    for name, (code, make) in TEMPLATES.items():
        (out / code).mkdir(parents=True, exist_ok=True)
        path = out / code / f"{name}.docx"
        make().save(str(path))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=LETTERS_DIR, help="target folder (default: %(default)s)")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
