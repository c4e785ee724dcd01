"""The designer's workbench in a real Chromium: the landing page on a phone, a form edit that appears
in the live preview, the descriptor saved as a form, the BPMN page checking its draft. Screenshots go
to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

from .conftest import PHONE

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "id-ID", "timezone_id": "Asia/Jayapura"}
CODE = "cota"


def sign_in(browser, live_server, size: dict):
    context = browser.new_context(**size)
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.fill("#username", "perancang")
    page.fill("#password", "Ligat-Demo-2026!")
    page.click("[type=submit]")
    page.wait_for_url("**/perancang/")
    return context, page


def discard_draft(login_as, code: str) -> None:
    client = login_as("perancang")
    token = csrf_token(client, f"/perancang/{code}/")
    client.delete(f"/api/v1/designer/packages/{code}/draft", headers={"X-CSRFToken": token})


def test_designer_lands_on_the_package_list_on_a_phone(browser, live_server, artifacts):
    context, page = sign_in(browser, live_server, PHONE)
    assert page.is_visible('.package-card[data-code="pengaduan"]')
    assert "Pengaduan Masyarakat" in page.inner_text("#package-list")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(artifacts / "perancang-phone.png"), full_page=False)
    page.click('.package-card[data-code="pengaduan"] .package-open')
    page.wait_for_selector("#versions")
    assert page.is_visible("#migrate-link")
    page.screenshot(path=str(artifacts / "perancang-paket-phone.png"), full_page=True)
    context.close()


def test_form_preview_follows_the_edit_and_the_descriptor_saves(browser, live_server, artifacts, login_as):
    context, page = sign_in(browser, live_server, DESKTOP)
    try:
        page.goto(f"{live_server}/perancang/{CODE}/")
        page.click("#start-draft")
        page.wait_for_selector("#draft-files")
        page.screenshot(path=str(artifacts / "perancang-draf-desktop.png"), full_page=True)

        # A form: the preview is the task form as officers see it, redrawn while typing.
        form_link = page.locator('#draft-files a.file-open[href*="/forms/"][href$=".schema.json"]').first
        form_link.click()
        page.wait_for_selector("#form-preview[data-live] .form-group")  # drawn, and listening for edits
        schema = page.input_value("#schema-source")
        first_title = page.inner_text("#form-preview label")
        first_title = first_title.replace("*", "").strip()
        assert first_title and first_title in schema
        page.fill("#schema-source", schema.replace(first_title, "Judul Baru Pratinjau", 1))
        page.wait_for_function(
            "() => document.querySelector('#form-preview').innerText.includes('Judul Baru Pratinjau')")
        page.screenshot(path=str(artifacts / "perancang-formulir-desktop.png"), full_page=True)
        # Broken JSON: the preview says why and keeps the last good drawing.
        page.fill("#schema-source", "{")
        page.wait_for_selector("#preview-error:not([hidden])")
        assert "JSON" in page.inner_text("#preview-error")
        assert "Judul Baru Pratinjau" in page.inner_text("#form-preview")

        # The descriptor as a form, saved and read back.
        page.goto(f"{live_server}/perancang/{CODE}/draf/deskriptor")
        page.fill("#name_id", "Pengangkatan Anak (COTA) — uji")
        page.fill('#requirements tbody tr:last-child input[name="req_id"]', "Surat keterangan sehat")
        page.fill('#requirements tbody tr:last-child input[name="req_en"]', "Health certificate")
        page.click("#save-descriptor")
        page.wait_for_selector(".alert-success")
        assert page.input_value("#name_id") == "Pengangkatan Anak (COTA) — uji"
        assert "Surat keterangan sehat" in page.content()
        page.screenshot(path=str(artifacts / "perancang-deskriptor-desktop.png"), full_page=False)
        # What changed against the published version, before publishing.
        page.click("#tab-publish")
        page.wait_for_selector("#changes")
        assert page.is_visible(f'.file-change[data-path="bpmn/{CODE}/service.json"] .change[data-key="name.id"]')
        assert page.is_visible(f'.file-change[data-path="bpmn/{CODE}/service.json"] '
                               '.change[data-key="catalogue.requirements"]')
        page.screenshot(path=str(artifacts / "perancang-perubahan-desktop.png"), full_page=True)

        # The BPMN page with the vendored editor bundle: the diagram, saved and checked through the API.
        page.goto(f"{live_server}/perancang/{CODE}/draf/")
        page.locator('#draft-files a.file-open[href$=".bpmn"]').first.click()
        page.wait_for_selector("#canvas:not([hidden]) .djs-element")
        page.click("#save-btn")
        page.wait_for_function("() => document.querySelector('#editor-status').innerText.includes('Tersimpan')")
        page.click("#check-btn")
        page.wait_for_selector("#findings-panel:not([hidden])")
        assert "masalah" in page.inner_text("#editor-status").lower()
        page.screenshot(path=str(artifacts / "perancang-bpmn-desktop.png"), full_page=False)
    finally:
        context.close()
        discard_draft(login_as, CODE)


def test_descriptor_form_on_a_phone(browser, live_server, artifacts, login_as):
    context, page = sign_in(browser, live_server, PHONE)
    try:
        page.goto(f"{live_server}/perancang/izin_lks/")
        page.click("#start-draft")
        page.wait_for_selector("#draft-files")
        page.screenshot(path=str(artifacts / "perancang-draf-phone.png"), full_page=True)
        page.goto(f"{live_server}/perancang/izin_lks/draf/deskriptor")
        page.fill('#roles tbody tr:first-child input[name="role_name"]', "X")
        page.click("#save-descriptor")
        page.wait_for_selector("#descriptor-errors")
        assert "roles/0/name" in page.inner_text("#descriptor-errors")
        page.screenshot(path=str(artifacts / "perancang-deskriptor-phone.png"), full_page=True)
    finally:
        context.close()
        discard_draft(login_as, "izin_lks")


# Records what the page asks of the editor bundle (the JS contract the bundle implements), so the host
# page's wiring is tested here; the bundle's own drawing is tested with the bundle, and both together in
# test_workbench_browser.py.
CONTRACT_RECORDER = """
window.__calls = {markers: null, paths: [], saved: 0};
var recorder = {
  createBpmnEditor: function (canvas, options) {
    window.__calls.options = {roles: options.roles, forms: options.forms, lang: options.lang,
                              panel: !!options.propertiesParent};
    var xml = '';
    return Promise.resolve({
      importXML: function (text) { xml = text; canvas.textContent = 'diagram'; return Promise.resolve(); },
      saveXML: function () { window.__calls.saved += 1; return Promise.resolve(xml); },
      onChange: function () {},
      setMarkers: function (markers) { window.__calls.markers = markers; },
      showPath: function (ids, failed) { window.__calls.paths.push([ids, failed]); },
      lint: function () {
        return Promise.resolve([{element_id: 'lint_el', rule: 'label-required', level: 'warning',
                                 message_id: 'Elemen tanpa label', message_en: 'Element has no label'}]);
      }
    });
  },
  createDmnEditor: function () { return Promise.reject(new Error('not used')); }
};
// The vendored bundle loads after this script and would replace the recorder: keep the recorder.
Object.defineProperty(window, 'LigatDesigner', {get: function () { return recorder; }, set: function () {}});
"""


def test_bpmn_page_drives_the_editor_bundle_and_marks_the_failing_element(browser, live_server, artifacts, login_as):
    from lxml import etree

    code = "beasiswa"
    path = f"bpmn/{code}/{code}.bpmn"
    client = login_as("perancang")
    token = csrf_token(client, f"/perancang/{code}/")
    api = f"/api/v1/designer/packages/{code}/draft"
    assert client.post(api, headers={"X-CSRFToken": token}).status_code == 201
    try:
        xml = client.get(f"{api}/files/{path}").data
        broken = xml.replace(b"<bpmn:script>", b"<bpmn:script>import os\n", 1)
        assert client.put(f"{api}/files/{path}", data=broken, headers={"X-CSRFToken": token}).status_code == 200
        script = etree.fromstring(broken).xpath("//*[local-name()='script'][starts-with(., 'import os')]/..")[0]

        context, page = sign_in(browser, live_server, DESKTOP)
        page.add_init_script(script=CONTRACT_RECORDER)
        page.goto(f"{live_server}/perancang/{code}/draf/berkas/{path}")
        page.wait_for_selector("#canvas:not([hidden])")
        assert page.is_hidden("#xml-source")
        options = page.evaluate("() => window.__calls.options")
        assert options["panel"] and options["lang"] == "id" and "Operator Dinsos" in options["roles"]
        page.click("#check-btn")
        page.wait_for_selector("#findings-panel:not([hidden])")
        markers = page.evaluate("() => window.__calls.markers")
        assert {"element_id": script.get("id"), "level": "error"} in [
            {"element_id": m["element_id"], "level": m["level"]} for m in markers]
        assert any(m["element_id"] == "lint_el" for m in markers)
        listed = page.inner_text("#findings")
        assert script.get("id") in listed and "import" in listed and "label-required" in listed
        page.screenshot(path=str(artifacts / "perancang-bpmn-periksa-desktop.png"), full_page=False)
        page.click("#save-btn")
        page.wait_for_function("() => document.querySelector('#editor-status').innerText.includes('Tersimpan')")
        assert page.evaluate("() => window.__calls.saved") >= 1
        context.close()
    finally:
        client.delete(api, headers={"X-CSRFToken": token})
