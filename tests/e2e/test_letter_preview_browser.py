"""The approver's letter preview in a real Chromium: the approval task page embeds the preview PDF (served
same-origin, framable only by our pages) beside the form, with no CSP or script error. The screenshot goes
to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest

from tests.integration.test_letter_preview import waiting_for_approval  # noqa: F401 (fixture)

from .test_audit_browser import _login
from .test_security_browser import DESKTOP, watch

pytestmark = pytest.mark.browser


def test_approval_task_page_embeds_the_letter_preview(browser, live_server, artifacts,
                                                      waiting_for_approval):  # noqa: F811
    case, task, _nik = waiting_for_approval
    context = browser.new_context(**DESKTOP)
    problems = watch(context)
    page = _login(context, live_server, "kadis")
    pdf_url = f"/inbox/{task.id}/pratinjau-surat/pbi_jkn/pdf"
    with page.expect_response(lambda response: response.url.endswith(pdf_url), timeout=120_000) as answer:
        page.goto(f"{live_server}/inbox/{task.id}")
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    frame = page.locator("iframe.ligat-letter-preview-frame")
    assert frame.bounding_box()["height"] > 400
    assert "PRATINJAU — belum sah" in page.inner_text("#pratinjau-pbi_jkn")
    page.wait_for_timeout(1500)  # the PDF viewer draws the first page
    page.locator("#pratinjau-pbi_jkn").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "tugas-persetujuan-pratinjau-surat.png"), full_page=True)
    assert not problems, problems
    context.close()
