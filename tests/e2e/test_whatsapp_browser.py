"""The WhatsApp chat simulator in a real Chromium: a citizen reports a problem by conversation
(list choices, location, a photo) through the stand-in and the signed webhook, at phone size;
the same page at desktop size."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.portal.models import PortalMedia, PortalReport
from tests.integration.portal_helpers import jpeg_with_gps
from tests.integration.whatsapp_helpers import new_number
from workflows.db import Case

from .conftest import PHONE

pytestmark = pytest.mark.browser


def _bubble(page, text: str):  # noqa: ANN202
    return page.locator("#wa-thread li.wa-out", has_text=text).last


def test_a_citizen_reports_by_chat_on_the_simulator(browser, live_server, artifacts, db_session):
    context = browser.new_context(**PHONE, geolocation={"latitude": -2.5337, "longitude": 140.7181, "accuracy": 10},
                                  permissions=["geolocation"])
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server}/whatsapp/simulator/")  # sign in first (training for officers, demos)
    page.fill("#username", "operator")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_selector("#wa-sim")
    number = new_number()
    page.fill("#wa-number", number)
    page.fill("#wa-name", "Ruth Mandowen")
    page.fill("#wa-text", "Halo")
    page.press("#wa-text", "Enter")
    _bubble(page, "Selamat datang di LIGAT").wait_for()
    page.click("#wa-thread .wa-choices button:has-text('Laporkan masalah')")
    _bubble(page, "Pilih kategori PMKS").wait_for()
    page.screenshot(path=str(artifacts / "whatsapp-simulator-kategori.png"))
    page.click("#wa-thread .wa-choices button:has-text('Lanjut usia terlantar')")
    _bubble(page, "Ceritakan apa yang terjadi").wait_for()
    page.fill("#wa-text", "Seorang kakek duduk di halte sejak pagi, kebingungan.")
    page.press("#wa-text", "Enter")
    _bubble(page, "Di mana kejadiannya").wait_for()
    page.click("#wa-location")
    _bubble(page, "kelurahan / kampung mana").wait_for()
    page.click("#wa-thread .wa-choices button:has-text('Gurabesi')")
    _bubble(page, "Kirim foto").wait_for()
    page.set_input_files("#wa-file", files=[{"name": "IMG_3001.jpg", "mimeType": "image/jpeg",
                                              "buffer": jpeg_with_gps("blue")}])
    _bubble(page, "Diterima (1)").wait_for()
    page.fill("#wa-text", "SELESAI")
    page.press("#wa-text", "Enter")
    page.click("#wa-thread .wa-choices button:has-text('Tidak, pakai nama')")
    _bubble(page, "Tulis nama Anda").wait_for()
    page.fill("#wa-text", "1")
    page.press("#wa-text", "Enter")
    page.click("#wa-thread .wa-choices button:has-text('Kirim')")
    receipt = _bubble(page, "Nomor tiket")
    receipt.wait_for()
    page.screenshot(path=str(artifacts / "whatsapp-simulator-phone.png"))
    ticket = re.search(r"Nomor tiket: (\S+)\.", receipt.inner_text()).group(1)
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    assert case.reporter_name == "Ruth Mandowen" and case.category == "lanjut_usia_terlantar"
    report = db_session.get(PortalReport, case.id)
    assert report.source == "whatsapp" and round(report.latitude, 4) == -2.5337
    assert len(db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()) == 1
    # The phone's messages are reported read back to the outbox on the next poll.
    page.wait_for_timeout(200)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts / "whatsapp-simulator-desktop.png"), full_page=True)
    context.close()


def test_the_simulator_refuses_a_post_without_its_csrf_token(live_server):
    import httpx

    response = httpx.post(f"{live_server}/whatsapp/simulator/kirim",
                          json={"nomor": "6281200000009", "jenis": "teks", "teks": "halo"})
    assert response.status_code == 400
    poll = httpx.post(f"{live_server}/whatsapp/simulator/pesan", json={"nomor": "6281200000009"})
    assert poll.status_code == 400


def test_an_officer_writes_to_an_anonymous_reporter_from_the_case_page(app, browser, live_server, artifacts,
                                                                       db_session):
    from tests.integration.test_whatsapp_conversation import report_by_whatsapp
    from tests.integration.whatsapp_helpers import Phone

    phone = Phone(app)
    ticket, _code = report_by_whatsapp(phone, anonymous=True)
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    for size, viewport in (("phone", PHONE), ("desktop", {"viewport": {"width": 1280, "height": 900}})):
        context = browser.new_context(**viewport)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{live_server}/login/")
        page.fill("#username", "operator")
        page.fill("#password", "Ligat-Demo-2026!")
        page.click("[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed first
        page.goto(f"{live_server}/kasus/{case.id}")
        panel = page.locator("#whatsapp")
        assert "nomornya tidak ditampilkan" in panel.inner_text()
        page.fill("#whatsapp-isi", f"Terima kasih. Petugas menuju lokasi ({size}).")
        page.click("#whatsapp-form button[type=submit]")
        page.wait_for_selector(f"#whatsapp-thread li:has-text('({size})')")
        phone.settle()
        page.reload()
        assert phone.number not in page.content()
        page.locator("#whatsapp").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"whatsapp-case-panel-{size}.png"), full_page=size == "desktop")
        context.close()
    assert "Petugas menuju lokasi (desktop)" in phone.last_text()
