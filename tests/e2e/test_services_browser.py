"""The generic service pages in a real Chromium: an application at phone size (checklist, field
messages from the package's validators, receipt), the officers' start page and a register on a
desktop. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


def test_cota_application_on_a_phone(browser, live_server, artifacts, tmp_path):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/layanan/cota/ajukan")
    assert page.is_visible("#checklist") and "SKCK dari kepolisian" in page.inner_text("#checklist")
    page.screenshot(path=str(artifacts / "layanan-cota-phone.png"), full_page=True)
    young = date(date.today().year - 25, 1, 15).isoformat()
    page.fill("#f_nama_calon_ayah", "Yakobus Wenda")
    page.fill("#f_tanggal_lahir_calon_ayah", young)
    page.click("button[type=submit]")
    page.wait_for_selector(".has-error, .error, [role=alert]")
    text = page.content()
    # The package's age_range check speaks to the field, in both languages.
    assert "syaratnya 30 sampai 55 tahun" in text and "it must be 30 to 55" in text
    page.screenshot(path=str(artifacts / "layanan-cota-errors-phone.png"), full_page=True)
    context.close()


def test_officer_start_page_and_register_on_a_desktop(browser, live_server, artifacts):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.fill("#username", "kelurahan.gurabesi")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed first
    page.goto(f"{live_server}/kantor/layanan/")
    assert "Rekomendasi PBI-JKN" in page.inner_text("#lines")
    page.click("#lines a")
    page.wait_for_selector("#start-form")
    assert "Kartu Keluarga" in page.inner_text("#checklist")
    page.screenshot(path=str(artifacts / "kantor-layanan-pbi-desktop.png"), full_page=True)
    context.close()

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.fill("#username", "operator")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed first
    page.goto(f"{live_server}/daftar/")
    page.click("#registers a")
    page.wait_for_selector("#register")
    page.screenshot(path=str(artifacts / "daftar-lks-desktop.png"), full_page=True)
    context.close()
