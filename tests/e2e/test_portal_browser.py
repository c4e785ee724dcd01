"""The citizen portal in a real Chromium at phone size: GPS + photo report, tracking,
similar reports, offline queue sent once on reconnect, a lost answer resent, panic button."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.portal.models import PortalMedia, PortalReport
from app.scheduler import run_media_job
from tests.conftest import csrf_token
from tests.integration.portal_helpers import VILLAGE, jpeg_with_gps, report_form
from workflows import storage
from workflows.db import Case

from .conftest import PHONE

pytestmark = pytest.mark.browser

LAT, LON = -2.5412, 140.7068  # Jayapura Utara


def phone(browser, lat: float = LAT, lon: float = LON, **extra):  # noqa: ANN201
    context = browser.new_context(**PHONE, geolocation={"latitude": lat, "longitude": lon, "accuracy": 8},
                                  permissions=["geolocation"], **extra)
    # No tile server reachable in tests: the form must work without the map's tiles.
    context.route(re.compile(r"^https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    context.set_default_timeout(20_000)
    return context


def fill_report(page, description: str, with_gps: bool = True, photo: bool = True) -> None:
    page.locator("label.category", has_text="Pengemis").click()
    page.fill("#f_deskripsi", description)
    if with_gps:
        page.click("#use-gps")
        page.wait_for_function("() => document.getElementById('f_lintang').value !== ''")
    page.fill("#f_lokasi", "Depan pasar Ampera, dekat halte")
    page.select_option("#f_kode_wilayah", VILLAGE)
    if photo:
        page.set_input_files("#f_foto", files=[{"name": "IMG_2001.jpg", "mimeType": "image/jpeg",
                                                 "buffer": jpeg_with_gps()}])


def cases_described(db_session, text: str) -> list[Case]:
    db_session.expire_all()
    return list(db_session.scalars(select(Case).where(Case.title.contains(text))))


def wait_for_cases(db_session, text: str, count: int, seconds: float = 20) -> list[Case]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = cases_described(db_session, text)
        if len(found) >= count:
            return found
        time.sleep(0.25)
    return cases_described(db_session, text)


def test_report_with_photo_and_gps_then_track(app, browser, live_server, db_session, artifacts):
    # An open report of the same kind ~60 m away, made a moment ago by someone else.
    other = app.test_client()
    response = other.post("/lapor", headers={"Accept": "application/json"}, data=report_form(
        csrf_token(other, "/lapor"), lintang=str(LAT + 0.0005), bujur=str(LON)))
    nearby = response.get_json()["tiket"]

    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server}/lapor")
    marker = secrets.token_hex(4)
    fill_report(page, f"Tiga orang mengemis di lampu merah sampai malam ({marker}).")
    assert page.input_value("#f_lintang") == f"{LAT:.6f}" and page.input_value("#f_bujur") == f"{LON:.6f}"
    assert "Lokasi ditemukan" in page.inner_text("#gps-status")
    # Similar reports nearby: the earlier one is offered to follow.
    page.wait_for_selector(f"#serupa-list a[href='/laporan/{nearby}']")
    assert not page.is_hidden("#serupa")
    # Tiles could not load: the page says so and keeps the coordinates.
    page.wait_for_selector("#map-note", state="visible")
    page.screenshot(path=str(artifacts / "portal-form-phone.png"), full_page=True)

    page.click("#submit-report")
    page.wait_for_url(re.compile(r".*/lapor/terkirim\?tiket=.*"))
    ticket, code = page.inner_text("#ticket").strip(), page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"ADU-\d{4}-\d{6}", ticket) and re.fullmatch(r"[A-Z2-9]{8}", code)

    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    where = db_session.get(PortalReport, case.id)
    assert (where.latitude, where.longitude) == (round(LAT, 6), round(LON, 6))
    item = db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
    assert item.storage_key is None and item.raw_key  # answered first, re-encoded by the scheduler's job
    run_media_job(app)
    db_session.expire_all()
    item = db_session.get(PortalMedia, item.id)
    stored = storage.path_of(item.storage_key)
    with Image.open(stored) as image:
        assert len(image.getexif()) == 0

    page.click("#track-link")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#status") == "Verifikasi"
    timeline = page.inner_text("#timeline")
    assert "Diterima" in timeline and "Verifikasi" in timeline  # what happened, with times
    # The complaint line's stages, with where the report stands now.
    assert page.inner_text("#stages li.current") == "Verifikasi"
    assert page.inner_text("#stages").split("\n") == ["Diterima", "Verifikasi", "Tindak Lanjut Lapangan", "Selesai"]
    assert page.is_visible("#expected")
    # The receipt is remembered on the phone (home page, "Laporan dari HP ini").
    page.goto(f"{live_server}/")
    page.wait_for_selector(f"#my-reports-list li[data-tiket='{ticket}']")
    context.close()


def test_offline_report_is_kept_and_sent_once_when_back_online(browser, live_server, db_session):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server}/lapor")
    # The service worker takes control (clients.claim) and has cached the pages.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("navigator.serviceWorker.ready")

    context.set_offline(True)
    page.goto(f"{live_server}/lapor")  # no network: served by the service worker
    assert page.is_visible("#report-form") and page.is_visible("#net-banner")
    marker = secrets.token_hex(4)
    description = f"Lansia sendirian di pondok kebun, tidak ada sinyal ({marker})."
    fill_report(page, description)
    page.click("#submit-report")
    notice = page.wait_for_selector("#queued-notice")
    assert "tersimpan" in notice.inner_text() and "dikirim otomatis" in notice.inner_text()
    queued = page.evaluate("LigatOutbox.pending()")
    assert len(queued) == 1 and queued[0]["files"][0]["name"] == "IMG_2001.jpg"
    time.sleep(1)
    assert cases_described(db_session, marker) == []

    context.set_offline(False)
    sent = page.wait_for_selector("#sent-now li.receipt", timeout=30_000)
    ticket = sent.get_attribute("data-tiket")
    wait_for_cases(db_session, marker, 1)
    time.sleep(3)  # page and service worker may both have tried: still one
    found = cases_described(db_session, marker)
    assert [c.reference for c in found] == [ticket]
    where = db_session.get(PortalReport, found[0].id)
    assert where.client_key == queued[0]["id"] and where.source == "antrian"
    photos = select(func.count()).select_from(PortalMedia).where(PortalMedia.case_id == found[0].id)
    assert db_session.scalar(photos) == 1
    assert page.evaluate("LigatOutbox.pending()") == []
    assert ticket in [r["tiket"] for r in page.evaluate("LigatOutbox.sentList()")]
    context.close()


def test_a_lost_answer_is_resent_and_still_one_ticket(browser, live_server, db_session):
    # Without the service worker, so the test's route sees the page's own request.
    context = phone(browser, service_workers="block")
    page = context.new_page()
    answered = []

    def lose_first_answer(route) -> None:  # noqa: ANN001
        if route.request.method == "POST" and not answered:
            answered.append(route.fetch())  # the server gets it and answers...
            route.abort("connectionreset")  # ...but the answer never reaches the phone
        else:
            route.continue_()

    page.route(f"{live_server}/lapor", lose_first_answer)
    page.goto(f"{live_server}/lapor")
    marker = secrets.token_hex(4)
    fill_report(page, f"Pengemis anak di depan gereja setiap sore ({marker}).", photo=False)
    page.click("#submit-report")
    page.wait_for_selector("#queued-notice")
    assert answered and answered[0].status == 201
    first_ticket = answered[0].json()["tiket"]
    sent = page.wait_for_selector("#sent-now li.receipt", timeout=30_000)
    assert sent.get_attribute("data-tiket") == first_ticket
    assert [c.reference for c in cases_described(db_session, marker)] == [first_ticket]
    context.close()


def test_panic_button_and_home_page(app, browser, live_server, artifacts, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_CALL_CENTER", "171")
    monkeypatch.setitem(app.config, "LIGAT_WHATSAPP_NUMBER", "6281148000171")
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server}/")
    assert page.is_visible("#lapor-sekarang") and page.is_visible("#count-diproses")
    page.screenshot(path=str(artifacts / "portal-home-phone.png"), full_page=True)
    assert not page.is_visible("#panic-call")
    page.click("summary.panic-button")
    assert page.is_visible("#panic-call") and page.is_visible("#panic-wa")
    assert page.get_attribute("#panic-call", "href") == "tel:171"
    wa = page.get_attribute("#panic-wa", "href")
    assert wa.startswith("https://wa.me/6281148000171?text=DARURAT")
    box = page.locator("#panic-call").bounding_box()
    assert box["height"] >= 48  # a large touch target
    # The header's emergency link calls the call centre in one tap, from every page.
    page.goto(f"{live_server}/layanan")
    assert page.get_attribute("header .bar-sos", "href") == "tel:171"
    assert page.locator("header .bar-sos").bounding_box()["height"] >= 32
    context.close()
    assert (artifacts / "portal-home-phone.png").stat().st_size > 10_000
