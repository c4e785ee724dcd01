"""Deploy-time checks of designer Python in BPMN and DMN files (workflows.script_checks)."""

from __future__ import annotations

from lxml import etree

from tests.conftest import ROOT
from workflows.script_checks import ALLOWED_BUILTINS, Problem, check_bpmn, check_dmn

FUNCTIONS = {"set_status", "notify"}
OFFERED = "notify, set_status"

SPIFF = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">'
    '<bpmn:process id="p" isExecutable="true">{}</bpmn:process></bpmn:definitions>'
)
CAMUNDA = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">'
    '<bpmn:process id="p" isExecutable="true">{}</bpmn:process></bpmn:definitions>'
)


def _script(script: str, task_id: str = "s1", name: str = "Catat") -> str:
    return f'<bpmn:scriptTask id="{task_id}" name="{name}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def _bpmn(body: str, template: str = SPIFF, functions: set[str] = FUNCTIONS) -> list[Problem]:
    return check_bpmn(etree.fromstring(template.format(body).encode()), "uji.bpmn", functions)


def _messages(problems: list[Problem]) -> list[tuple[str, str, str, int | None]]:
    return [(p.element_id, p.message_id, p.message_en, p.line) for p in problems]


def test_script_syntax_error_reports_its_line():
    [problem] = _bpmn(_script("x = 1\ny = (\n"))
    assert problem == Problem(
        "uji.bpmn",
        "s1",
        "Catat",
        "skrip baris 2 tidak dapat dikompilasi: '(' was never closed",
        "script line 2 does not compile: '(' was never closed",
        2,
    )
    assert str(problem) == (
        "uji.bpmn · s1 (Catat): skrip baris 2 tidak dapat dikompilasi: '(' was never closed "
        "(script line 2 does not compile: '(' was never closed)"
    )


def test_condition_that_does_not_compile():
    flow = (
        '<bpmn:sequenceFlow id="f1" name="Valid?" sourceRef="a" targetRef="b">'
        "<bpmn:conditionExpression>keputusan ==</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    assert _messages(_bpmn(flow)) == [
        ("f1", "kondisi alur tidak dapat dikompilasi: invalid syntax",
         "flow condition does not compile: invalid syntax", 1)
    ]


def test_timer_expression_is_reported_on_its_event():
    timer = (
        '<bpmn:boundaryEvent id="sla" attachedToRef="t1"><bpmn:timerEventDefinition id="ted">'
        '<bpmn:timeDuration>"PT72H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    )
    [problem] = _bpmn(timer)
    assert (problem.element_id, problem.element_name) == ("sla", None)
    error = "unterminated string literal (detected at line 1)"
    assert problem.message_id == f"ekspresi timer tidak dapat dikompilasi: {error}"
    assert problem.message_en == f"timer expression does not compile: {error}"
    assert str(problem).startswith("uji.bpmn · sla: ekspresi timer")


def test_call_to_an_unknown_function():
    assert _messages(_bpmn(_script('set_status("Selesai")\nkirim_surel("x")\nkirim_surel("y")'))) == [
        (
            "s1",
            "skrip baris 2 memanggil fungsi 'kirim_surel' yang tidak disediakan LIGAT; "
            f"fungsi yang tersedia: {OFFERED}",
            f"script line 2 calls function 'kirim_surel', which LIGAT does not offer; available: {OFFERED}",
            2,
        )
    ]


def test_known_functions_builtins_and_own_definitions_pass():
    script = (
        "def ringkas(teks):\n"
        "    return teks[:10]\n"
        "potong = lambda s: s.strip()\n"
        "jumlah = len([x for x in range(3)]) + max(1, 2)\n"
        'nama = variable("nama") or ringkas(potong(str(jumlah)))\n'
        'notify("0812", nama)\n'
        'set_status("Selesai", sorted(dict(a=1))[0])'
    )
    assert _bpmn(_script(script), functions=FUNCTIONS | {"variable"}) == []
    assert {"len", "str", "dict", "sorted"} <= ALLOWED_BUILTINS
    assert not {"open", "eval", "exec", "getattr", "__import__", "compile", "globals"} & ALLOWED_BUILTINS


def test_imports_and_dunder_access():
    script = "import os\nfrom os.path import join\nkelas = ().__class__\njoin('a')\nb = __builtins__"
    assert _messages(_bpmn(_script(script))) == [
        ("s1", "skrip baris 1: tidak boleh mengimpor modul (os)", "script line 1: imports are not allowed (os)", 1),
        (
            "s1",
            "skrip baris 2: tidak boleh mengimpor modul (os.path)",
            "script line 2: imports are not allowed (os.path)",
            2,
        ),
        (
            "s1",
            "skrip baris 3: akses atribut __class__ tidak diizinkan",
            "script line 3: access to attribute __class__ is not allowed",
            3,
        ),
        (
            "s1",
            "skrip baris 5: akses nama __builtins__ tidak diizinkan",
            "script line 5: access to name __builtins__ is not allowed",
            5,
        ),
    ]


def test_every_problem_in_a_file_is_reported():
    body = (
        _script("x = (", "s1", "Satu")
        + _script("kirim()", "s2", "Dua")
        + '<bpmn:userTask id="u1" name="Verifikasi"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="dueIn" value="&quot;PT1H" />'
        '<spiffworkflow:property name="caseStatus" value="Sedang diverifikasi (tahap 1" />'
        "</spiffworkflow:properties>"
        "<spiffworkflow:preScript>import json</spiffworkflow:preScript>"
        "<spiffworkflow:postScript>hapus(x)</spiffworkflow:postScript>"
        "</bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:sequenceFlow id="f1" sourceRef="s1" targetRef="s2">'
        "<bpmn:conditionExpression>a = 1</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:intermediateCatchEvent id="tunggu" name="Tunggu"><bpmn:timerEventDefinition>'
        "<bpmn:timeDate>tanggal(</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )
    problems = _bpmn(body)
    assert [(p.element_id, p.message_en) for p in problems] == [
        ("s1", "script does not compile: '(' was never closed"),
        ("s2", f"script calls function 'kirim', which LIGAT does not offer; available: {OFFERED}"),
        ("u1", "dueIn property does not compile: unterminated string literal (detected at line 1)"),
        ("u1", "preScript: imports are not allowed (json)"),
        ("u1", f"postScript calls function 'hapus', which LIGAT does not offer; available: {OFFERED}"),
        ("f1", "flow condition does not compile: invalid syntax"),
        ("tunggu", "timer expression does not compile: '(' was never closed"),
    ]
    assert problems[2].element_name == "Verifikasi"


def test_camunda_dialect():
    body = (
        '<bpmn:userTask id="u1" name="Periksa" camunda:candidateGroups="Operator">'
        "<bpmn:extensionElements><camunda:properties>"
        '<camunda:property name="dueIn" value="durasi(3)" /></camunda:properties></bpmn:extensionElements>'
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="xs">'
        "<bpmn:loopCardinality>len(xs</bpmn:loopCardinality>"
        "<bpmn:completionCondition>selesai == True</bpmn:completionCondition>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
        + _script('\n  set_status("x")', "s9", "Indentasi")
        + '<bpmn:sequenceFlow id="f1" sourceRef="u1" targetRef="s9">'
        "<bpmn:conditionExpression>\n  ok</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f2" sourceRef="u1" targetRef="s9">'
        "<bpmn:conditionExpression>  ok</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    assert [(p.element_id, p.message_en) for p in _bpmn(body, CAMUNDA)] == [
        ("u1", f"dueIn property calls function 'durasi', which LIGAT does not offer; available: {OFFERED}"),
        ("u1", "loopCardinality does not compile: '(' was never closed"),
        ("s9", "script line 2 does not compile: unexpected indent"),
        ("f1", "flow condition line 2 does not compile: unexpected indent"),
    ]


DMN = (
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="x">'
    '<decision id="dec" name="Dec"><decisionTable id="dt">'
    '<input id="in1" label="Kategori"><inputExpression id="ie1"><text>kategori</text></inputExpression></input>'
    '<input id="in2" label="Umur"><inputExpression id="ie2"><text>umur</text></inputExpression></input>'
    '<output id="out1" label="Bidang" name="bidang" />'
    "{}</decisionTable></decision></definitions>"
)


def _rule(n: int, kategori: str, umur: str, bidang: str) -> str:
    return (
        f'<rule id="r{n}"><inputEntry id="a{n}"><text>{kategori}</text></inputEntry>'
        f'<inputEntry id="b{n}"><text>{umur}</text></inputEntry>'
        f'<outputEntry id="o{n}"><text>{bidang}</text></outputEntry></rule>'
    )


def _dmn(rules: str) -> list[Problem]:
    return check_dmn(etree.fromstring(DMN.format(rules).encode()), "uji.dmn", FUNCTIONS)


def test_dmn_broken_output_entry():
    [problem] = _dmn(_rule(1, '"a"', "-", '"rehsos'))
    assert problem == Problem(
        "uji.dmn",
        "o1",
        "Bidang",
        "entri output DMN (aturan 1) tidak dapat dikompilasi: unterminated string literal (detected at line 1)",
        "DMN output entry (rule 1) does not compile: unterminated string literal (detected at line 1)",
        1,
    )


def test_dmn_input_entries_in_spiffs_forms():
    working = (
        _rule(1, '"a"', "&lt; 5", '"rehsos"')
        + _rule(2, '? in ("b", "c")', "4 &lt; ? &lt; 6", '"dayasos"')
        + _rule(3, "-", "", "")
        + _rule(4, "not_a_call()", "&gt;= 60", "str(1)")
    )
    assert [(p.element_id, p.message_en) for p in _dmn(working)] == [
        ("a4", "DMN input entry (rule 4) calls function 'not_a_call', which LIGAT does not offer; "
         f"available: {OFFERED}")
    ]
    traps = _rule(1, '"a", "b"', "in (1, 2)", '"x"') + _rule(2, "&lt;", "== (", '"x"')
    assert _messages(_dmn(traps)) == [
        (
            "a1",
            'entri input DMN (aturan 1) berupa daftar dengan koma; SpiffWorkflow membandingkan input dengan tuple '
            'sehingga tidak cocok dengan nilai tunggal: tulis ? in ("a", "b")',
            'DMN input entry (rule 1) is a comma list; SpiffWorkflow compares the input with a tuple, so it will '
            'not match a single value: write ? in ("a", "b")',
            None,
        ),
        (
            "b1",
            "entri input DMN (aturan 1) diawali kata 'in'; SpiffWorkflow menempelkannya pada ekspresi input "
            "tanpa spasi (umurin ...): tulis ? in (1, 2)",
            "DMN input entry (rule 1) starts with the word 'in'; SpiffWorkflow glues it to the input "
            "expression without a space (umurin ...): write ? in (1, 2)",
            None,
        ),
        (
            "a2",
            "entri input DMN (aturan 2) tidak dapat dikompilasi: invalid syntax",
            "DMN input entry (rule 2) does not compile: invalid syntax",
            None,
        ),
        (
            "b2",
            "entri input DMN (aturan 2) tidak dapat dikompilasi: '(' was never closed",
            "DMN input entry (rule 2) does not compile: '(' was never closed",
            None,
        ),
    ]


def test_dmn_broken_input_expression_is_reported_once():
    broken = DMN.replace("<text>kategori</text>", "<text>kategori[</text>")
    problems = check_dmn(etree.fromstring(broken.format(_rule(1, '"a"', "-", '"x"')).encode()), "uji.dmn", set())
    assert _messages(problems) == [
        (
            "ie1",
            "ekspresi input DMN tidak dapat dikompilasi: '[' was never closed",
            "DMN input expression does not compile: '[' was never closed",
            1,
        )
    ]


def test_shipped_processes_have_no_problems():
    import workflows  # noqa: F401  (registers every script function)
    from workflows.scripting import script_function_names

    files = sorted((ROOT / "bpmn").glob("*/*.bpmn")) + sorted((ROOT / "bpmn").glob("*/*.dmn"))
    assert any(f.suffix == ".dmn" for f in files)
    for path in files:
        root = etree.parse(str(path)).getroot()
        check = check_dmn if path.suffix == ".dmn" else check_bpmn
        assert check(root, path.name, script_function_names()) == [], path.name
