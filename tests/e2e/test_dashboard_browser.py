"""The dashboard and the process heatmap in a real Chromium, as the head of office, on a desktop and at
phone width (390 px): charts drawn, the map's points loaded, the diagram drawn by bpmn-js with its numbers
and the bpmn.io watermark. Screenshots go to test-artifacts/ (not in git)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy.orm import Session

from tests.integration.dashboard_helpers import PERIOD, seed

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


@pytest.fixture(scope="module")
def seeded(app):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with Session(engine) as session:
        return seed(session)


def _login(page, live_server: str) -> None:
    page.goto(f"{live_server}/login/")
    page.fill("#username", "kadis")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url("**/dasbor/**")  # the head of office lands on the dashboard


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_dashboard_and_heatmap(browser, live_server, artifacts, seeded, size):
    context = browser.new_context(**(DESKTOP if size == "desktop" else PHONE))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _login(page, live_server)
    page.goto(f"{live_server}/dasbor/?{urlencode(PERIOD)}")
    assert page.inner_text("#t-masuk") == "8" and page.inner_text("#t-sla") == "75.0%"
    page.wait_for_function("() => document.getElementById('peta-laporan').getAttribute('data-points') === '2'")
    # Chart.js drew the trend (a canvas with pixels set by the chart, not an empty box).
    assert page.evaluate("() => !!window.Chart.getChart(document.getElementById('chart-tren'))")
    assert "Belum ada jawaban survei" in page.inner_text("#ikm")
    if size == "phone":  # nothing wider than the screen but the tables' own scrolling boxes
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(artifacts / f"dasbor-{size}.png"), full_page=True)

    # A bar of the weekly chart opens that week's cases: week 11 (10–16 March) had one case in, A2.
    page.locator("#chart-tren").scroll_into_view_if_needed()
    point = page.evaluate("""() => {
        const chart = window.Chart.getChart(document.getElementById('chart-tren'));
        const bar = chart.getDatasetMeta(0).data[1];
        const box = chart.canvas.getBoundingClientRect();
        return {x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2};
    }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#tabel-kasus")
    listed = page.inner_text("#tabel-kasus")
    assert seeded.references["A2"] in listed and seeded.references["A1"] not in listed
    assert "dari=2025-03-10" in page.url and "sampai=2025-03-16" in page.url
    page.go_back()
    page.wait_for_selector("#tabel-kategori")
    # A category opens its cases (the table's link; the chart's bar opens the same URL).
    page.click("#tabel-kategori tr[data-kategori=pemulung] a")
    page.wait_for_selector("#tabel-kasus")
    assert seeded.references["B1"] in page.inner_text("#tabel-kasus")
    page.screenshot(path=str(artifacts / f"dasbor-kasus-{size}.png"), full_page=True)

    args = urlencode({k: v for k, v in PERIOD.items() if k != "lini"} | {"versi": seeded.definition_version})
    page.goto(f"{live_server}/dasbor/peta-proses/pengaduan?{args}")
    page.wait_for_selector("#diagram[data-ready='1']")
    assert page.locator(".heat-badge").count() == 4 and page.locator(".flow-badge").count() >= 8
    assert page.is_visible(".bjs-powered-by")  # the bpmn.io watermark stays visible
    assert page.locator("#tabel-tugas tr[data-id=verifikasi] td").nth(1).inner_text() == "2"
    page.screenshot(path=str(artifacts / f"peta-proses-{size}.png"), full_page=True)
    assert errors == []
    context.close()
