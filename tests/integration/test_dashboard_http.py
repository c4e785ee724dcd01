"""The dashboard and the process heatmap over HTTP, against complaint cases with known figures
(tests/integration/dashboard_helpers.py): every number is written out here from the seeded plan."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.integration.dashboard_helpers import PERIOD, REGION, V1, V2, seed


@pytest.fixture(scope="module")
def seeded(app):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with Session(engine) as session:
        return seed(session)


def summary(client, **args) -> dict:
    response = client.get("/dasbor/api/ringkasan", query_string={**PERIOD, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def norm(value) -> str:
    """A cell as text, numbers compared as numbers (XLSX gives 75 back for 75.0)."""
    if value is None:
        return ""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def by_key(items: list[dict]) -> dict:
    return {item["kunci"]: {k: v for k, v in item.items() if k != "kunci"} for item in items}


def test_counts_per_period_line_category_and_region(login_as, seeded):
    data = summary(login_as("kadis"))
    volume = data["volume"]
    assert volume["total"] == {"masuk": 8, "selesai": 4, "dengan_sla": 4, "tepat_waktu": 3,
                               "persen_tepat_waktu": 75.0}
    assert by_key(volume["minggu"]) == {"2025-W10": {"masuk": 2, "selesai": 1}, "2025-W11": {"masuk": 1, "selesai": 1},
                                        "2025-W12": {"masuk": 2, "selesai": 1}, "2025-W13": {"masuk": 3, "selesai": 1}}
    assert by_key(volume["bulan"]) == {"2025-03": {"masuk": 8, "selesai": 4}}
    assert by_key(volume["lini"]) == {"pengaduan": {"masuk": 8, "selesai": 4}}
    assert by_key(volume["kategori"]) == {
        "pengemis": {"masuk": 5, "selesai": 2}, "gelandangan": {"masuk": 1, "selesai": 1},
        "korban_bencana_alam": {"masuk": 1, "selesai": 1}, "pemulung": {"masuk": 1, "selesai": 0}}
    assert by_key(volume["kecamatan"]) == {REGION: {"masuk": 8, "selesai": 4}}
    assert by_key(volume["kelurahan"]) == {V1: {"masuk": 4, "selesai": 2}, V2: {"masuk": 4, "selesai": 2}}
    assert data["terbuka"] == 4
    # One village only, and one category only.
    assert summary(login_as("kadis"), wilayah=V2)["volume"]["total"]["masuk"] == 4
    assert summary(login_as("kadis"), kategori="pengemis")["volume"]["total"]["selesai"] == 2


def test_sla_per_line_and_stage_and_completion_times(login_as, seeded):
    data = summary(login_as("kadis"))
    assert by_key(data["volume"]["sla_lini"]) == {"pengaduan": {"dengan_sla": 4, "tepat_waktu": 3, "persen": 75.0}}
    stages = {s["tahap"]: (s["dengan_sla"], s["tepat_waktu"], s["persen"]) for s in data["sla_tahap"]}
    assert stages == {"verifikasi": (6, 4, 66.7), "tindak_lanjut_lapangan": (3, 2, 66.7)}
    # Completion times 12, 24, 72 and 96 hours: median 48, p90 72 + 0.7 × 24 = 88.8 (linear interpolation).
    assert data["waktu_selesai"]["semua"] == {"jumlah": 4, "median_jam": 48.0, "p90_jam": 88.8, "maks_jam": 96.0}
    assert data["waktu_selesai"]["lini"] == [{"kunci": "pengaduan", "jumlah": 4, "median_jam": 48.0,
                                              "p90_jam": 88.8, "maks_jam": 96.0}]


def test_backlog_by_stage_with_waiting_times(login_as, seeded):
    backlog = {b["tahap"]: b for b in summary(login_as("kadis"))["antrean"]}
    assert set(backlog) == {"verifikasi", "tindak_lanjut_lapangan", "lengkapi_informasi"}
    # Waiting 30 and 70 hours: median 50, p90 30 + 0.9 × 40 = 66; both past their due time.
    assert {k: backlog["verifikasi"][k] for k in ("jumlah", "median_jam", "p90_jam", "maks_jam", "terlambat")} == {
        "jumlah": 2, "median_jam": 50.0, "p90_jam": 66.0, "maks_jam": 70.0, "terlambat": 2}
    assert (backlog["tindak_lanjut_lapangan"]["jumlah"], backlog["tindak_lanjut_lapangan"]["median_jam"],
            backlog["tindak_lanjut_lapangan"]["terlambat"]) == (1, 10.0, 0)
    assert backlog["lengkapi_informasi"]["median_jam"] == 50.0


def test_letters_per_day(login_as, seeded):
    assert summary(login_as("kadis"))["surat_per_hari"] == [{"hari": "2025-03-04", "jumlah": 2},
                                                           {"hari": "2025-03-28", "jumlah": 1}]


def test_heatmap_numbers_per_task_and_flow(login_as, seeded):
    response = login_as("kadis").get("/dasbor/api/peta-proses/pengaduan",
                                     query_string={**PERIOD, "versi": seeded.definition_version})
    assert response.status_code == 200
    data = response.get_json()
    tasks = {t["id"]: (t["menunggu"], t["median_jam"], t["p90_jam"], t["selesai"]) for t in data["tugas"]}
    assert tasks == {"verifikasi": (2, 50.0, 66.0, 6), "lengkapi_informasi": (1, 50.0, 50.0, 0),
                     "tindak_lanjut_lapangan": (1, 10.0, 10.0, 3), "tinjau_eskalasi": (0, None, None, 0)}
    flows = {f["id"]: f["kasus"] for f in data["alur"]}
    assert flows == {"f_start": 8, "f_sla": 8, "f_verif": 6, "f_valid": 4, "f_tidak_valid": 1, "f_perlu_info": 1,
                     "f_minta": 1, "f_info_kembali": 0, "f_ditolak": 1, "f_dispatch": 4, "f_lapangan_selesai": 3,
                     "f_selesai": 3, "f_timer": 0, "f_eskalasi": 0, "f_eskalasi_selesai": 0}
    # The page shows the same numbers in its table, and the diagram is served for the viewer.
    client = login_as("kadis")
    page = client.get("/dasbor/peta-proses/pengaduan", query_string={**PERIOD, "versi": seeded.definition_version})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="tabel-tugas"' in html and 'data-id="f_dispatch"' in html
    assert "bpmn-navigated-viewer.production.min.js" in html
    xml = client.get(f"/dasbor/peta-proses/pengaduan/diagram.bpmn?versi={seeded.definition_version}")
    assert xml.status_code == 200 and b'id="tindak_lanjut_lapangan"' in xml.data
    assert client.get("/dasbor/peta-proses/tidak_ada").status_code == 404
    assert client.get("/dasbor/peta-proses/pengaduan?versi=999").status_code == 404


def test_an_admin_sees_what_the_head_of_office_sees(login_as, seeded):
    assert summary(login_as("admin")) == summary(login_as("kadis"))


def test_a_head_of_bidang_sees_only_their_bidang(login_as, seeded):
    # Dispatched complaints carry their bidang: pengemis → rehsos (A1, A2), korban bencana → linjamsos (A4).
    rehsos = summary(login_as("kabid.rehsos"))
    assert rehsos["volume"]["total"]["masuk"] == 2 and rehsos["volume"]["total"]["selesai"] == 2
    assert by_key(rehsos["volume"]["kategori"]) == {"pengemis": {"masuk": 2, "selesai": 2}}
    assert rehsos["surat_per_hari"] == [{"hari": "2025-03-04", "jumlah": 2}]
    linjamsos = summary(login_as("kabid.linjamsos"))
    assert by_key(linjamsos["volume"]["kategori"]) == {"korban_bencana_alam": {"masuk": 1, "selesai": 1}}
    listed = login_as("kabid.linjamsos").get("/dasbor/kasus", query_string={**PERIOD, "ukuran": "masuk"})
    html = listed.get_data(as_text=True)
    assert seeded.references["A4"] in html and seeded.references["A1"] not in html


@pytest.mark.parametrize("user", ["operator", "lapangan.rehsos", "kelurahan.gurabesi", "auditor", "perancang"])
def test_others_are_refused(login_as, user):
    client = login_as(user)
    for url in ("/dasbor/", "/dasbor/api/ringkasan", "/dasbor/kasus", "/dasbor/ekspor?format=csv",
                "/dasbor/peta-proses/pengaduan", "/dasbor/api/peta"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/dasbor/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_head_of_office_lands_on_the_dashboard(login_as):
    response = login_as("kadis").get("/kantor/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dasbor/")
    assert login_as("operator").get("/kantor/").headers["Location"].endswith("/inbox/")


def test_every_figure_links_down_to_its_cases(login_as, seeded):
    client = login_as("kadis")
    refs = seeded.references

    def listed(**args) -> set[str]:
        html = client.get("/dasbor/kasus", query_string={**PERIOD, **args}).get_data(as_text=True)
        return {name for name, ref in refs.items() if ref in html}

    assert listed(ukuran="masuk") == set(refs)
    assert listed(ukuran="selesai") == {"A1", "A2", "A3", "A4"}
    assert listed(ukuran="terlambat") == {"A2"}
    assert listed(ukuran="terbuka") == {"B1", "B2", "B3", "B4"}
    assert listed(ukuran="tahap", tahap="verifikasi") == {"B2", "B4"}
    assert listed(ukuran="surat", hari="2025-03-04") == {"A1", "A2"}
    assert listed(ukuran="masuk", kategori="pemulung") == {"B1"}
    assert listed(ukuran="selesai", wilayah=V2) == {"A3", "A4"}
    page = client.get("/dasbor/", query_string=PERIOD).get_data(as_text=True)
    assert "ukuran=tahap" in page and "ukuran=surat" in page and "Indeks Kepuasan Masyarakat (IKM)" in page
    # The chart's table for screen readers: per week under "Minggu" (shown first, as the chart), per month under
    # "Bulan"; a week's key once sat under a "Bulan" heading.
    from lxml import html

    tables = {t.get("data-grain-table"): t for t in html.fromstring(page).xpath("//table[@data-grain-table]")}
    assert tables["minggu"].xpath("string(.//th[1])") == "Minggu" and tables["minggu"].get("hidden") is None
    assert tables["bulan"].xpath("string(.//th[1])") == "Bulan" and tables["bulan"].get("hidden") is not None
    assert all("-W" in key for key in tables["minggu"].xpath(".//tbody/tr/td[1]/text()"))
    assert tables["minggu"].xpath(".//tbody/tr") and tables["bulan"].xpath(".//tbody/tr")


def test_map_leaves_out_confidential_reports_and_coarsens_anonymous_ones(login_as, seeded):
    points = {p["id"]: p for p in login_as("kadis").get("/dasbor/api/peta", query_string=PERIOD).get_json()["titik"]}
    assert set(points) == {seeded.ids["A1"], seeded.ids["A2"]}
    assert (points[seeded.ids["A1"]]["lat"], points[seeded.ids["A1"]]["lon"]) == (-2.61234, 140.81234)
    assert (points[seeded.ids["A2"]]["lat"], points[seeded.ids["A2"]]["lon"]) == (-2.62, 140.82)


def test_figures_export_as_csv_and_xlsx_match_the_api(login_as, seeded):
    client = login_as("kadis")
    data = summary(client)
    csv_response = client.get("/dasbor/ekspor", query_string={**PERIOD, "format": "csv"})
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    xlsx_response = client.get("/dasbor/ekspor", query_string={**PERIOD, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx_response.data)).active
    cells = [[norm(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [[norm(v) for v in row] for row in rows] == cells
    assert rows[0] == ["Figur", "Kunci", "Nama", "Ukuran", "Nilai"]
    values = {(r[0], r[1], r[3]): r[4] for r in rows[1:]}
    assert values[("total", "", "masuk")] == "8" and values[("total", "", "persen_tepat_waktu")] == "75.0"
    assert values[("kategori", "pengemis", "masuk")] == str(by_key(data["volume"]["kategori"])["pengemis"]["masuk"])
    assert values[("waktu_selesai", "", "p90_jam")] == "88.8"
    assert values[("antrean", "pengaduan/verifikasi", "median_jam")] == "50.0"
    assert values[("surat_per_hari", "2025-03-04", "jumlah")] == "2"
    assert values[("kelurahan", V1, "selesai")] == "2"


def test_case_list_export_as_csv_and_xlsx(login_as, seeded):
    client = login_as("kadis")
    expected = {seeded.references[name] for name in ("A1", "A2", "A3", "A4")}
    csv_rows = list(csv.reader(io.StringIO(client.get("/dasbor/kasus/ekspor", query_string={
        **PERIOD, "ukuran": "selesai", "format": "csv"}).data.decode("utf-8-sig"))))
    assert csv_rows[0][:3] == ["Nomor", "Layanan", "Kategori"]
    assert {row[0] for row in csv_rows[1:]} == expected
    book = load_workbook(io.BytesIO(client.get("/dasbor/kasus/ekspor", query_string={
        **PERIOD, "ukuran": "selesai", "format": "xlsx"}).data))
    xlsx_rows = list(book.active.iter_rows(values_only=True))
    assert {row[0] for row in xlsx_rows[1:]} == expected
    assert [[norm(v) for v in r] for r in xlsx_rows] == [[norm(v) for v in r] for r in csv_rows]


@pytest.mark.parametrize("args", [{"dari": "2025-13-01"}, {"dari": "2025-03-10", "sampai": "2025-03-01"},
                                  {"lini": "tidak_ada"}, {"wilayah": "11.01"}, {"kategori": "<b>"},
                                  {"ukuran": "apa"}, {"format": "pdf"}])
def test_bad_filters_get_a_message_not_a_trace(login_as, args):
    client = login_as("kadis")
    api = client.get("/dasbor/api/ringkasan", query_string=args)
    page = client.get("/dasbor/kasus/ekspor", query_string=args)
    if set(args) <= {"ukuran", "format"}:
        assert page.status_code == 400 and "Traceback" not in page.get_data(as_text=True)
    else:
        assert api.status_code == 400 and "(" in api.get_json()["error"]
        assert client.get("/dasbor/", query_string=args).status_code == 400


def test_the_daily_summary_gives_the_same_figures_as_the_cases(app, login_as, seeded):
    """Refreshed on demand by the head of office (CSRF-checked, logged); heads of bidang may not."""
    from sqlalchemy import select

    from app.extensions import db
    from workflows.dashboard import figures
    from workflows.dashboard import summary as daily
    from workflows.dashboard.filters import Filters
    from workflows.documents import FileAccess
    from workflows.principal import HEAD_OF_OFFICE
    from workflows.visibility import principal

    client = login_as("kadis")
    before = summary(client)
    heat_args = {**PERIOD, "versi": seeded.definition_version}
    heat_before = client.get("/dasbor/api/peta-proses/pengaduan", query_string=heat_args).get_json()
    assert client.post("/dasbor/perbarui", data={"dari": PERIOD["dari"]}).status_code == 400  # no CSRF token
    token = csrf_token(client, "/dasbor/")
    response = client.post("/dasbor/perbarui", data={**PERIOD, "csrf_token": token})
    assert response.status_code == 302 and "dari=2025-03-01" in response.headers["Location"]
    after = summary(client)
    assert after["volume"] == before["volume"] and after["volume"]["total"]["masuk"] == 8
    assert after["sla_tahap"] == before["sla_tahap"] and len(after["sla_tahap"]) == 2
    heat_after = client.get("/dasbor/api/peta-proses/pengaduan", query_string=heat_args).get_json()
    assert heat_after["alur"] == heat_before["alur"]
    assert [t["selesai"] for t in heat_after["tugas"]] == [t["selesai"] for t in heat_before["tugas"]] == [6, 0, 3, 0]
    page = client.get("/dasbor/", query_string=PERIOD).get_data(as_text=True)
    assert "dari ringkasan harian" in page
    with app.app_context():
        session = db.session
        assert daily.refreshed_through(session) is not None
        head = principal(session, "kadis", {HEAD_OF_OFFICE})
        filters = Filters(date(2025, 3, 1), date(2025, 3, 31), "pengaduan", REGION)
        assert figures.volume(session, head, filters) == figures.volume(session, head, filters, use_summary=False)
        assert figures.stage_sla(session, head, filters) == figures.stage_sla(session, head, filters,
                                                                              use_summary=False)
        assert session.scalar(select(FileAccess).where(FileAccess.object_type == "dasbor_ringkasan",
                                                       FileAccess.username == "kadis")) is not None
    kabid = login_as("kabid.rehsos")
    assert kabid.post("/dasbor/perbarui", data={"csrf_token": csrf_token(kabid, "/dasbor/")}).status_code == 403
    assert summary(kabid)["volume"]["total"]["masuk"] == 2  # the summary keeps the bidang rule


def test_a_bad_day_or_measure_on_the_case_list_gets_a_message(login_as):
    client = login_as("kadis")
    for args in ({"ukuran": "surat", "hari": "kemarin"}, {"ukuran": "tidak-ada"}, {"ukuran": "tahap"}):
        for url, extra in (("/dasbor/kasus", {}), ("/dasbor/kasus/ekspor", {"format": "csv"})):
            response = client.get(url, query_string={**PERIOD, **args, **extra})
            assert response.status_code == 400, (url, args)
    page = client.get("/dasbor/kasus", query_string={**PERIOD, "ukuran": "surat", "hari": "kemarin"})
    assert "write it like 2026-11-24" in page.get_data(as_text=True)
