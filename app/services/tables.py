"""Spreadsheets in and out of the service pages: a list uploaded to start many cases at once
(CSV or XLSX, first row the form's field names) and a list of cases exported (XLSX or CSV)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 1000
MAX_BYTES = 5 * 1024 * 1024
# A CSV cell starting with one of these is run as a formula by spreadsheet programs; values typed by the
# public must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TableRefused(ValueError):
    """The whole file cannot be read; the message says why, in Indonesian and English."""


def read_rows(data: bytes) -> list[dict[str, str]]:
    """Rows as {header: text}; XLSX is recognised by content (a zip), anything else is read as CSV."""
    if len(data) > MAX_BYTES:
        raise TableRefused("Berkas daftar terlalu besar (maks. 5 MB). (The list file is too large, max 5 MB.)")
    if data.startswith(b"PK"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise TableRefused("Berkas XLSX tidak dapat dibaca. (The XLSX file cannot be read.)") from exc
        values = [["" if cell is None else _text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        long_numbers = [f"{_column(c)}{r}" for r, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                        for c, cell in enumerate(row) if _long_number(cell)]
        if long_numbers:
            raise TableRefused(
                f"Sel {', '.join(long_numbers[:10])} berisi nomor panjang (NIK, KK, HP) yang tersimpan sebagai angka, "
                "sehingga digit akhirnya dan nol di depannya bisa hilang. Format kolomnya sebagai Teks (atau pakai "
                f"templat LIGAT) lalu ketik ulang. (Cells {', '.join(long_numbers[:10])} hold long numbers stored "
                "as numbers, which lose digits; format the column as Text and type them again.)")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableRefused("Berkas CSV harus UTF-8. (The CSV file must be UTF-8.)") from exc
        try:
            dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        except csv.Error:  # one column, or nothing to tell the separator by
            dialect = csv.excel
        values = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    values = [row for row in values if any(str(v).strip() for v in row)]
    if not values:
        raise TableRefused("Berkas kosong. (The file is empty.)")
    headers = [str(h).strip() for h in values[0]]
    if len(values) - 1 > MAX_ROWS:
        raise TableRefused(f"Paling banyak {MAX_ROWS} baris sekali kirim. (At most {MAX_ROWS} rows at once.)")
    return [{h: str(v).strip() for h, v in zip(headers, row, strict=False) if h} for row in values[1:]]


def _long_number(value: Any) -> bool:
    """A number of 10 digits or more: an identity or phone number that a spreadsheet stored as a number
    (past 15 digits it has lost its last ones; a phone number has lost its leading zero)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**9


def _column(index: int) -> str:
    return get_column_letter(index + 1)


def _text(value: Any) -> str:
    if hasattr(value, "date") and hasattr(value, "isoformat"):  # a date cell
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_cell(value: Any) -> Any:
    """A CSV value that is never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_xlsx(headers: list[str], rows: list[list[Any]], title: str = "Data") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for index in range(1, len(headers) + 1):
        # Text columns, so a NIK typed into the template keeps all 16 digits (and a phone its leading 0).
        sheet.column_dimensions[_column(index - 1)].number_format = "@"
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that merely starts with "=" stays text
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with the byte-order mark correctly
