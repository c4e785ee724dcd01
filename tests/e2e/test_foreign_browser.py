"""A task a Camunda diagram gives to named people, in a real Chromium: the named officer (whose role the
package does not give the task) finds it in the inbox, opens it and its case, and completes it, at phone
and desktop size. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.test_foreign_bpmn import VILLAGE, deploy_file
from workflows import cases
from workflows.db import InboxTask
from workflows.principal import HEAD_OF_BIDANG, HEAD_OF_OFFICE, OPERATOR, Principal

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}


def _case_for(db_session, person: str) -> tuple[int, int]:
    """A case of the Camunda diagram waiting on `Kunjungan rumah`, whose candidateUsers name `person`."""
    deploy_file(db_session, "asing_penugasan", "camunda_penugasan.bpmn",
                {OPERATOR: "office", HEAD_OF_BIDANG: "bidang", HEAD_OF_OFFICE: "office"})
    case = cases.start_case(db_session, "camunda_penugasan", {"bidang": "rehsos", "pendamping": person},
                            "operator", region_code=VILLAGE)
    operator = Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    first = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    cases.complete_task(db_session, first.id, operator, {})
    db_session.expire_all()
    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    assert row.task_name == "Task_kunjungan"
    return case.id, row.id


def _login(page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login/")
    page.fill("#username", username)
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # the sign-in landed before the next navigation


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_named_candidate_user_works_the_task_in_the_browser(browser, live_server, artifacts, db_session, size):
    case_id, task_id = _case_for(db_session, "pendamping.pkh")
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    _login(page, live_server, "pendamping.pkh")
    page.goto(f"{live_server}/inbox/")
    row = page.locator(f"tr[data-task-id='{task_id}']")
    assert row.count() == 1 and "Kunjungan rumah" in row.inner_text()
    page.screenshot(path=str(artifacts / f"asing-calon-inbox-{size}.png"), full_page=True)
    page.goto(f"{live_server}/kasus/{case_id}")
    assert page.locator("body").inner_text().count("Kunjungan rumah") >= 1
    page.goto(f"{live_server}/inbox/{task_id}")
    page.screenshot(path=str(artifacts / f"asing-calon-tugas-{size}.png"), full_page=True)
    with page.expect_navigation():
        page.click("#task-form button[type=submit]")
    assert page.locator(f"tr[data-task-id='{task_id}']").count() == 0
    # The task is done: the case is no longer theirs to see.
    response = page.goto(f"{live_server}/kasus/{case_id}")
    assert response.status in (403, 404)
    context.close()

    # Next, `camunda:assignee="${pengaju}"`: the officer who started the case, marked as theirs.
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    _login(page, live_server, "operator")
    page.goto(f"{live_server}/inbox/")
    row = page.locator("tr", has_text="Lengkapi laporan").filter(has_text=str(case_id).zfill(6))
    assert row.count() == 1 and "Ditujukan kepada Anda" in row.inner_text()
    page.screenshot(path=str(artifacts / f"asing-penerima-inbox-{size}.png"), full_page=True)
    context.close()
