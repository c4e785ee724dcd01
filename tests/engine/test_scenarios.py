"""Scenario tests stored in packages (workflows.scenarios): every shipped package's scenarios pass;
a wrong answer, a wrong expectation and a broken scenario file each fail where and why."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT
from tests.packages import bundled
from workflows.db import Case
from workflows.errors import DeployError
from workflows.packages import PackageFiles, bundled_codes, deploy_package
from workflows.packages.checks import check_package
from workflows.scenarios import ScenarioResult, run_scenarios

START = {
    "data": {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
             "kode_wilayah": "91.71.01.1001"},
    "region": "91.71.01.1001",
}


def with_scenario(name: str, scenario: dict | bytes, code: str = "pengaduan") -> PackageFiles:
    package = bundled(code)
    files = {p: d for p, d in package.files.items() if "/tests/" not in p}
    files[f"bpmn/{code}/tests/{name}"] = scenario if isinstance(scenario, bytes) else json.dumps(scenario).encode()
    return PackageFiles(code, files)


@pytest.mark.parametrize("code", bundled_codes(ROOT))
def test_every_shipped_package_passes_its_scenarios(code):
    results = run_scenarios(bundled(code))
    assert results, f"bpmn/{code}/tests/ has no scenario"
    for result in results:
        assert isinstance(result, ScenarioResult)
        assert result.passed, (result.file, result.failed_element_id, result.message_en, result.steps[-1:])
        assert result.end_status and result.path and all(step["ok"] for step in result.steps)


def test_a_passing_scenario_reports_its_path_with_sequence_flows():
    results = {r.file: r for r in run_scenarios(bundled("pengaduan"))}
    result = results["bpmn/pengaduan/tests/jalur_utama_eskalasi.json"]
    assert result.passed
    assert result.name.startswith("Pengaduan valid")
    assert result.name_en.startswith("Valid complaint")
    assert result.path[:5] == ["start_pengaduan", "f_start", "atur_sla", "f_sla", "verifikasi"]
    assert "timer_sla_lapangan" in result.path and result.path[-1] == "end_selesai"
    assert result.end_status == "Selesai" and result.failed_element_id is None
    assert result.steps[0]["name"] == "mulai / start"
    assert {"element_id": "verifikasi", "name": "Verifikasi Pengaduan", "ok": True} .items() <= result.steps[2].items()


def test_a_gateway_with_no_way_out_is_named_as_the_failing_element():
    from tests.packages import changed

    end = b"</bpmn:conditionExpression>"
    package = changed(bundled("pengaduan"), "bpmn/pengaduan/pengaduan.bpmn",
                      b'keputusan == "valid"' + end, b'keputusan == "sah"' + end)
    results = {r.file: r for r in run_scenarios(package)}
    result = results["bpmn/pengaduan/tests/jalur_utama_eskalasi.json"]
    assert not result.passed and result.failed_element_id == "gw_hasil_verifikasi"
    assert result.message_id.startswith("Sesudah tugas 'Verifikasi Pengaduan', langkah gw_hasil_verifikasi gagal")
    assert result.message_en.startswith("After task 'Verifikasi Pengaduan', step gw_hasil_verifikasi failed")
    assert "(A process step" not in result.message_id  # the engine's reason once, not the whole nested message


def test_a_wrong_answer_fails_at_its_task_with_the_field_errors():
    scenario = {"name": {"id": "Jawaban salah", "en": "Wrong answer"}, "start": START,
                "steps": [{"complete": "verifikasi", "answers": {"keputusan": "mungkin"}},
                          {"complete": "tindak_lanjut_lapangan", "answers": {}}]}
    [result] = run_scenarios(with_scenario("salah.json", scenario))
    assert not result.passed and result.failed_element_id == "verifikasi"
    assert result.message_id.startswith("Formulir 'Verifikasi Pengaduan' ditolak: keputusan:")
    assert result.message_en.startswith("Form 'Verifikasi Pengaduan' refused: keputusan:")
    assert [s["ok"] for s in result.steps] == [True, False]  # the scenario stopped at the failing step
    assert result.steps[-1]["element_id"] == "verifikasi" and result.end_status == "Verifikasi"


def test_a_task_not_waiting_an_unexpected_status_and_a_path_mismatch_are_named():
    base = {"name": {"id": "x", "en": "x"}, "start": START}
    not_waiting = base | {"steps": [{"complete": "tinjau_eskalasi", "answers": {"arahan": "x"}}]}
    reject = [{"complete": "verifikasi", "answers": {"keputusan": "tidak_valid", "alasan": "Bukan PMKS"}}]
    status = base | {"steps": reject, "end": {"status": "Selesai"}}
    path = base | {"steps": reject, "path": {"in_order": ["verifikasi", "f_valid", "tentukan_bidang"]}}
    package = with_scenario("a.json", not_waiting)
    package.files["bpmn/pengaduan/tests/b.json"] = json.dumps(status).encode()
    package.files["bpmn/pengaduan/tests/c.json"] = json.dumps(path).encode()
    first, second, third = run_scenarios(package)
    assert first.failed_element_id == "tinjau_eskalasi"
    assert first.message_en == "Task 'tinjau_eskalasi' is not waiting; waiting: verifikasi"
    assert "tidak sedang menunggu" in first.message_id
    assert second.message_en == "Not as expected (status): expected 'Selesai', got 'Ditolak'"
    assert second.end_status == "Ditolak"
    assert third.failed_element_id == "f_valid"
    assert third.message_en.startswith("Path mismatch: 'f_valid' was not taken")
    assert "f_tidak_valid" in third.path


def test_a_broken_scenario_file_is_listed_at_check_and_deploy_with_file_and_path(session):
    broken = {"name": {"id": "Rusak", "en": "Broken"}, "start": START,
              "steps": [{"complete": "verifikasi", "fire_timer": "x"}, {"expect": {"stat": "Selesai"}},
                        {"complete": "tidak_ada_di_diagram"}]}
    package = with_scenario("rusak.json", broken)
    package.files["bpmn/pengaduan/tests/bukan_json.json"] = b"{nama: 1"
    problems = [(p.file, p.element_id) for p in check_package(package).problems]
    assert ("bpmn/pengaduan/tests/rusak.json", "/steps/0") in problems
    assert ("bpmn/pengaduan/tests/rusak.json", "/steps/1/expect") in problems
    assert ("bpmn/pengaduan/tests/bukan_json.json", "-") in problems
    valid_shape = with_scenario("salah_elemen.json", broken | {"steps": [{"complete": "tidak_ada_di_diagram"}]})
    [problem] = check_package(valid_shape).problems
    assert (problem.file, problem.element_id) == ("bpmn/pengaduan/tests/salah_elemen.json", "/steps/0/complete")
    assert problem.message_en == "element 'tidak_ada_di_diagram' is not in this package's diagrams"
    cases_before = session.scalar(select(func.count()).select_from(Case))
    with pytest.raises(DeployError) as caught:
        deploy_package(session, package)
    assert "rusak.json" in str(caught.value)
    results = run_scenarios(package)
    assert [r.passed for r in results] == [False, False]
    assert "rusak.json · /steps/0" in results[1].message_en or "bukan_json.json" in results[0].message_en
    assert session.scalar(select(func.count()).select_from(Case)) == cases_before  # nothing in the real database


def test_no_scenarios_no_results():
    package = bundled("pengaduan")
    files = {p: d for p, d in package.files.items() if "/tests/" not in p}
    assert run_scenarios(PackageFiles("pengaduan", files)) == []


def test_messages_and_a_timer_on_an_event_based_gateway():
    from tests.packages import descriptor
    from tests.packages import package as make_package

    code = "uji_gerbang_skenario"
    bpmn = (ROOT / "tests" / "data" / "asing" / "gerbang_timer.bpmn").read_bytes()
    package = make_package(code, {"gerbang_timer.bpmn": bpmn},
                           descriptor(code, "gerbang_timer", {"Operator Dinsos": "office"}))
    base = {"name": {"id": "Gerbang", "en": "Gateway"}, "start": {"data": {}, "region": "91.71.01.1001"}}
    message = base | {"steps": [
        {"expect": {"messages": ["jawaban_warga"], "timers": ["Dua detik"], "waiting": []}},
        {"message": "jawaban_warga", "payload": {"isi_pesan": "Anak sudah pulang"}},
    ], "path": {"in_order": ["gw", "tunggu_pesan", "selesai"], "excludes": ["tindak"]},
        "end": {"completed": True, "variables": {"isi_pesan": "Anak sudah pulang"}}}
    timer = base | {"steps": [{"fire_timer": "Dua detik"}, {"expect": {"waiting": ["Tindak lanjut"], "messages": []}},
                              {"complete": "tindak"}],
                    "path": {"in_order": ["gw", "tunggu_timer", "tindak", "selesai"]}, "end": {"completed": True}}
    wrong = base | {"steps": [{"message": "salah"}]}
    package.files["bpmn/uji_gerbang_skenario/tests/pesan.json"] = json.dumps(message).encode()
    package.files["bpmn/uji_gerbang_skenario/tests/timer.json"] = json.dumps(timer).encode()
    package.files["bpmn/uji_gerbang_skenario/tests/salah.json"] = json.dumps(wrong).encode()
    by_file = {r.file.rsplit("/", 1)[1]: r for r in run_scenarios(package)}
    assert by_file["pesan.json"].passed, by_file["pesan.json"].message_en
    assert by_file["timer.json"].passed, by_file["timer.json"].message_en
    failed = by_file["salah.json"]
    assert not failed.passed and failed.message_en.startswith("Message 'salah' could not be delivered")
    assert "yang ditunggu: jawaban_warga" in failed.message_id


def test_an_answer_of_the_wrong_type_is_a_form_refusal_and_an_unexpected_error_is_reported_not_raised():
    scenario = {"name": {"id": "Aneh", "en": "Odd"}, "start": START,
                "steps": [{"complete": "verifikasi", "answers": {"keputusan": ["valid"]}}]}
    [result] = run_scenarios(with_scenario("aneh.json", scenario))
    assert not result.passed and result.steps[-1]["ok"] is False
    assert result.failed_element_id == "verifikasi" and "keputusan" in result.message_en
    # A priority no database column holds: the error surfaces as the scenario's failure, with its kind.
    huge = {"name": {"id": "Besar", "en": "Huge"}, "start": START | {"priority": 10**30}, "steps": []}
    [result] = run_scenarios(with_scenario("besar.json", huge))
    assert not result.passed and result.message_en.startswith("Unexpected error: OverflowError")
    assert result.message_id.startswith("Kesalahan tak terduga: OverflowError")


def test_concurrent_runs_keep_their_files_to_themselves_and_out_of_the_office_storage(tmp_path, monkeypatch):
    # A run once set (and then removed) the process-wide storage roots: two tries at once in one web
    # process could pull the folder from under each other, and runs wrote into the office's storage.
    from concurrent.futures import ThreadPoolExecutor

    from workflows import documents, issued_letters, storage

    office = tmp_path / "office"
    monkeypatch.setitem(storage.SETTINGS.roots, documents.AREA, office)
    monkeypatch.setitem(storage.SETTINGS.roots, issued_letters.AREA, office)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: run_scenarios(bundled("pbi_jkn")), range(2)))
    for results in outcomes:
        assert results and all(r.passed for r in results), [(r.file, r.message_en) for r in results if not r.passed]
    assert not office.exists()  # not a file, not a folder in the office's storage
    assert storage.SETTINGS.roots[documents.AREA] == office  # the settings were never touched


def test_scenario_format_errors_are_said_in_indonesian_too():
    # The designer reads the workbench in Indonesian: jsonschema's English alone was all they got.
    missing = {"name": {"id": "Tanpa mulai", "en": "No start"}, "steps": [{"complete": "verifikasi"}]}
    problems = {p.element_id: p for p in check_package(with_scenario("tanpa_mulai.json", missing)).problems}
    problem = problems["/"]
    assert problem.message_id.startswith("isian 'start' wajib diisi")
    assert problem.message_en == "'start' is a required property"
