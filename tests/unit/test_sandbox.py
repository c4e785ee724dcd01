"""The script sandbox (workflows.sandbox): refused at deploy with element, line and reason, and again
when a case runs (RestrictedPython compile and guards, the same rules for both)."""

from __future__ import annotations

import pytest
from lxml import etree

from workflows.sandbox import ALLOWED_BUILTINS, FORBIDDEN_BUILTINS, SandboxEnvironment, ScriptRefused
from workflows.script_checks import check_bpmn

FUNCTIONS = {"set_status", "variable"}
SPIFF = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">'
    '<bpmn:process id="p" isExecutable="true">{}</bpmn:process></bpmn:definitions>'
)


def problems(script: str, task_id: str = "Skrip_uji") -> list[tuple[str, int | None, str, str]]:
    body = f'<bpmn:scriptTask id="{task_id}" name="Uji"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    found = check_bpmn(etree.fromstring(SPIFF.format(body).encode()), "uji.bpmn", FUNCTIONS)
    return [(p.element_id, p.line, p.message_id, p.message_en) for p in found]


@pytest.mark.parametrize(
    ("script", "line", "reason_id", "reason_en"),
    [
        ("x = 1\nimport os", 2, "tidak boleh mengimpor modul (os)", "imports are not allowed (os)"),
        ("x = 1\nfrom subprocess import run", 2, "tidak boleh mengimpor modul (subprocess)",
         "imports are not allowed (subprocess)"),
        ("x = 1\ny = x.__class__", 2, "akses atribut __class__ tidak diizinkan",
         "access to attribute __class__ is not allowed"),
        ("x = 1\ny = open('/etc/passwd').read()", 2, "fungsi 'open' tidak diizinkan di skrip LIGAT (berkas/terminal)",
         "function 'open' is not allowed in LIGAT scripts (files/terminal)"),
        ("x = 1\ny = eval('1 + 1')", 2, "fungsi 'eval' tidak diizinkan di skrip LIGAT (menjalankan kode lain)",
         "function 'eval' is not allowed in LIGAT scripts (runs other code)"),
        ("x = 1\nexec('y = 2')", 2, "fungsi 'exec' tidak diizinkan", "function 'exec' is not allowed"),
        ("x = 1\ny = getattr(x, 'real')", 2, "fungsi 'getattr' tidak diizinkan", "function 'getattr' is not allowed"),
        ("x = 1\ny = globals()['x']", 2, "fungsi 'globals' tidak diizinkan", "use variable(\"name\", default)"),
        ("x = {}\ny = x._data", 2, "akses atribut _data tidak diizinkan (nama yang diawali _",
         "access to attribute _data is not allowed (names starting with _"),
        ("x = 1\nf = lambda: 0\ng = f.__globals__", 3, "akses atribut __globals__ tidak diizinkan",
         "access to attribute __globals__ is not allowed"),
        ("x = 1\ng = (i for i in [1])\nf = g.gi_frame", 3, "ditolak sandbox: nama 'gi_frame' terlarang",
         "refused by the sandbox: \"gi_frame\" is a restricted name"),
        ("x = [1]\nx[0] += 1", 2, "penugasan gabungan", "Augmented assignment of object items"),
    ],
)
def test_refused_at_check_time_with_element_line_and_reason(script, line, reason_id, reason_en):
    found = problems(script)
    assert found, script
    element, at, message_id, message_en = found[0]
    assert (element, at) == ("Skrip_uji", line)
    assert message_id.startswith(f"skrip baris {line}") and reason_id in message_id
    assert message_en.startswith(f"script line {line}") and reason_en in message_en


def test_what_designers_write_passes():
    script = ("batas = variable('batas', 3)\nhitung = 0\nfor i, x in enumerate([1, 2]):\n    hitung += x\n"
              "data = {'a': [1]}\ndata['a'].append(2)\ndata['b'] = f'{hitung:03d}'\n"
              "(a, b) = (1, 2)\nnama = ' '.join(sorted(str(v) for v in data))\nset_status('Selesai')")
    assert problems(script) == []


def env_run(script: str, data: dict) -> dict:
    SandboxEnvironment().execute(script, data, {"set_status": lambda *a: None})
    return data


def test_run_time_keeps_the_data_and_drops_the_guards():
    data = env_run("batas = variable('batas', 3) + variable('ada')\nxs = [1]\nxs[0] = xs[0] + 1\nt = 0\n"
                   "for a, b in [(1, 2)]:\n    t += a + b\nkata = ', '.join(['a', 'b'])", {"ada": 4})
    assert data == {"ada": 4, "batas": 7, "xs": [2], "t": 3, "a": 1, "b": 2, "kata": "a, b"}
    assert SandboxEnvironment().evaluate("variable('x', 'PT1H') if ada else 'P1D'", {"ada": 1}) == "PT1H"


@pytest.mark.parametrize(
    ("script", "refused"),
    [
        # Each passes the deploy check: the forbidden part is built while the case runs.
        ("x = '{0.__class__}'.format(1)", "format"),
        ("k = '_' * 2 + 'class__'\nd = {k: 1}\ny = d[k]", "'__class__'"),
        ("n = '_' + 'rahasia'\ny = variable(n)", "_rahasia"),
        ("s = 'x'\nt = s.format_map({})", "format_map"),
    ],
)
def test_refused_at_run_time(script, refused):
    assert problems(script) == []
    with pytest.raises(ScriptRefused) as caught:
        env_run(script, {})
    assert refused in str(caught.value) and "Nothing was saved" in str(caught.value)


def test_one_list_of_builtins_for_check_and_run():
    safe = SandboxEnvironment().globals["__builtins__"]
    assert ALLOWED_BUILTINS <= set(safe)
    assert not ALLOWED_BUILTINS & set(FORBIDDEN_BUILTINS)
    # Code that skipped the check (stored before the sandbox) meets the same refusals when it runs.
    for expression in ("__import__('os')", "open('/etc/passwd')", "getattr(1, 'real')", "globals()"):
        with pytest.raises(ScriptRefused):
            SandboxEnvironment().evaluate(expression, {})
    with pytest.raises(ScriptRefused):
        env_run("import os", {})


def test_a_process_variable_cannot_replace_a_guard():
    with pytest.raises(ScriptRefused):
        SandboxEnvironment().evaluate("'{0.__class__}'.format(1)", {"_getattr_": getattr})
    # A script refuses to run at all on such data (SpiffWorkflow's check for variables hiding functions).
    with pytest.raises(ValueError, match="_getattr_"):
        env_run("x = '{0.__class__}'.format(1)", {"_getattr_": getattr})


def test_parse_check_answers_as_ast_parse_each_time() -> None:
    # A DMN table asks the script engine whether each cell parses, at every evaluation; the answer is kept per
    # text, and a text that does not parse raises a new SyntaxError of the same kind each time.
    import ast

    from workflows.scripting import CaseScriptEngine, ScriptContext

    engine = CaseScriptEngine(ScriptContext(session=None, case=None, actor="uji"))
    for text in ["kategori == 'pengemis'", "'pengemis'", "< 5", "v < 5", "if", "\tx", "a ="]:
        try:
            ast.parse(text)
            expected = None
        except SyntaxError as exc:
            expected = exc
        raised = []
        for _ in range(2):
            try:
                engine.validate(text)
            except SyntaxError as exc:
                raised.append(exc)
        if expected is None:
            assert raised == []
        else:
            assert [type(e) for e in raised] == [type(expected)] * 2
            assert [e.args for e in raised] == [expected.args] * 2
            assert raised[0] is not raised[1]
