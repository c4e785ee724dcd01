"""count_cases / tag_case: the generic check behind a quota or a daily capacity."""

from __future__ import annotations

from workflows import cases, counting
from workflows.db import Case

VILLAGE = "91.71.01.1001"
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}


def test_count_by_status_tag_and_year(session):
    first = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    second = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    third = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    for case in (first, second):
        counting.tag(session, case, "tanggal_kunjungan", "2026-12-01")
    counting.tag(session, third, "tanggal_kunjungan", "2026-12-02")
    session.commit()
    me = session.get(Case, third.id)
    on_first = counting.count(session, me, tag_name="tanggal_kunjungan", value="2026-12-01")
    assert on_first == 2
    assert counting.count(session, me, tag_name="tanggal_kunjungan", value="2026-12-02") == 0  # itself not counted
    verifying = counting.count(session, me, statuses=["Verifikasi"], tag_name="tanggal_kunjungan", value="2026-12-01")
    assert verifying == 2
    assert counting.count(session, me, statuses=["Selesai"], tag_name="tanggal_kunjungan", value="2026-12-01") == 0
    assert counting.count(session, me, year=1999) == 0
    assert counting.count(session, me, process="pbi_jkn", tag_name="tanggal_kunjungan", value="2026-12-01") == 0
    # A tag is replaced, not repeated.
    counting.tag(session, first, "tanggal_kunjungan", "2026-12-02")
    session.commit()
    assert counting.count(session, me, tag_name="tanggal_kunjungan", value="2026-12-01") == 1
