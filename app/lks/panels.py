"""Panels beside LKS and COTA tasks: what the officer needs to decide."""

from __future__ import annotations

from workflows import cases, cota, lks
from workflows.db import Case, InboxTask
from workflows.principal import Principal

from ..extensions import db
from ..panels import Panel, register_panels


@register_panels("izin_lks")
def _lks_panels(row: InboxTask | None, case: Case, principal: Principal) -> list[Panel]:
    permit = lks.permit_of_case(db.session, case.id)
    if permit is None:
        return []
    others = [p for p in permit.lks.permits if p.id != permit.id]
    items = [f"{p.type_label} · {p.case.reference} · {p.status_label()}"
             + (f" · {p.letter_number}, s.d. {p.valid_until:%d-%m-%Y}" if p.letter_number and p.valid_until else "")
             for p in others]
    data = cases.case_data(case)
    rows = [("LKS", permit.lks.name), ("Nomor SK badan hukum", permit.lks.legal_number),
            ("Permohonan", permit.type_label), ("Masa berlaku bila terbit", str(data.get("masa_berlaku", "–"))),
            ("Dikembalikan", f"{data.get('putaran_pengembalian', 0)} kali")]
    panel = Panel("Daftar LKS", rows, "info", html_id="lks-daftar", items=items)
    if not items:
        panel.note = "Permohonan pertama LKS ini."
    return [panel]


@register_panels("cota")
def _cota_panels(row: InboxTask | None, case: Case, principal: Principal) -> list[Panel]:
    data = cases.case_data(case)
    rows = [
        ("Umur calon ayah", f"{data.get('umur_calon_ayah', '–')} tahun"),
        ("Umur calon ibu", f"{data.get('umur_calon_ibu', '–')} tahun"),
        ("Lama menikah", f"{data.get('lama_menikah_tahun', '–')} tahun"),
        ("Jumlah anak kandung", str(data.get("jumlah_anak_kandung", "–"))),
    ]
    syarat = Panel("Syarat yang diperiksa formulir", rows, "success", html_id="cota-syarat",
                   note=f"Umur {cota.MIN_AGE}–{cota.MAX_AGE} tahun dan menikah paling singkat "
                        f"{cota.MIN_YEARS_MARRIED} tahun: terpenuhi saat permohonan diajukan.")
    visits = [f"Kunjungan ke-{v.get('ke')} · {v.get('tanggal')} · {v.get('oleh')} · {v.get('penilaian')}"
              for v in data.get("kunjungan_rumah") or []]
    kunjungan = Panel("Kunjungan rumah", kind="default", html_id="cota-kunjungan", items=visits,
                      note=None if visits else "Belum ada kunjungan rumah.")
    return [syarat, kunjungan]
