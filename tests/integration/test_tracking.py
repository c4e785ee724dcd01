"""The public tracking page shows each line's own stages and name (service.json → tracking)."""

from __future__ import annotations

import re

from workflows import cases

VILLAGE = "91.71.01.1001"


def stages(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="(\w+)" data-state="\w+">(?:<strong>)?([^<]+)', html)


def test_an_lks_applicant_sees_the_lks_stages(client, db_session):
    data = {"jenis_izin": "izin_operasional", "nama_lks": "Yayasan Kasih Papua", "alamat_lks": "Jl. Raya Abepura 1",
            "ketua_lks": "Maria Wenda", "nomor_sk_badan_hukum": "AHU-0099.AH.01.04.2026", "kode_wilayah": VILLAGE}
    case = cases.start_case(db_session, "izin_lks", data, "pemohon", region_code=VILLAGE, category="izin_lks")
    html = client.get(f"/lacak?tiket={case.reference}&kode={case.tracking_code}").get_data(as_text=True)
    assert stages(html) == [("done", "Diajukan"), ("current", "Pemeriksaan berkas"), ("pending", "Verifikasi lapangan"),
                            ("pending", "Keputusan"), ("pending", "Izin terbit")]
    assert "Tindak Lanjut Lapangan" not in html  # the complaint's stages are not the LKS's
    assert "Izin dan Tanda Daftar LKS" in html


def test_a_pbi_request_names_its_line_not_its_key(client, db_session):
    case = cases.start_case(db_session, "pbi_jkn", {"nik": "9171014505900001", "nama": "Uji", "kode_wilayah": VILLAGE},
                            "kelurahan.gurabesi", region_code=VILLAGE, category="pbi_jkn")
    html = client.get(f"/lacak?tiket={case.reference}&kode={case.tracking_code}").get_data(as_text=True)
    assert "Rekomendasi PBI-JKN" in html and "· pbi_jkn ·" not in html
    assert ("current", "Verifikasi Dinsos") in stages(html)
