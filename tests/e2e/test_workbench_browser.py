"""The designer's workbench end to end in a real Chromium with the real editor bundle: the field
follow-up's due time changed in the properties panel, saved, checked, tried and published; a new
complaint gets the new due time while a running one keeps the old. A diagram with an error shows its
marker on the element; a form edit appears in the preview; the package page leads to the migration.

The complaint line is copied to a package code and process id of this module's own (as
tests/migration_packages.py does, but with its scenarios), so publishing here never changes the
complaints other tests start. Screenshots go to test-artifacts/."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.migration_packages import _renamed, open_row, operator, start
from tests.packages import bundled
from workflows import cases
from workflows.packages import PackageFiles, deploy_package

from .conftest import PHONE
from .test_designer_browser import DESKTOP, sign_in

pytestmark = pytest.mark.browser
NEW_DUE = "PT96H"


@pytest.fixture(scope="module")
def complaints(app):
    """A complaint package of its own (version 1) with the complaint line's scenarios."""
    from sqlalchemy.orm import Session

    from app.extensions import db

    token = secrets.token_hex(3)
    code, process = f"uji_meja_{token}", f"pengaduan_w{token}"
    files = _renamed(code, process)
    for path, data in bundled("pengaduan").files.items():
        if "/tests/" in path:
            files[path.replace("/pengaduan/", f"/{code}/", 1)] = data
    with app.app_context():
        engine = db.engine
    with Session(engine) as session:
        deploy_package(session, PackageFiles(code, files))
        session.commit()
    return {"code": code, "process": process, "bpmn": f"bpmn/{code}/{process}.bpmn", "engine": engine}


def _hours(span: timedelta) -> int:
    """Whole hours of a due time (the due moment and the row's creation are two readings of the clock)."""
    return round(span.total_seconds() / 3600)


def _at_field_follow_up(complaints) -> tuple[int, int]:
    """A new complaint, verified as valid: it waits at the field follow-up. Its id and that task's due time."""
    from sqlalchemy.orm import Session

    with Session(complaints["engine"]) as session:
        case_id = start(session, complaints["process"])
        cases.complete_task(session, open_row(session, case_id, "verifikasi").id, operator(session),
                            {"keputusan": "valid"})
        session.commit()
        row = open_row(session, case_id, "tindak_lanjut_lapangan")
        return case_id, _hours(row.due_at - row.created_at)


def _due_of(complaints, case_id: int) -> int:
    from sqlalchemy.orm import Session

    from workflows.db import InboxTask

    with Session(complaints["engine"]) as session:
        row = session.scalar(select(InboxTask).where(InboxTask.case_id == case_id,
                                                     InboxTask.task_name == "tindak_lanjut_lapangan"))
        return _hours(row.due_at - row.created_at)


def _discard(login_as, code: str) -> None:
    client = login_as("perancang")
    token = csrf_token(client, f"/perancang/{code}/")
    client.delete(f"/api/v1/designer/packages/{code}/draft", headers={"X-CSRFToken": token})


def _watch(page) -> list[str]:  # noqa: ANN001
    """Console errors and CSP violations of the page: a workbench page has none."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def _open_bpmn(page, live_server: str, complaints) -> None:  # noqa: ANN001
    page.goto(f"{live_server}/perancang/{complaints['code']}/draf/")
    page.locator(f'#draft-files a.file-open[href$="{complaints["bpmn"]}"]').click()
    page.wait_for_selector('#canvas:not([hidden]) .djs-element[data-element-id="tindak_lanjut_lapangan"]')
    assert page.is_hidden("#xml-source")


def _select(page, element_id: str, group: str = "LIGAT") -> None:  # noqa: ANN001
    page.locator(f'.djs-element.djs-shape[data-element-id="{element_id}"]').click(position={"x": 12, "y": 12})
    page.wait_for_function("(id) => (document.querySelector('#bio-properties-panel-id') || {}).value === id",
                           arg=element_id)
    header = page.locator(".bio-properties-panel-group-header", has_text=group).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def _status_says(page, word: str) -> None:  # noqa: ANN001
    page.wait_for_function("(w) => document.querySelector('#editor-status').innerText.includes(w)", arg=word)


def test_due_time_changed_in_the_panel_checked_tried_and_published(browser, live_server, artifacts, login_as,
                                                                   complaints):
    code = complaints["code"]
    running, old_due = _at_field_follow_up(complaints)
    assert old_due == 72
    context, page = sign_in(browser, live_server, DESKTOP)
    problems = _watch(page)
    try:
        page.goto(f"{live_server}/perancang/{code}/")
        page.click("#start-draft")
        page.wait_for_selector("#draft-files")
        _open_bpmn(page, live_server, complaints)
        # The panel beside the canvas, not under it.
        canvas, panel = page.locator("#canvas").bounding_box(), page.locator("#properties").bounding_box()
        assert panel["x"] >= canvas["x"] + canvas["width"] - 1 and panel["y"] < canvas["y"] + canvas["height"]

        _select(page, "tindak_lanjut_lapangan")
        field = page.locator("#bio-properties-panel-ligat-due-in")
        assert field.input_value() == "sla_lapangan"
        field.click()
        field.press("Control+a")
        field.type(NEW_DUE)
        field.press("Tab")
        page.locator('[data-entry-id="ligat-due-in"] .bio-properties-panel-description').filter(
            has_text=f'"{NEW_DUE}"').wait_for()
        page.screenshot(path=str(artifacts / "meja-kerja-sla-desktop.png"))
        page.click("#save-btn")
        _status_says(page, "Tersimpan")

        page.click("#check-btn")
        page.wait_for_selector("#findings-panel:not([hidden])")
        _status_says(page, "Tidak ada")
        assert page.locator("#findings .list-group-item-danger").count() == 0

        page.click("#try-btn")
        page.wait_for_selector("#scenario-list li")
        results = page.locator("#scenario-list li button").all_inner_texts()
        assert len(results) == 2 and all("lulus" in r for r in results), results
        page.locator("#scenario-list li button").first.click()
        page.wait_for_selector('.djs-element.ligat-path[data-element-id="timer_sla_lapangan"]')
        assert page.locator('.djs-element.ligat-path[data-element-id="tinjau_eskalasi"]').count() == 1
        page.screenshot(path=str(artifacts / "meja-kerja-coba-desktop.png"), full_page=True)

        page.click("#tab-publish")
        page.wait_for_selector("#changes")
        changed = f'.file-change[data-path="{complaints["bpmn"]}"] .change[data-key="tindak_lanjut_lapangan"]'
        assert page.locator(changed).count() == 1
        # … and on the draft's diagram, the changed task coloured, the others not.
        fill = "(id) => getComputedStyle(document.querySelector(" \
               "`.diff-diagram .djs-element[data-element-id='${id}'] .djs-visual > :first-child`)).fill"
        page.wait_for_function("(s) => { const n = document.querySelector(s); "
                               "return n && getComputedStyle(n).fill === 'rgb(217, 237, 247)'; }",
                               arg='.diff-diagram [data-element-id="tindak_lanjut_lapangan"] .djs-visual > *')
        assert page.evaluate(fill, "verifikasi") == "rgb(255, 255, 255)"
        page.screenshot(path=str(artifacts / "meja-kerja-terbitkan-desktop.png"), full_page=True)
        page.click("#publish-btn")
        page.wait_for_selector('#versions tr[data-version="2"]')
        assert page.locator("#start-draft").count() == 1  # the draft became version 2

        # New complaints get the new due time; the one already waiting keeps its own.
        _, new_due = _at_field_follow_up(complaints)
        assert new_due == 96
        assert _due_of(complaints, running) == 72

        # Rolled back: version 1's content published again as version 3; new complaints are back at 72 hours.
        page.locator('#versions tr[data-version="1"] .rollback').click()
        page.wait_for_selector('#versions tr[data-version="3"]')
        assert _at_field_follow_up(complaints)[1] == 72
        assert "mengembalikan isi v1 sebagai v3" in page.inner_text("#history")
        page.screenshot(path=str(artifacts / "meja-kerja-paket-desktop.png"), full_page=True)

        page.click("#migrate-link")
        page.wait_for_url(f"**/perancang/{code}/migrasi/")
        page.screenshot(path=str(artifacts / "meja-kerja-migrasi-desktop.png"), full_page=True)
        page.click(f'#migration-crumbs a[href$="/perancang/{code}/"]')  # and back to the package
        page.wait_for_selector("#versions")
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    finally:
        context.close()
        _discard(login_as, code)


def test_marker_on_the_faulty_element_and_the_form_preview(browser, live_server, artifacts, login_as, complaints):
    code, path = complaints["code"], complaints["bpmn"]
    client = login_as("perancang")
    token = csrf_token(client, f"/perancang/{code}/")
    api = f"/api/v1/designer/packages/{code}/draft"
    assert client.post(api, headers={"X-CSRFToken": token}).status_code == 201
    try:
        xml = client.get(f"{api}/files/{path}").data
        broken = xml.replace(b'<bpmn:conditionExpression>keputusan == "valid"',
                             b'<bpmn:conditionExpression>__import__("os") and keputusan == "valid"', 1)
        broken = broken.replace(b'value="pengaduan_eskalasi.schema.json"', b'value="tidak_ada.schema.json"', 1)
        assert broken.count(b"tidak_ada.schema.json") == 1 and b"__import__" in broken
        assert client.put(f"{api}/files/{path}", data=broken, headers={"X-CSRFToken": token}).status_code == 200

        for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            context, page = sign_in(browser, live_server, size)
            problems = _watch(page)
            _open_bpmn(page, live_server, complaints)
            page.click("#check-btn")
            page.wait_for_selector("#findings-panel:not([hidden])")
            for element_id in ("f_valid", "tinjau_eskalasi"):
                marked = f'.djs-element.ligat-marker-error[data-element-id="{element_id}"]'
                page.wait_for_selector(marked, state="attached")  # a flow's <g> has no box of its own
            listed = page.inner_text("#findings")
            assert "f_valid" in listed and "tinjau_eskalasi" in listed and "tidak_ada.schema.json" in listed
            assert page.locator('.djs-element.ligat-marker-error[data-element-id="verifikasi"]').count() == 0
            page.screenshot(path=str(artifacts / f"meja-kerja-periksa-{name}.png"), full_page=True)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size["viewport"]["width"] + 1, f"the page scrolls sideways ({width}px)"
            assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
            context.close()

        # The same page in English: the editor's texts, the status and the list follow the language.
        context, page = sign_in(browser, live_server, DESKTOP)
        page.goto(f"{live_server}/lang/en")
        _open_bpmn(page, live_server, complaints)
        page.click("#check-btn")
        _status_says(page, "problem(s) found")
        _select(page, "tinjau_eskalasi", group="LIGAT")
        page.screenshot(path=str(artifacts / "meja-kerja-periksa-en-desktop.png"), full_page=True)
        assert page.locator(".bio-properties-panel-header-type").text_content() == "User Task"
        context.close()

        # A draft that passes the checks but not its scenarios: Try says where, and draws it there in red.
        wrong = xml.replace(b'<bpmn:conditionExpression>keputusan == "valid"',
                            b'<bpmn:conditionExpression>keputusan == "sah"', 1)
        assert client.put(f"{api}/files/{path}", data=wrong, headers={"X-CSRFToken": token}).status_code == 200
        context, page = sign_in(browser, live_server, DESKTOP)
        _open_bpmn(page, live_server, complaints)
        page.click("#try-btn")
        page.wait_for_selector("#scenario-list li")
        failing = page.locator("#scenario-list li", has_text="gagal").first
        assert "jalur_utama" in failing.inner_text() or "Pengaduan valid" in failing.inner_text()
        failing.locator("button").click()
        failed_id = failing.locator(".text-danger").last.inner_text().split(":")[0]
        assert failed_id == "gw_hasil_verifikasi"  # the gateway with no way out, not the task before it
        shape = f'.djs-element[data-element-id="{failed_id}"] .djs-visual > :first-child'
        page.wait_for_function("(s) => { const n = document.querySelector(s); "
                               "return n && getComputedStyle(n).stroke === 'rgb(198, 40, 40)'; }", arg=shape)
        page.screenshot(path=str(artifacts / "meja-kerja-coba-gagal-desktop.png"), full_page=True)
        context.close()

        # The decision table in dmn-js, on a phone and on a desktop, saved back.
        for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
            context, page = sign_in(browser, live_server, size)
            problems = _watch(page)
            page.goto(f"{live_server}/perancang/{code}/draf/berkas/bpmn/{code}/dispatch_bidang.dmn")
            page.wait_for_selector("#dmn-container:not([hidden]) .tjs-table")
            assert page.is_hidden("#xml-source") and page.is_hidden("#fallback-note")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= size["viewport"]["width"] + 1
            # A table wider than a phone scrolls inside its own box (dmn-js's), not off the page's edge.
            table = page.locator("#dmn-container .tjs-table-container")
            table.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
            page.screenshot(path=str(artifacts / f"meja-kerja-dmn-{name}.png"), full_page=True)
            page.click("#save-btn")
            _status_says(page, "Tersimpan")
            assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
            context.close()
        assert b"<decision" in client.get(f"{api}/files/bpmn/{code}/dispatch_bidang.dmn").data

        # A form edit appears in the preview.
        context, page = sign_in(browser, live_server, DESKTOP)
        page.goto(f"{live_server}/perancang/{code}/draf/berkas/forms/{code}/pengaduan_tindak_lanjut.schema.json")
        page.wait_for_selector("#form-preview[data-live] .form-group")
        schema = page.input_value("#schema-source")
        page.fill("#schema-source", schema.replace('"Temuan di lapangan"', '"Temuan di lokasi kejadian"', 1))
        page.wait_for_function("(t) => document.querySelector('#form-preview').innerText.includes(t)",
                               arg="Temuan di lokasi kejadian")
        page.screenshot(path=str(artifacts / "meja-kerja-formulir-desktop.png"), full_page=True)
        context.close()
    finally:
        client.delete(api, headers={"X-CSRFToken": token})
