"""The auditor's page and a case's timeline in a real Chromium, on a phone (390 px) and a desktop:
no script or CSP error, no sideways scrolling on the phone, the check-now button works.
Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest

from tests.integration.test_pbi_jkn_http import approve, new_nik, submit, verify_ok

from .conftest import PHONE
from .test_security_browser import DESKTOP, watch

pytestmark = pytest.mark.browser
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


def _login(context, live_server: str, username: str):  # noqa: ANN001, ANN202
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.fill("#username", username)
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    # Wait until the login POST has landed: a navigation started before it would cancel the sign-in.
    page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.fixture
def issued_case(login_as, db_session):  # noqa: ANN201
    nik, born = new_nik()
    case_id = submit(login_as("kelurahan.gurabesi"), nik=nik, born=born)
    operator = login_as("operator")
    verify_ok(operator, db_session, case_id)
    approve(login_as("kadis"), db_session, case_id)
    from workflows.db import Case

    db_session.expire_all()
    return db_session.get(Case, case_id)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_audit_page_and_case_timeline(browser, live_server, artifacts, issued_case, size):
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    problems = watch(context)
    page = _login(context, live_server, "auditor")
    page.goto(f"{live_server}/audit/?tiket={issued_case.reference}")
    page.wait_for_selector("#audit-results")
    text = page.inner_text("#audit-results")
    assert "Kasus dimulai" in text and "Surat diterbitkan" in text and "WIT" in text
    page.click("#audit-check-now")
    page.wait_for_selector("#audit-check-last")
    assert "Terakhir diperiksa" in page.inner_text("#audit-check")
    if size == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the audit page scrolls sideways on a phone"
    page.screenshot(path=str(artifacts / f"audit-{size}.png"), full_page=True)

    page.goto(f"{live_server}/audit/?jenis=unduhan&tiket={issued_case.reference}")
    page.wait_for_selector("#audit-results")

    page.goto(f"{live_server}/audit/?tiket={issued_case.reference}")
    page.click(f"#audit-results a[href='/kasus/{issued_case.id}'] >> nth=0")
    page.wait_for_selector("#case-history")
    timeline = page.inner_text("#case-history")
    assert "Kasus dimulai" in timeline and "Status berubah" in timeline and "WIT" in timeline
    if size == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the case page scrolls sideways on a phone"
    page.locator("#case-history").screenshot(path=str(artifacts / f"kasus-riwayat-{size}.png"))
    page.screenshot(path=str(artifacts / f"kasus-{size}.png"), full_page=True)
    assert problems == []
    context.close()


def test_error_page_and_signed_letter_verification_on_a_phone(browser, live_server, artifacts, issued_case,
                                                              login_as, db_session):
    from workflows.issued_letters import Letter

    letter = db_session.query(Letter).filter(Letter.case_id == issued_case.id).one()
    assert login_as("operator").get(f"/berkas/surat/{letter.id}/pdf").status_code == 200  # makes the signed PDF
    context = browser.new_context(**PHONE)
    problems = watch(context)
    page = context.new_page()
    page.goto(f"{live_server}/verifikasi/{letter.token}")
    assert page.get_attribute("#verifikasi-tanda-tangan", "data-signature") == "valid"
    assert "SAH" in page.inner_text("#verifikasi-tanda-tangan")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the verification page scrolls sideways on a phone"
    page.screenshot(path=str(artifacts / "verifikasi-tanda-tangan-phone.png"), full_page=True)

    page = _login(context, live_server, "operator")
    page.goto(f"{live_server}/kasus/")
    page.evaluate("() => { window.location.href = '/kasus/999999999'; }")  # a navigation with a referrer
    page.wait_for_selector("#error-page")
    assert page.get_attribute("#error-page", "data-code") == "404"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.click("#error-back")
    page.wait_for_url(f"{live_server}/kasus/")
    page.goto(f"{live_server}/kasus/999999999")
    page.screenshot(path=str(artifacts / "galat-404-phone.png"), full_page=True)
    assert problems == []
    context.close()
