"""Finds Indonesian text on a page shown in English: the visible text (lxml, without scripts and
styles, with the attributes people read) scanned for common Indonesian function and UI words.
Shared by the English page run (tests/integration) and the browser screenshots (tests/e2e)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import lxml.html

# Service-package data still Indonesian on this branch (removed by the package-English work).

# Common Indonesian function words and words of LIGAT's screens. None of them is an English word
# a page would use ("data", "status", "total" and "per" are both, so they are not here).
INDONESIAN_WORDS = frozenset("""
yang dan untuk tidak dengan belum sudah atau dari ke di pada ini itu akan adalah oleh dalam bisa dapat
harus juga hanya setiap lain kami anda saya mereka bila jika agar karena sampai sejak tanpa sebagai
atas bawah antara sedang masih telah lagi sini semua baru lama ada
kasus tugas laporan lapor simpan kirim batal kembali cari tampilkan unduh ubah hapus tambah lihat buka
tutup pilih ya selesai diproses menunggu ditolak disetujui terlambat dikembalikan hari bulan tahun
minggu pesan catatan alasan keputusan periksa rincian jumlah kategori lokasi pelapor warga riwayat kotak
masuk keluar ambil lepas saringan perancang draf terbitkan versi akun kata sandi halaman nama alamat
tanggal petugas layanan surat berkas dokumen wilayah peran dibuat diperbarui tenggat mendesak darurat
rahasia penugasan keterangan isian formulir tiket lacak beranda persyaratan biaya gratis permohonan
peta sebaran waktu rata hingga belum terbuka ditutup tertunda tindak lanjut diterima terkirim dicabut
berlaku sah nomor jenis perihal pemohon penerima diserahkan ringkasan survei kepuasan saran jawaban
pertanyaan kosong wajib diisi minimal maksimal salah benar gagal berhasil tersimpan diubah dihapus
""".split())

# Proper nouns and data that stay Indonesian in an English page: the office, titles, programmes,
# place names, demo people. Removed from a text before it is scanned.
PROPER_NOUNS = (
    "Dinas Sosial", "Kepala Dinas", "Kota Jayapura", "Jayapura Utara", "Jayapura Selatan", "Abepura",
    "Heram", "Muara Tami", "Gurabesi", "PBI-JKN", "PBI-JK", "DTKS", "DTSEN", "BPJS", "Kemendagri",
    "Kota Baru", "Jl.",
)


_SKIPPED = {"script", "style", "noscript", "template"}
_READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# Whole words only: codes (a package code such as layanan_disabilitas, a hash such as 5ada95d3…) are data.
_WORD = re.compile(r"(?<!\w)[A-Za-z]+(?!\w)")


def visible_texts(html: str) -> list[str]:
    """Each piece of text a person reads on the page, whitespace collapsed."""
    root = lxml.html.document_fromstring(html)
    texts: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _SKIPPED:
            continue
        if element.tag == "title" or any(a.tag in _SKIPPED for a in element.iterancestors()):
            continue
        texts += [element.text or ""]
        texts += [element.get(name) or "" for name in _READ_ATTRIBUTES]
        if element.tag == "input" and element.get("type") in ("submit", "button"):
            texts.append(element.get("value") or "")
    for element in root.iter():
        if isinstance(element.tag, str) and element.getparent() is not None \
                and element.getparent().tag not in _SKIPPED:
            texts.append(element.tail or "")
    title = root.find(".//title")
    if title is not None:
        texts.append(title.text or "")
    return [t for t in (" ".join(text.split()) for text in texts) if t]


def indonesian_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The Indonesian words of one text, after proper nouns and allowed data are taken out."""
    for phrase in sorted((*PROPER_NOUNS, *allowed), key=len, reverse=True):
        if phrase and phrase in text:
            # Whole words only: "Ya" in a list must not cut "Yayasan" in two.
            text = re.sub(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", " ", text)
    return [w for w in _WORD.findall(text) if w.lower() in INDONESIAN_WORDS]


def untranslated(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """Texts of a page that read as Indonesian, each with the words that gave it away."""
    allowed = tuple(allowed)
    found = []
    for text in visible_texts(html):
        words = indonesian_words(text, allowed)
        if words:
            found.append(f"{text!r} ({', '.join(sorted(set(words)))})")
    return found
