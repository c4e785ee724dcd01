"""The DTKS import's acceptance rules, shared by both ways of checking a file.

A file is refused as a whole (nothing imported) when it is not UTF-8 text, holds
NUL bytes, or has a wrong header. Otherwise each row is accepted or rejected with
its line number and one reason. The rules are written once here in Python (the
row-by-row path, used on SQLite) and once as SQL in `dtks_sql` (PostgreSQL);
tests hold the two to the same answers.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import IO

import lokal
from lokal.provinces import PROVINCES

from .errors import LigatError

REQUIRED = ("nik", "no_kk", "nama")
OPTIONAL = ("alamat", "kode_wilayah", "desil")
COLUMNS = REQUIRED + OPTIONAL
CHUNK = 1 << 20
# Python's csv module refuses a longer field; the SQL path leaves such files to it.
FIELD_LIMIT = 131072

# Digits are ASCII only: a NIK or KK number written in other scripts' digits is not one.
DIGITS16 = r"[0-9]{16}"
REGION = r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?"
NUMBER = r"[0-9]+"
NAMA_MAX, ALAMAT_MAX = 200, 500
DESIL_MIN, DESIL_MAX = 1, 10
_DIGITS16, _REGION, _NUMBER = re.compile(DIGITS16), re.compile(REGION), re.compile(NUMBER)

# What str.strip() removes (every character for which str.isspace() is true; a test checks the
# list against all of Unicode); the SQL path trims the same characters.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

NIK_INVALID = "NIK tidak valid (16 digit, kode wilayah dan tanggal lahir)"
KK_INVALID = "nomor KK harus 16 digit"
REGION_INVALID = "kode_wilayah tidak sesuai format Kemendagri"
DESIL_INVALID = "desil harus angka 1 sampai 10"
TOO_LONG = "nama atau alamat terlalu panjang"
DUPLICATE = "NIK ganda dalam berkas ini"
PROVINCE_CODES = tuple(sorted(PROVINCES))


def column_count_reason(got: int, wanted: int) -> str:
    return f"jumlah kolom {got}, seharusnya {wanted}"


def empty_reason(name: str) -> str:
    return f"kolom '{name}' kosong"


class DtksFileRefused(LigatError):
    """The file as a whole cannot be imported; nothing was changed."""


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    # True when the rows were checked in SQL (PostgreSQL staging), False when row by row.
    checked_in_sql: bool = False

    @property
    def unchanged(self) -> int:
        return self.accepted - self.inserted - self.updated

    def summary(self) -> str:
        return (
            f"{self.rows} baris dibaca: {self.accepted} diterima ({self.inserted} baru, {self.updated} diperbarui, "
            f"{self.unchanged} tidak berubah), {len(self.rejected)} ditolak."
        )


def nik_is_valid(nik: str) -> bool:
    """16 ASCII digits with a known province, regency and district, a real birth date (+40 for women)
    and a serial other than 0000 (lokal's structure check, without its tolerance for separators)."""
    return _DIGITS16.fullmatch(nik) is not None and lokal.is_valid_nik(nik)


def row_error(row: dict[str, str]) -> str | None:
    """The reason a row (stripped values by column name) is rejected, or None; duplicates are not seen here."""
    for name in REQUIRED:
        if not row.get(name):
            return empty_reason(name)
    if not nik_is_valid(row["nik"]):
        return NIK_INVALID
    if not _DIGITS16.fullmatch(row["no_kk"]):
        return KK_INVALID
    if row.get("kode_wilayah") and not _REGION.fullmatch(row["kode_wilayah"]):
        return REGION_INVALID
    desil = row.get("desil")
    if desil and not (_NUMBER.fullmatch(desil) and DESIL_MIN <= int(desil) <= DESIL_MAX):
        return DESIL_INVALID
    if len(row["nama"]) > NAMA_MAX or len(row.get("alamat") or "") > ALAMAT_MAX:
        return TOO_LONG
    return None


def header_columns(values: list[str]) -> list[str]:
    """The header's column names (lower case, stripped); raises DtksFileRefused if they do not fit."""
    header = [h.strip().lower() for h in values]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise DtksFileRefused(
            f"Kepala kolom (header) tidak sesuai: wajib {', '.join(REQUIRED)}; boleh {', '.join(OPTIONAL)}. "
            f"Kurang: {', '.join(missing) or '-'}; tidak dikenal: {', '.join(unknown) or '-'}. "
            "Tidak ada data yang diimpor. (Wrong header; nothing imported.)"
        )
    return header


class ByteCheck:
    """Feeds a file's bytes in chunks: the first byte that breaks UTF-8 (file offset), the first NUL byte."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset = 0
        self.bad_utf8: int | None = None
        self.nul: int | None = None

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.bad_utf8 is None:
            pending = len(self._decoder.getstate()[0])
            try:
                self._decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                self.bad_utf8 = self.offset - pending + exc.start
        if self.nul is None and (at := chunk.find(b"\0")) >= 0:
            self.nul = self.offset + at
        self.offset += len(chunk)

    def refuse(self) -> None:
        """Raises DtksFileRefused for the first problem found, UTF-8 before NUL (bytes counted from 1)."""
        if self.bad_utf8 is not None:
            raise DtksFileRefused(
                f"Berkas bukan teks UTF-8 (bita ke-{self.bad_utf8 + 1}). Tidak ada data yang diimpor. "
                "(File is not UTF-8; nothing imported.)"
            )
        if self.nul is not None:
            raise DtksFileRefused(
                f"Berkas berisi bita NUL (bita ke-{self.nul + 1}): bukan berkas teks CSV. Tidak ada data yang diimpor. "
                "(File contains NUL bytes; nothing imported.)"
            )


def refuse_broken(stream: IO[bytes]) -> None:
    """Reads the whole file from its start; raises DtksFileRefused if it is not UTF-8 text without NUL bytes."""
    stream.seek(0)
    check = ByteCheck()
    while chunk := stream.read(CHUNK):
        check.feed(chunk)
    check.feed(b"", final=True)
    check.refuse()
    stream.seek(0)
