"""Text that goes into letters: Indonesian dates, letter numbers, and masked personal data (UU 27/2022 PDP)."""

from __future__ import annotations

import re
import string
from datetime import date

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_ROMAWI = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

# The only names a numbering pattern may use; anything else is a typo in the configuration.
NUMBER_FIELDS = frozenset({"seq", "tahun", "bulan", "bulan_romawi"})

_SEPARATORS = re.compile(r"[\s.\-]")


def format_tanggal(d: date) -> str:
    """`23 November 2026`: the long form Indonesian official letters use (not locale-dependent)."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def roman_month(month: int) -> str:
    """Roman month (`XI` for 11), the customary month part of an Indonesian letter number."""
    if not 1 <= month <= 12:
        raise ValueError(f"Bulan harus 1 sampai 12, bukan {month}.")
    return _ROMAWI[month - 1]


def letter_number(pattern: str, seq: int, d: date) -> str:
    """Fill a numbering pattern such as `400.9/{seq:04d}/DINSOS/{bulan_romawi}/{tahun}`.

    The pattern is office configuration, so it may use only `seq`, `tahun`, `bulan` and `bulan_romawi`, with
    format specs but without attribute or index access; a wrong name fails here instead of on an issued letter.
    """
    if seq < 1:
        raise ValueError(f"Nomor urut surat harus 1 atau lebih, bukan {seq}.")
    return _fill_pattern(pattern, seq, d)


class _NoSequence:
    """Stands for the sequence number in a preview: `X` as wide as the pattern's format asks (`{seq:04d}` → XXXX)."""

    def __format__(self, spec: str) -> str:
        width = int("".join(ch for ch in spec if ch.isdigit()) or 0)
        return "X" * max(width, 4)


def preview_number(pattern: str, d: date) -> str:
    """The number pattern filled for a letter preview: no sequence is taken, `X`s stand for the sequence
    (`400.9/XXXX/DINSOS/XI/2026`), so it can never be the number of an issued letter."""
    return _fill_pattern(pattern, _NoSequence(), d)


def _fill_pattern(pattern: str, seq: object, d: date) -> str:
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ValueError(f"Pola nomor surat tidak sah ({exc}): {pattern!r}") from exc
    for _literal, name, _spec, _conversion in parsed:
        if name is not None and name not in NUMBER_FIELDS:
            allowed = ", ".join(sorted(NUMBER_FIELDS))
            raise ValueError(f"Pola nomor surat memakai '{{{name}}}'; yang boleh hanya: {allowed}.")
    return pattern.format(seq=seq, tahun=d.year, bulan=d.month, bulan_romawi=roman_month(d.month))


def mask_name(name: str) -> str:
    """`Budi Santoso` -> `B*** S******`: recognisable by its holder, not readable by others (PDP)."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def mask_nik(nik: str | int | None) -> str:
    """The one NIK mask (lists, case pages, letters' verification page, scripts; PDP, UU 27/2022).

    - a 16-digit NIK keeps its first 6 digits (province, regency, district codes) and its last 4
      (serial); the birth date and the rest are hidden: `9171010101900001` -> `917101******0001`;
    - spaces, dots and hyphens are dropped first (`9171 0101 0190 0001` is the same NIK);
    - None or empty -> `–`;
    - any other length (a typo, a KK number cut short) keeps only the last 4 characters:
      `12345678` -> `****5678`; 4 characters or fewer are masked entirely, so a malformed value
      never shows in full.
    """
    if nik is None:
        return "–"
    value = _SEPARATORS.sub("", str(nik))
    if not value:
        return "–"
    if len(value) == 16 and value.isdigit():
        return value[:6] + "*" * 6 + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]
