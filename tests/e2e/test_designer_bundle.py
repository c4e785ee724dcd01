"""The process designer's editor bundle (app/static/vendor/ligat-designer/) in a real Chromium:
a blank page under a Content-Security-Policy without 'unsafe-eval' (as the app's pages have)
loads the vendored files; the BPMN it writes is read back by LIGAT's own parser
(workflows/parsing.py) and script checks. Screenshots go to test-artifacts/."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from lxml import etree

from workflows.durations import parse_duration
from workflows.parsing import NS, parse_files
from workflows.script_checks import _BPMN_XPATH, check_bpmn, element_owner
from workflows.scripting import script_function_names

from .conftest import PHONE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app/static/vendor/ligat-designer"
PENGADUAN = ROOT / "bpmn/pengaduan"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "id-ID"}
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
PAGE = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ margin: 0; font-family: sans-serif; }}
  #editor {{ display: flex; height: 100vh; }}
  #canvas {{ flex: 1; min-width: 0; }}
  #panel {{ width: 340px; overflow: auto; border-left: 1px solid #ccc; }}
  @media (max-width: 700px) {{
    #editor {{ flex-direction: column; height: auto; }}
    #canvas {{ height: 60vh; flex: none; }}
    #panel {{ width: auto; border-left: 0; border-top: 1px solid #ccc; }}
  }}
</style></head>
<body><div id="editor"><div id="canvas"></div><div id="panel"></div></div></body></html>"""
ROLES = [role["name"] for role in json.loads((PENGADUAN / "service.json").read_text())["roles"]]
FORMS = sorted(path.name for path in (ROOT / "forms/pengaduan").glob("*.json"))
CREATE = """async ([xml, roles, forms, lang]) => {
  window.changes = 0;
  window.ed = await LigatDesigner.createBpmnEditor(document.getElementById('canvas'),
    {propertiesParent: document.getElementById('panel'), roles, forms, lang});
  ed.onChange(() => { window.changes += 1; });
  return ed.importXML(xml);
}"""


def open_designer(browser, xml: str, *, lang: str = "id", context_args: dict | None = None):  # noqa: ANN201
    context = browser.new_context(**(context_args or DESKTOP))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_content(PAGE)
    page.add_style_tag(path=str(VENDOR / "ligat-designer.css"))
    page.add_script_tag(path=str(VENDOR / "ligat-designer.js"))
    result = page.evaluate(CREATE, [xml, ROLES, FORMS, lang])
    assert result == {"warnings": []}
    return context, page, errors


def save(page) -> str:  # noqa: ANN001
    return page.evaluate("() => ed.saveXML()")


def select(page, element_id: str) -> None:  # noqa: ANN001
    """Select a task or event with a click on the canvas; lanes and flows (thin hit areas) through
    bpmn-js's selection, as a click on their border would."""
    shape = page.locator(f'.djs-element.djs-shape[data-element-id="{element_id}"]')
    page.evaluate("() => ed.modeler.get('selection').select(null)")  # the context pad may cover the next one
    if shape.count() and not element_id.startswith("Lane_"):
        shape.click(position={"x": 12, "y": 12})
    else:
        page.evaluate("(id) => ed.modeler.get('selection').select(ed.modeler.get('elementRegistry').get(id))",
                      element_id)
    page.wait_for_function("(id) => (ed.modeler.get('selection').get()[0] || {}).id === id", arg=element_id)


def open_group(page, title: str) -> None:  # noqa: ANN001
    header = page.locator(".bio-properties-panel-group-header", has_text=title).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def ligat_reading(bpmn: str | dict[str, str], dmn: dict[str, bytes] | None = None) -> dict:
    """Everything LIGAT reads from a package's diagrams (pengaduan's by default): per process its
    task meta (role, form, status, due time, assignee...), process meta and task specs, and every
    piece of designer Python with what the script checks say of it."""
    files = {"pengaduan.bpmn": bpmn} if isinstance(bpmn, str) else bpmn
    if dmn is None:
        dmn = {"dispatch_bidang.dmn": (PENGADUAN / "dispatch_bidang.dmn").read_bytes()}
    parsed = parse_files({name: xml.encode() for name, xml in files.items()}, dmn)
    assert parsed.problems == []
    python, problems = {}, []
    for name, root in sorted(parsed.bpmn_roots.items()):
        for node in root.xpath(_BPMN_XPATH, namespaces=NS):
            kind = etree.QName(node).localname
            python[(name, element_owner(node)[0], kind)] = node.get("value") if kind == "property" else node.text
        problems += check_bpmn(root, name, script_function_names())
    return {
        "processes": {p.process_id: {"name": p.name, "tasks": p.task_meta, "meta": p.process_meta,
                                     "specs": sorted(p.spec.task_specs), "dialect": p.dialect}
                      for p in parsed.processes},
        "python": python,
        "problems": [str(problem) for problem in problems],
    }


def test_round_trip_of_every_shipped_package_keeps_what_ligat_reads(browser):
    """Each shipped diagram imported and exported unchanged: LIGAT reads the very same roles, forms,
    statuses, due times, timers, scripts and conditions from the export."""
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text())
    packages = sorted(path for path in (ROOT / "bpmn").iterdir() if list(path.glob("*.bpmn")))
    assert len(packages) > 10
    for package in packages:
        source = {path.name: path.read_text() for path in package.glob("*.bpmn")}
        dmn = {path.name: path.read_bytes() for path in package.glob("*.dmn")}
        exported = {}
        for name, xml in source.items():
            assert page.evaluate("(xml) => ed.importXML(xml)", xml) == {"warnings": []}, name
            exported[name] = save(page)
        assert ligat_reading(exported, dmn) == ligat_reading(source, dmn), package.name
    assert errors == []
    context.close()


def test_field_follow_up_due_time_typed_in_the_panel(browser, artifacts):
    source = (PENGADUAN / "pengaduan.bpmn").read_text()
    context, page, errors = open_designer(browser, source)
    select(page, "tindak_lanjut_lapangan")
    assert page.locator(".bio-properties-panel-header-type").text_content() == "Tugas Pengguna"
    open_group(page, "LIGAT")
    field = page.locator("#bio-properties-panel-ligat-due-in")
    assert field.input_value() == "sla_lapangan"  # a process variable: shown and kept as is
    field.fill("P5D")
    field.press("Tab")
    page.wait_for_function("() => window.changes > 0")
    entry = page.locator('[data-entry-id="ligat-due-in"]')
    entry.locator(".bio-properties-panel-description").filter(has_text='"P5D"').wait_for()
    page.screenshot(path=str(artifacts / "designer-due-time-desktop.png"))
    after, before = ligat_reading(save(page)), ligat_reading(source)
    task = after["processes"]["pengaduan"]["tasks"]["tindak_lanjut_lapangan"]
    # LIGAT evaluates dueIn as Python: the literal comes back quoted, and parses as a duration.
    assert task["due_in"] == '"P5D"'
    assert parse_duration(ast.literal_eval(task["due_in"])).iso == (("days", 5.0),)
    task["due_in"] = "sla_lapangan"
    del after["python"][("pengaduan.bpmn", "tindak_lanjut_lapangan", "property")]
    del before["python"][("pengaduan.bpmn", "tindak_lanjut_lapangan", "property")]
    assert after == before  # nothing else LIGAT reads changed
    # Typed again with its quotes, or as working days: the same one quoted literal.
    field.fill('"2 hari kerja"')
    field.press("Tab")
    page.wait_for_function("() => window.changes > 1")
    assert ligat_reading(save(page))["processes"]["pengaduan"]["tasks"]["tindak_lanjut_lapangan"]["due_in"] == \
        '"2 hari kerja"'
    assert errors == []
    context.close()


def test_every_ligat_field_writes_what_the_parser_reads(browser):
    source = (PENGADUAN / "pengaduan.bpmn").read_text()
    context, page, errors = open_designer(browser, source)
    select(page, "tinjau_eskalasi")
    open_group(page, "LIGAT")
    assert page.locator("#bio-properties-panel-ligat-task-lane").input_value() == "Kepala Bidang"
    page.select_option("#bio-properties-panel-ligat-form", "pengaduan_lengkapi.schema.json")
    page.select_option("#bio-properties-panel-ligat-ui-form", "pengaduan_verifikasi.uischema.json")
    for field, value in (("case-status", "Eskalasi"), ("due-in", "3 hari kerja"), ("assignee", "kabid_pemeriksa")):
        page.fill(f"#bio-properties-panel-ligat-{field}", value)
        page.press(f"#bio-properties-panel-ligat-{field}", "Tab")
    page.fill("#bio-properties-panel-ligat-bidang", "")  # emptied: the property goes away
    page.press("#bio-properties-panel-ligat-bidang", "Tab")

    select(page, "Lane_lapangan")
    open_group(page, "LIGAT")
    options = page.locator("#bio-properties-panel-ligat-lane-role option").all_inner_texts()
    assert [o for o in options if o in ROLES] == ROLES
    page.select_option("#bio-properties-panel-ligat-lane-role", "Operator Dinsos")

    select(page, "timer_sla_lapangan")
    open_group(page, "Timer")
    assert page.locator("#bio-properties-panel-ligat-timer-type").input_value() == "timeDuration"
    page.fill("#bio-properties-panel-ligat-timer-value", "PT48H")
    page.press("#bio-properties-panel-ligat-timer-value", "Tab")

    select(page, "catat_eskalasi")
    open_group(page, "Skrip")
    page.fill("#bio-properties-panel-ligat-script-text", 'mark_escalated("Lewat SLA lapangan")')
    page.press("#bio-properties-panel-ligat-script-text", "Tab")

    select(page, "f_valid")
    open_group(page, "Kondisi")
    assert page.locator("#bio-properties-panel-ligat-condition-expression").input_value() == 'keputusan == "valid"'
    page.fill("#bio-properties-panel-ligat-condition-expression", 'keputusan == "sah"')
    page.press("#bio-properties-panel-ligat-condition-expression", "Tab")

    select(page, "tentukan_bidang")
    open_group(page, "LIGAT")
    assert page.locator("#bio-properties-panel-ligat-called-decision").input_value() == "dispatch_bidang"

    select(page, "verifikasi")
    open_group(page, "Skrip")
    page.fill("#bio-properties-panel-ligat-post-script", "diverifikasi = True")
    page.press("#bio-properties-panel-ligat-post-script", "Tab")

    select(page, "Participant_dinsos")
    open_group(page, "LIGAT")
    assert page.locator("#bio-properties-panel-ligat-reference-prefix").input_value() == "ADU"
    page.fill("#bio-properties-panel-ligat-reference-prefix", "LPR")
    page.press("#bio-properties-panel-ligat-reference-prefix", "Tab")
    page.wait_for_timeout(400)  # the panel's input debounce

    reading = ligat_reading(save(page))
    process = reading["processes"]["pengaduan"]
    assert process["tasks"]["tinjau_eskalasi"] == {
        "title": "Tinjau Eskalasi", "role": "Kepala Bidang", "form": "pengaduan_lengkapi.schema.json",
        "generated_form": None, "ui_form": "pengaduan_verifikasi.uischema.json", "case_status": "Eskalasi",
        "due_in": '"3 hari kerja"', "bidang_variable": None, "assignee_variable": "kabid_pemeriksa",
        "candidate_roles": ["Kepala Bidang"], "candidate_users": [], "assignee": None}
    assert process["tasks"]["tindak_lanjut_lapangan"]["role"] == "Operator Dinsos"  # the lane renamed
    assert process["meta"] == {"referencePrefix": "LPR"}
    assert reading["python"][("pengaduan.bpmn", "timer_sla_lapangan", "timeDuration")] == '"PT48H"'
    assert reading["python"][("pengaduan.bpmn", "catat_eskalasi", "script")] == 'mark_escalated("Lewat SLA lapangan")'
    assert reading["python"][("pengaduan.bpmn", "f_valid", "conditionExpression")] == 'keputusan == "sah"'
    assert reading["python"][("pengaduan.bpmn", "verifikasi", "postScript")] == "diverifikasi = True"
    assert "tentukan_bidang" in process["specs"]
    assert reading["problems"] == []
    assert errors == []
    context.close()


def test_markers_drawn_on_their_elements_and_cleared(browser, artifacts):
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text())
    unplaced = page.evaluate("""() => ed.setMarkers([
      {element_id: 'verifikasi', level: 'error',
       message: 'Formulir tidak ada di draf. (The form is not in the draft.)'},
      {element_id: 'verifikasi', level: 'warning', message: 'Tanpa batas waktu. (No due time.)'},
      {element_id: 'f_valid', level: 'warning', message: 'Kondisi selalu benar. (Always true.)'},
      {element_id: 'pengaduan', level: 'warning', message: 'Proses tanpa awalan. (No prefix.)'},
      {element_id: 'tidak_ada', level: 'error', message: 'Elemen hilang. (Missing element.)'}])""")
    assert [m["element_id"] for m in unplaced] == ["tidak_ada"]  # for the list, not the diagram
    task = page.locator('.djs-element[data-element-id="verifikasi"]')
    assert "ligat-marker-error" in task.get_attribute("class")
    assert "ligat-marker-warning" in page.locator('.djs-element[data-element-id="f_valid"]').get_attribute("class")
    assert "ligat-marker-warning" in page.locator('[data-element-id="Participant_dinsos"]').first.get_attribute("class")
    badge = page.locator('.djs-overlays[data-container-id="verifikasi"] .ligat-marker-badge')
    popup = badge.locator(".ligat-marker-popup")
    assert not popup.is_visible()
    badge.hover()
    assert popup.is_visible() and "Formulir tidak ada di draf" in popup.inner_text()
    assert "Tanpa batas waktu" in popup.inner_text()
    # The badge's box sits on the task's box: the marker is on the right element.
    task_box, badge_box = task.bounding_box(), badge.bounding_box()
    assert task_box["x"] <= badge_box["x"] + badge_box["width"] / 2 <= task_box["x"] + task_box["width"] + 12
    page.screenshot(path=str(artifacts / "designer-markers-desktop.png"))
    assert page.evaluate("() => ed.setMarkers([{element_id: 'atur_sla', level: 'error', message: 'x'}])") == []
    assert "ligat-marker-error" not in task.get_attribute("class")
    assert page.locator(".ligat-marker-badge").count() == 1
    # The draft reloaded: markers and path of the old diagram go with it, new ones draw as before.
    page.evaluate("() => ed.showPath(['atur_sla'], 'atur_sla')")
    page.evaluate("(xml) => ed.importXML(xml)", (PENGADUAN / "pengaduan.bpmn").read_text())
    assert page.locator(".ligat-marker-badge").count() == 0
    assert page.locator(".ligat-path, .ligat-marker-error").count() == 0
    assert page.evaluate("() => ed.setMarkers([{element_id: 'verifikasi', level: 'error', message: 'x'}])") == []
    page.evaluate("() => ed.showPath(['verifikasi'], null)")
    assert "ligat-marker-error" in task.get_attribute("class") and "ligat-path" in task.get_attribute("class")
    assert errors == []
    context.close()


def test_show_path_highlights_the_steps_and_the_failing_one(browser, artifacts):
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text())
    page.evaluate("() => ed.showPath(['start_pengaduan', 'atur_sla', 'verifikasi', 'gw_hasil_verifikasi'], "
                  "'gw_hasil_verifikasi')")
    for element_id in ("start_pengaduan", "atur_sla", "verifikasi", "f_start", "f_sla", "f_verif"):
        assert "ligat-path" in page.locator(f'.djs-element[data-element-id="{element_id}"]').get_attribute("class")
    assert "ligat-path" not in page.locator('.djs-element[data-element-id="f_valid"]').get_attribute("class")
    failed = page.locator('.djs-element[data-element-id="gw_hasil_verifikasi"] .djs-visual > :first-child')
    assert failed.evaluate("el => getComputedStyle(el).stroke") == "rgb(198, 40, 40)"
    passed = page.locator('.djs-element[data-element-id="atur_sla"] .djs-visual > :first-child')
    assert passed.evaluate("el => getComputedStyle(el).stroke") == "rgb(27, 127, 58)"
    page.screenshot(path=str(artifacts / "designer-path-desktop.png"))
    page.evaluate("() => ed.showPath(['catat_selesai'], null)")
    assert "ligat-path" not in page.locator('.djs-element[data-element-id="atur_sla"]').get_attribute("class")
    assert errors == []
    context.close()


LONELY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Defs_lonely" targetNamespace="http://ligat.id/bpmn">
  <bpmn:process id="lonely_process" name="Uji" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_op" name="Operator Dinsos">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>periksa</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="periksa" name="Periksa"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Selesai"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:userTask id="terlupa" name="Tugas terlupa" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="periksa" />
    <bpmn:sequenceFlow id="f2" sourceRef="periksa" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="lonely_process">
    <bpmndi:BPMNShape id="Lane_op_di" bpmnElement="Lane_op" isHorizontal="true">
      <dc:Bounds x="100" y="50" width="600" height="150" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="150" y="100" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="periksa_di" bpmnElement="periksa"><dc:Bounds x="240" y="78" width="100" height="80" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="400" y="100" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="terlupa_di" bpmnElement="terlupa"><dc:Bounds x="300" y="260" width="100" height="80" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="186" y="118" /><di:waypoint x="240" y="118" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="340" y="118" /><di:waypoint x="400" y="118" />
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


@pytest.mark.parametrize("lang", ["id", "en"])
def test_lint_reports_a_disconnected_task_on_that_element(browser, artifacts, lang):
    context, page, errors = open_designer(browser, LONELY, lang=lang)
    findings = page.evaluate("() => ed.lint()")
    on_task = {f["rule"]: f for f in findings if f["element_id"] == "terlupa"}
    assert on_task["no-disconnected"] == {
        "element_id": "terlupa", "rule": "no-disconnected", "level": "error",
        "message_id": "Elemen tidak terhubung dengan alur mana pun.",
        "message_en": "The element is not connected to any flow."}
    assert on_task["ligat/human-task-in-lane"]["level"] == "warning"  # LIGAT's own rule: the lane is the role
    assert not [f for f in findings if f["rule"] == "ligat/timer-duration-iso"]
    assert not [f for f in findings if f["element_id"] == "periksa"]
    task = page.locator('.djs-element[data-element-id="terlupa"]')
    assert "ligat-marker-error" in task.get_attribute("class")
    badge = page.locator('.djs-overlays[data-container-id="terlupa"] .ligat-marker-badge')
    badge.click()  # a tap keeps the messages open (phones have no hover)
    expected = "not connected to any flow" if lang == "en" else "tidak terhubung dengan alur"
    assert expected in badge.locator(".ligat-marker-popup").inner_text()
    page.screenshot(path=str(artifacts / f"designer-lint-{lang}-desktop.png"))
    # Markers of the check (setMarkers) and of lint are separate layers: one does not wipe the other.
    page.evaluate("() => ed.setMarkers([{element_id: 'periksa', level: 'warning', message: 'x'}])")
    assert "ligat-marker-error" in task.get_attribute("class")
    assert errors == []
    context.close()


def test_lint_refuses_working_days_in_a_duration_timer(browser):
    """The engine reads a timeDuration itself, ISO only: a diagram written elsewhere with
    "3 hari kerja" there gets an error marker on the timer event."""
    source = (PENGADUAN / "pengaduan.bpmn").read_text()
    assert "<bpmn:timeDuration>sla_lapangan</bpmn:timeDuration>" in source
    xml = source.replace("<bpmn:timeDuration>sla_lapangan</bpmn:timeDuration>",
                         '<bpmn:timeDuration>"3 hari kerja"</bpmn:timeDuration>')
    context, page, errors = open_designer(browser, xml)
    findings = [f for f in page.evaluate("() => ed.lint()") if f["rule"] == "ligat/timer-duration-iso"]
    assert [(f["element_id"], f["level"]) for f in findings] == [("timer_sla_lapangan", "error")]
    assert "time_after" in findings[0]["message_id"] and "ISO-8601 only" in findings[0]["message_en"]
    timer = page.locator('.djs-element[data-element-id="timer_sla_lapangan"]')
    assert "ligat-marker-error" in timer.get_attribute("class")
    assert errors == []
    context.close()


def test_panel_speaks_english_when_asked(browser):
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text(), lang="en")
    select(page, "verifikasi")
    open_group(page, "LIGAT")
    assert page.locator(".bio-properties-panel-header-type").text_content() == "User Task"
    labels = page.locator('[data-group-id="group-ligat"] label').all_inner_texts()
    assert "Due time" in labels and "Public status (tracking text)" in labels
    assert page.locator("#bio-properties-panel-ligat-due-in").input_value() == "sla_verifikasi"
    assert errors == []
    context.close()


def test_dmn_editor_imports_and_exports_the_dispatch_table(browser, artifacts):
    source = (PENGADUAN / "dispatch_bidang.dmn").read_bytes()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_content(PAGE)
    page.add_style_tag(path=str(VENDOR / "ligat-designer.css"))
    page.add_script_tag(path=str(VENDOR / "ligat-designer.js"))
    result = page.evaluate("""async (xml) => {
      window.changes = 0;
      window.dmn = await LigatDesigner.createDmnEditor(document.getElementById('canvas'), {lang: 'id'});
      dmn.onChange(() => { window.changes += 1; });
      return dmn.importXML(xml);
    }""", source.decode())
    assert result == {"warnings": []}
    page.wait_for_selector(".tjs-table")
    assert "anak_jalanan" in page.inner_text(".tjs-table")
    page.screenshot(path=str(artifacts / "designer-dmn-desktop.png"))
    exported = page.evaluate("() => dmn.saveXML()").encode()

    def rules(data: bytes) -> list:
        root = etree.fromstring(data)
        ns = {"dmn": etree.QName(root).namespace}
        return [[(text.text or "").strip() for text in rule.xpath(".//dmn:text", namespaces=ns)]
                for rule in root.xpath("//dmn:rule", namespaces=ns)]

    assert rules(exported) == rules(source) and len(rules(source)) > 10
    # The exported table still runs in LIGAT: the pengaduan package parses with it, no problem.
    reading = ligat_reading((PENGADUAN / "pengaduan.bpmn").read_text(), {"dispatch_bidang.dmn": exported})
    assert reading["problems"] == []
    # An edit in a cell is an edit of the table.
    cell = page.locator(".tjs-table tbody tr").first.locator("td.output-cell").first
    cell.click()
    page.keyboard.press("End")
    page.keyboard.type("x")
    page.wait_for_function("() => window.changes > 0")
    assert '"rehsos"x' in page.evaluate("() => dmn.saveXML()")
    assert errors == []
    context.close()


def test_viewer_is_read_only_and_colours_elements(browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_content(PAGE)
    page.add_style_tag(path=str(VENDOR / "ligat-designer.css"))
    page.add_script_tag(path=str(VENDOR / "ligat-designer.js"))
    page.evaluate("""async (xml) => {
      window.viewer = await LigatDesigner.createViewer(document.getElementById('canvas'));
      await viewer.importXML(xml);
      viewer.colour('verifikasi', {fill: '#ffcc00', stroke: '#884400', label: '#112233'});
      viewer.showPath(['start_pengaduan', 'atur_sla'], null);
    }""", (PENGADUAN / "pengaduan.bpmn").read_text())
    assert page.locator(".djs-palette").count() == 0  # nothing to edit with
    shape = page.locator('.djs-element[data-element-id="verifikasi"] .djs-visual > :first-child')
    assert shape.evaluate("el => getComputedStyle(el).fill") == "rgb(255, 204, 0)"
    label = page.locator('.djs-element[data-element-id="verifikasi"] .djs-visual text').first
    assert label.evaluate("el => getComputedStyle(el).fill") == "rgb(17, 34, 51)"
    assert "ligat-path" in page.locator('.djs-element[data-element-id="f_start"]').get_attribute("class")
    assert page.locator(".bjs-powered-by").is_visible()
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_editor_at_desktop_and_phone_size_with_the_watermark(browser, artifacts, size):
    context_args = PHONE if size == "phone" else DESKTOP
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text(),
                                          context_args=context_args)
    watermark = page.locator(".bjs-powered-by")
    assert watermark.is_visible()
    box, viewport = watermark.bounding_box(), page.viewport_size
    assert box["width"] > 10 and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    assert watermark.evaluate("el => el.closest('a') ? el.closest('a').href : el.href").rstrip("/").endswith("bpmn.io")
    select(page, "tindak_lanjut_lapangan")
    open_group(page, "LIGAT")
    page.locator("#bio-properties-panel-ligat-due-in").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"designer-panel-{size}.png"), full_page=True)
    assert errors == []
    context.close()


CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="Defs_camunda" targetNamespace="http://ligat.id/bpmn">
  <bpmn:process id="dari_camunda" name="Dari Camunda Modeler" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_op" name="Operator Dinsos">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>tinjau</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>catat</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="tinjau" name="Tinjau" camunda:formKey="pengaduan_verifikasi.schema.json"
      camunda:candidateGroups="Kepala Bidang">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="dueIn" value="sla_tinjau" /></camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="catat" name="Catat"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Selesai"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tinjau" />
    <bpmn:sequenceFlow id="f2" sourceRef="tinjau" targetRef="catat" />
    <bpmn:sequenceFlow id="f3" sourceRef="catat" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="dari_camunda">
    <bpmndi:BPMNShape id="Lane_op_di" bpmnElement="Lane_op" isHorizontal="true">
      <dc:Bounds x="100" y="50" width="700" height="150" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="150" y="100" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="tinjau_di" bpmnElement="tinjau"><dc:Bounds x="240" y="78" width="100" height="80" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="catat_di" bpmnElement="catat"><dc:Bounds x="400" y="78" width="100" height="80" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="560" y="100" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="186" y="118" /><di:waypoint x="240" y="118" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="340" y="118" /><di:waypoint x="400" y="118" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="500" y="118" /><di:waypoint x="560" y="118" />
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def test_camunda_diagram_keeps_its_dialect(browser):
    """A diagram from Camunda Modeler: the panel edits camunda:candidateGroups, camunda:formKey and
    camunda:property, which LIGAT reads in that dialect, instead of mixing in Spiff elements."""
    context, page, errors = open_designer(browser, CAMUNDA)
    assert page.evaluate("() => ed.dialect()") == "camunda"
    select(page, "tinjau")
    open_group(page, "LIGAT")
    assert page.locator("#bio-properties-panel-ligat-candidate-group").input_value() == "Kepala Bidang"
    page.select_option("#bio-properties-panel-ligat-candidate-group", "Petugas Lapangan")
    page.select_option("#bio-properties-panel-ligat-form", "pengaduan_eskalasi.schema.json")
    page.fill("#bio-properties-panel-ligat-due-in", "P2D")
    page.press("#bio-properties-panel-ligat-due-in", "Tab")
    select(page, "catat")
    open_group(page, "LIGAT")
    page.fill("#bio-properties-panel-ligat-case-status", "Dicatat")
    page.press("#bio-properties-panel-ligat-case-status", "Tab")
    page.wait_for_timeout(400)  # the panel's input debounce
    xml = save(page)
    assert "spiffworkflow" not in xml
    parsed = parse_files({"dari_camunda.bpmn": xml.encode()}, {})
    assert parsed.problems == []
    (process,) = parsed.processes
    assert process.dialect == "camunda"
    tinjau, catat = process.task_meta["tinjau"], process.task_meta["catat"]
    assert (tinjau["role"], tinjau["form"], tinjau["due_in"]) == \
        ("Petugas Lapangan", "pengaduan_eskalasi.schema.json", '"P2D"')
    assert (catat["role"], catat["case_status"]) == ("Operator Dinsos", "Dicatat")
    assert errors == []
    context.close()


def test_bundle_works_under_the_apps_content_security_policy(browser, live_server):
    """Served by the app as static files, on one of its pages (script-src 'self' + nonce, no eval):
    editing, lint and the DMN table run without a single policy violation."""
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.location.get("url", "").endswith("/favicon.ico") else None)
    response = page.goto(f"{live_server}/login/")
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    page.evaluate("""() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));
      document.body.insertAdjacentHTML('beforeend',
        '<div id="designer" style="display:flex;height:600px"><div id="canvas" style="flex:1"></div>' +
        '<div id="panel" style="width:320px"></div></div><div id="dmn" style="height:400px"></div>');
    }""")
    static = f"{live_server}/static/vendor/ligat-designer"
    page.add_style_tag(url=f"{static}/ligat-designer.css")
    page.add_script_tag(url=f"{static}/ligat-designer.js")
    page.evaluate(CREATE, [(PENGADUAN / "pengaduan.bpmn").read_text(), ROLES, FORMS, "id"])
    assert page.evaluate("() => ed.lint()") != []
    select(page, "tindak_lanjut_lapangan")
    open_group(page, "LIGAT")
    page.fill("#bio-properties-panel-ligat-due-in", "PT96H")
    page.press("#bio-properties-panel-ligat-due-in", "Tab")
    page.wait_for_function("() => window.changes > 0")
    page.evaluate("""async (xml) => {
      window.dmn = await LigatDesigner.createDmnEditor(document.getElementById('dmn'), {lang: 'id'});
      await dmn.importXML(xml);
    }""", (PENGADUAN / "dispatch_bidang.dmn").read_text())
    page.locator("#dmn .tjs-table tbody tr").first.locator("td.input-cell").first.click()
    page.keyboard.type("x")
    tasks = ligat_reading(save(page))["processes"]["pengaduan"]["tasks"]
    assert tasks["tindak_lanjut_lapangan"]["due_in"] == '"PT96H"'
    assert page.evaluate("() => window.violations") == []
    assert errors == []
    # The policy is in force on this page and a refusal would have been seen: an inline script is refused.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_function("() => window.violations.length > 0")
    assert page.evaluate("() => window.ran") is None
    context.close()


def test_due_time_and_timer_text_is_checked_before_it_is_written(browser):
    """The quoting rule and what the panel refuses (with the reason), as the designer meets them."""
    context, page, errors = open_designer(browser, (PENGADUAN / "pengaduan.bpmn").read_text())
    cases = page.evaluate("""() => {
      const x = LigatDesigner.expressions;
      return {
        plain: ['"PT72H"', "'P3D'", 'sla_lapangan', '"3 hari kerja"', 'time_after(sla)'].map(x.toPlain),
        written: [['PT72H', 'dueIn'], ['3 hari kerja', 'dueIn'], ['5 working days', 'dueIn'],
                  ['sla_lapangan', 'dueIn'], ['"P1D"', 'dueIn'], ['2026-12-31T09:00:00', 'timeDate'],
                  ['R6/P30D', 'timeCycle'], ['time_after("3 hari kerja")', 'timeDate'], ['', 'dueIn']]
          .map(([text, kind]) => x.toExpression(text, kind)),
        refused: [['72 jam', 'dueIn'], ['"72 jam"', 'dueIn'], ['3 hari kerja', 'timeDuration'],
                  ['besok pagi', 'timeDate']].map(([text, kind]) => x.validateExpression(text, kind, 'en')),
        accepted: [['PT72H', 'timeDuration'], ['sla_lapangan', 'timeDuration'], ['P3D', 'dueIn']]
          .map(([text, kind]) => x.validateExpression(text, kind, 'id')),
      };
    }""")
    assert cases["plain"] == ["PT72H", "P3D", "sla_lapangan", "3 hari kerja", "time_after(sla)"]
    assert cases["written"] == ['"PT72H"', '"3 hari kerja"', '"5 working days"', "sla_lapangan", '"P1D"',
                                '"2026-12-31T09:00:00"', '"R6/P30D"', 'time_after("3 hari kerja")', None]
    assert all(cases["refused"]) and "time_after" in cases["refused"][2]
    assert cases["accepted"] == [None, None, None]

    select(page, "tindak_lanjut_lapangan")
    open_group(page, "LIGAT")
    page.fill("#bio-properties-panel-ligat-due-in", "72 jam")
    page.press("#bio-properties-panel-ligat-due-in", "Tab")
    error = page.locator('[data-entry-id="ligat-due-in"] .bio-properties-panel-error')
    assert "Tidak dikenali" in error.inner_text()
    select(page, "timer_sla_lapangan")
    open_group(page, "Timer")
    page.fill("#bio-properties-panel-ligat-timer-value", "3 hari kerja")
    page.press("#bio-properties-panel-ligat-timer-value", "Tab")
    assert "time_after" in page.locator('[data-entry-id="ligat-timer-value"] .bio-properties-panel-error').inner_text()
    page.wait_for_timeout(400)  # the panel's input debounce: nothing may be written even after it
    assert page.evaluate("() => window.changes") == 0
    assert ligat_reading(save(page)) == ligat_reading((PENGADUAN / "pengaduan.bpmn").read_text())
    assert errors == []
    context.close()
