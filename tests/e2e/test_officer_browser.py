"""A complaint's task page in a real Chromium, on a phone (390 px) and a desktop: the report's place on
the embedded Leaflet map, its photo and the reporter's contact; no script or CSP error, and no sideways
scrolling of the page on the phone. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.portal_helpers import jpeg_with_gps, report_form, spot
from workflows.db import Case, InboxTask

from .conftest import PHONE
from .test_audit_browser import NO_SIDEWAYS_SCROLL, _login
from .test_security_browser import DESKTOP, watch

pytestmark = pytest.mark.browser


@pytest.fixture
def verification_task(client, db_session) -> InboxTask:
    lat, lon = spot()
    data = report_form(csrf_token(client, "/lapor"), lintang=str(lat), bujur=str(lon), nama="Yakob Ohee",
                       telepon="081234567890")
    data["foto"] = (io.BytesIO(jpeg_with_gps(size=(400, 300))), "a.jpg")
    response = client.post("/lapor", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    ticket = re.search(r"tiket=([A-Z0-9-]+)", response.headers["Location"]).group(1)
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.reference == ticket))
    return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_task_page_shows_the_report_on_a_map(browser, live_server, artifacts, verification_task, size):
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    problems = watch(context)
    page = _login(context, live_server, "operator")
    page.goto(f"{live_server}/inbox/{verification_task.id}")
    page.wait_for_selector("#task-map.leaflet-container .leaflet-marker-icon")
    assert page.locator("#task-map").bounding_box()["height"] > 150
    assert page.locator("img.ligat-task-photo").evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Yakob Ohee" in page.inner_text("#task-reporter")
    if size == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the task page scrolls sideways on a phone"
    page.screenshot(path=str(artifacts / f"tugas-laporan-{size}.png"), full_page=True)
    assert not problems, problems
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_field_officer_inbox_fits_a_phone(browser, live_server, artifacts, client, login_as, db_session, size):
    from tests.integration import test_complaint_http as complaint

    ticket, _ = complaint.submit_complaint(client, kategori="lanjut_usia_terlantar")
    case = complaint.case_by_ticket(db_session, ticket)
    task = complaint.open_task(db_session, case, "verifikasi")
    assert complaint.post_task(login_as("operator"), task.id, {"keputusan": "valid", "catatan": "Sesuai."}
                               ).status_code == 302
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    problems = watch(context)
    page = _login(context, live_server, "lapangan.rehsos")
    page.goto(f"{live_server}/inbox/?tenggat=minggu_ini")
    page.wait_for_selector("#inbox-filter")
    page.goto(f"{live_server}/inbox/")
    page.wait_for_selector("#inbox-table")
    assert ticket in page.inner_text("#inbox-table")
    if size == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the inbox scrolls sideways on a phone"
    page.screenshot(path=str(artifacts / f"kotak-tugas-lapangan-{size}.png"), full_page=True)
    field_task = complaint.open_task(db_session, case, "tindak_lanjut_lapangan")
    page.goto(f"{live_server}/inbox/{field_task.id}")
    page.wait_for_selector("#task-form")
    if size == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the field task page scrolls sideways on a phone"
    page.screenshot(path=str(artifacts / f"tugas-lapangan-{size}.png"), full_page=True)
    assert not problems, problems
    context.close()
