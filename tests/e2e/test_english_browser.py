"""The portal switched to English with its language switch, in a real Chromium at phone (390 px) and
desktop width: the main pages, then an officer's pages in the same browser (one choice holds for
both). Screenshots are kept under test-artifacts/; every page's text must read as English."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.english import untranslated
from tests.integration.test_complaint_http import case_by_ticket, open_task, post_task, submit_complaint
from tests.integration.test_english_pages import DESCRIPTION, PEOPLE, PLACE, case_titles

from .conftest import PHONE

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


def _check(page, name: str, artifacts, allowed: tuple[str, ...] = ()) -> None:
    page.screenshot(path=str(artifacts / f"english-{name}.png"), full_page=True)
    found = untranslated(page.content(), (*PEOPLE, DESCRIPTION, PLACE, *allowed))
    assert not found, f"{name}: Indonesian text on an English page:\n" + "\n".join(found)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_portal_and_officer_pages_in_english(browser, live_server, app, artifacts, db_session, size):
    ticket, code = submit_complaint(app.test_client(), kategori="gelandangan", deskripsi=DESCRIPTION, lokasi=PLACE)
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), permissions=["geolocation"],
                                  geolocation={"latitude": -2.5412, "longitude": 140.7068, "accuracy": 8})
    context.route(re.compile(r"^https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server}/layanan")
    assert page.locator("html").get_attribute("lang") == "id"
    page.evaluate("navigator.serviceWorker.ready")  # its offline copies are made in Indonesian first
    page.click("#lang-en")  # a plain link: back to the same page, now in English
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.url.endswith("/layanan")
    assert page.locator("#lang-switch strong").inner_text() == "English"
    _check(page, f"layanan-{size}", artifacts)
    for name, path in (("beranda", "/"), ("layanan-pengaduan", "/layanan/pengaduan"), ("lapor", "/lapor"),
                       ("lacak", f"/lacak?tiket={ticket}&kode={code}"), ("laporan", f"/laporan/{ticket}"),
                       ("404", "/laporan/ADU-0000-000000")):
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == "en", path
        _check(page, f"{name}-{size}", artifacts, (ticket,))

    # What the report form's script writes is English too.
    page.goto(f"{live_server}/lapor")
    page.click("#use-gps")
    page.wait_for_function("() => document.getElementById('f_lintang').value !== ''")
    assert page.inner_text("#gps-status").startswith("Location found")

    if size == "phone":
        # Without signal the service worker shows the page in the language last seen, and the switch
        # still works: the Indonesian copy comes back.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.goto(f"{live_server}/lapor")
        assert page.locator("html").get_attribute("lang") == "en" and page.is_visible("#report-form")
        page.click("#lang-id")
        page.wait_for_function("() => document.documentElement.lang === 'id'")
        assert "Laporkan masalah sosial" in page.inner_text("h1")
        context.set_offline(False)

    # The officer signs in from the same browser: the portal's choice holds on the officers' pages.
    page.goto(f"{live_server}/login/")
    page.fill("#username", "operator")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/inbox/?layanan=pengaduan")
    titles = case_titles(app)  # the run's other cases are listed too, titled with what their reporters typed
    _check(page, f"kotak-tugas-{size}", artifacts, titles)
    page.locator("tr", has_text=ticket).locator("a[href^='/inbox/']").first.click()
    page.wait_for_url("**/inbox/*")
    _check(page, f"tugas-{size}", artifacts, titles)

    # And back: Bahasa Indonesia from the portal's switch.
    page.goto(f"{live_server}/lapor")
    page.click("#lang-id")
    page.wait_for_function("() => document.documentElement.lang === 'id'")
    assert "Laporkan masalah sosial" in page.inner_text("h1")
    context.close()
    # Leave no open task in the operator's inbox: later tests look for theirs on its first page.
    operator = app.test_client()
    login(operator, "operator")
    task = open_task(db_session, case_by_ticket(db_session, ticket), "verifikasi")
    done = post_task(operator, task.id, {"keputusan": "tidak_valid", "alasan": "Uji bahasa selesai."})
    assert done.status_code == 302
