"""The Content-Security-Policy in a real Chromium: officers' and citizens' pages run without a
single violation (FAB's inline scripts carry the nonce), and logout is the menu's POST button."""

from __future__ import annotations

import re

import pytest

from tests.integration.portal_helpers import VILLAGE, jpeg_with_gps

from .conftest import PHONE

pytestmark = pytest.mark.browser
RECEIPT_KEPT = """() => new Promise(resolve => {
  const open = indexedDB.open('ligat-portal', 1);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('terkirim')) return resolve(false);
    const count = db.transaction('terkirim').objectStore('terkirim').count();
    count.onsuccess = () => resolve(count.result > 0);
  };
  open.onerror = () => resolve(false);
})"""
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


def watch(context):  # noqa: ANN001, ANN201
    """Every CSP violation and script error the pages of this context report."""
    problems: list[str] = []
    context.route(re.compile(r"^https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())

    def on_page(page) -> None:  # noqa: ANN001
        page.on("console", lambda msg: problems.append(msg.text)
                if "Content Security Policy" in msg.text or "Refused to" in msg.text else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

    context.on("page", on_page)
    return problems


def test_officer_pages_satisfy_the_policy_and_logout_is_a_post(browser, live_server):
    context = browser.new_context(**DESKTOP)
    problems = watch(context)
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.fill("#username", "admin")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed first
    for path in ("/kantor/", "/inbox/", "/kasus/", "/berkas/warga/", "/daftar/", "/audit/", "/users/list/",
                 "/kantor/layanan/"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
    assert problems == []
    page.goto(f"{live_server}/inbox/")
    page.click(".navbar-right .dropdown-toggle >> nth=-1")  # the user's menu
    page.click("#logout-button")
    page.wait_for_load_state("load")
    page.goto(f"{live_server}/inbox/")
    assert "/login" in page.url
    assert problems == []
    # And the watch works: a script without the nonce is refused and reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.jahat = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.jahat") is None
    assert any("Content Security Policy" in problem for problem in problems)
    context.close()


def test_portal_report_and_receipt_satisfy_the_policy(browser, live_server):
    context = browser.new_context(**PHONE, geolocation={"latitude": -2.54, "longitude": 140.70, "accuracy": 8},
                                  permissions=["geolocation"])
    context.set_default_timeout(20_000)
    problems = watch(context)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.goto(f"{live_server}/lapor")
    page.locator("label.category", has_text="Pengemis").click()
    page.fill("#f_deskripsi", "Uji kebijakan keamanan konten di peramban.")
    page.click("#use-gps")
    page.wait_for_function("() => document.getElementById('f_lintang').value !== ''")
    page.fill("#f_lokasi", "Depan pasar Ampera, dekat halte")
    page.select_option("#f_kode_wilayah", VILLAGE)
    page.set_input_files("#f_foto", files=[{"name": "IMG.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/lapor/terkirim.*"))
    page.wait_for_load_state("load")
    # The receipt's inline script (allowed by its nonce) kept the ticket in IndexedDB.
    page.wait_for_function(RECEIPT_KEPT)
    assert problems == []
    context.close()
