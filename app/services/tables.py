"""Spreadsheets in and out of the service pages: a list uploaded to start many cases at once
(CSV or XLSX, first row the form's field names) and a list of cases exported (XLSX or CSV)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
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
