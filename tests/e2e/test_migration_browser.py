"""The bulk migration in a real Chromium: a designer previews the running complaints of version 1,
sees the one that cannot move and why, moves the others in one action and reads the summary; at
phone size the same page shows what is left and the past migration. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.migration_packages import three_cases
from workflows.db import Case

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


def login(page, live_server: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{live_server}/login/")
    page.fill("#username", username)
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed before the next navigation


def test_preview_and_move_with_one_case_that_cannot_move(browser, live_server, artifacts, db_session: Session):
    found = three_cases(db_session)
    code = found["code"]
    stuck = db_session.get(Case, found["information"]).reference

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    login(page, live_server, "perancang")
    page.goto(f"{live_server}/perancang/{code}/migrasi/")
    assert page.input_value("#from_version") == "1" and page.input_value("#to_version") == "2"
    page.click("#migration-preview-button")
    page.wait_for_selector("#preview-table")
    assert "3 kasus terpilih: 2 dapat dipindahkan, 1 tidak." in page.inner_text("#preview-summary")
    row = page.locator(f"#preview-table [data-case='{stuck}']")
    assert "Tidak dapat dipindahkan" in row.inner_text()
    assert "lengkapi_informasi (Lengkapi Informasi) tidak ada di versi 2" in row.inner_text()
    page.screenshot(path=str(artifacts / "migrasi-pratinjau-desktop.png"), full_page=True)
    page.click("#migration-move-button")
    page.wait_for_selector("#run-table")
    assert "3 kasus terpilih: 2 dipindahkan, 1 tidak." in page.inner_text("#run-summary")
    assert "Tidak dipindahkan" in page.locator(f"#run-table [data-case='{stuck}']").inner_text()
    page.screenshot(path=str(artifacts / "migrasi-hasil-desktop.png"), full_page=True)
    context.close()

    db_session.expire_all()
    assert db_session.get(Case, found["field"]).definition.version == 2
    assert db_session.get(Case, found["information"]).definition.version == 1

    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, live_server, "perancang")
    page.goto(f"{live_server}/perancang/{code}/migrasi/")
    page.click("#migration-preview-button")
    page.wait_for_selector("#preview-table")
    assert page.is_visible("#preview-none-movable") and not page.is_visible("#migration-move-button")
    # Nothing wider than the phone but the tables, which scroll inside their own box.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(artifacts / "migrasi-pratinjau-phone.png"), full_page=True)
    page.click("#migration-runs a")
    page.wait_for_selector("#run-table")
    page.screenshot(path=str(artifacts / "migrasi-hasil-phone.png"), full_page=True)
    context.close()
