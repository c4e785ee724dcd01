"""The dashboard's figures and case lists as rows for CSV and XLSX (app/services/tables.py writes them)."""

from __future__ import annotations

from typing import Any

from workflows.db import Case

from ..views.display import bidang_label, category_label, format_dt, region_label

FIGURE_HEADERS = ["Figur", "Kunci", "Nama", "Ukuran", "Nilai"]
CASE_HEADERS = ["Nomor", "Layanan", "Kategori", "Wilayah", "Bidang", "Status", "Dibuat", "Selesai"]


def _name(group: str, key: Any, lines: dict[str, dict[str, str]]) -> str:
    if key is None:
        return "–"
    if group in ("lini", "sla_lini", "waktu_selesai"):
        return lines.get(key, {}).get("nama", key)
    if group == "kategori":
        return category_label(key)
    if group in ("kecamatan", "kelurahan"):
        return region_label(key)
    return str(key)


def figure_rows(figures: dict[str, Any], lines: dict[str, dict[str, str]]) -> list[list[Any]]:
    """One row per number: figure, key, its name, measure, value (long format, the same in CSV and XLSX)."""
    rows: list[list[Any]] = [["terbuka", "", "Kasus terbuka sekarang", "jumlah", figures["terbuka"]]]
    volume = figures["volume"]
    rows += [["total", "", "Periode", measure, value] for measure, value in volume["total"].items()]
    for group in ("minggu", "bulan", "lini", "kategori", "kecamatan", "kelurahan", "sla_lini"):
        for item in volume[group]:
            for measure, value in item.items():
                if measure != "kunci":
                    rows.append([group, item["kunci"] or "", _name(group, item["kunci"], lines), measure, value])
    times = figures["waktu_selesai"]
    rows += [["waktu_selesai", "", "Semua", m, v] for m, v in times["semua"].items()]
    for item in times["lini"]:
        rows += [["waktu_selesai", item["kunci"], _name("lini", item["kunci"], lines), m, v]
                 for m, v in item.items() if m != "kunci"]
    for group in ("sla_tahap", "antrean"):
        for item in figures[group]:
            key = f"{item['lini']}/{item['tahap']}"
            rows += [[group, key, item["judul"], m, v] for m, v in item.items()
                     if m not in ("lini", "tahap", "judul")]
    rows += [["surat_per_hari", item["hari"], item["hari"], "jumlah", item["jumlah"]]
             for item in figures["surat_per_hari"]]
    return rows


def case_rows(found: list[Case], lines: dict[str, dict[str, str]]) -> list[list[Any]]:
    """A case list without personal data: number, line, category, region, bidang, status, dates."""
    return [[c.reference, lines.get(c.process_id, {}).get("nama", c.process_id), category_label(c.category),
             region_label(c.region_code), bidang_label(c.bidang), c.status, format_dt(c.created_at),
             format_dt(c.closed_at) if c.closed_at else ""] for c in found]
