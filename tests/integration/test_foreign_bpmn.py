"""Diagrams drawn elsewhere (tests/data/asing/): what SpiffWorkflow runs, LIGAT runs, through its
inbox and scheduler, to the same end as SpiffWorkflow alone in memory; what cannot run is refused
with a message that names the element and says what to do."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from tests.conftest import ROOT
from tests.packages import descriptor, package
from workflows import cases
from workflows.db import Case, InboxTask, utcnow
from workflows.errors import DeployError
from workflows.packages import deploy_package
from workflows.principal import HEAD_OF_OFFICE, OPERATOR, Principal
from workflows.timers import wake_due_timers

DATA = ROOT / "tests" / "data" / "asing"
VILLAGE = "91.71.01.1001"
PEOPLE = {OPERATOR: Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),)),
          HEAD_OF_OFFICE: Principal("kadis", frozenset({HEAD_OF_OFFICE}), scopes=((HEAD_OF_OFFICE, "office"),))}


def alone(name: str, process: str, camunda: bool = False) -> list[str]:
    """SpiffWorkflow by itself: run every ready human task in order; the ids of the tasks done."""
    parser = CamundaParser() if camunda else SpiffBpmnParser()
    parser.add_bpmn_xml(etree.parse(str(DATA / name)).getroot(), filename=name)
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process))
    done = []
    workflow.do_engine_steps()
    while not workflow.completed:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready, "SpiffWorkflow alone is stuck"
        done.append(ready[0].task_spec.bpmn_id)
        ready[0].run()
        workflow.do_engine_steps()
    return done


def through_ligat(session, process: str) -> tuple[Case, list[str]]:
    """The same diagram through LIGAT: each open inbox row completed by a person of its role."""
    case = cases.start_case(session, process, {}, "uji", region_code=VILLAGE)
    done = []
    for _ in range(20):
        session.expire_all()
        row = session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
        if row is None:
            break
        done.append(row.task_name)
        cases.complete_task(session, row.id, PEOPLE[row.role], {})
    session.expire_all()
    return session.get(Case, case.id), done


def deploy_file(session, code: str, name: str, roles: dict[str, str], **extra):
    process = name.removesuffix(".bpmn")
    return deploy_package(session, package(code, {name: (DATA / name).read_bytes()},
                                           descriptor(code, process, roles, **extra)))


def test_a_task_inside_a_subprocess_drawn_in_a_lane_takes_the_lanes_role(db_session):
    deploy_file(db_session, "asing_subproses", "subproses_lane.bpmn", {OPERATOR: "office", HEAD_OF_OFFICE: "office"})
    case, done = through_ligat(db_session, "subproses_lane")
    assert done == alone("subproses_lane.bpmn", "subproses_lane") == ["periksa", "setujui"]
    assert case.completed
    rows = db_session.scalars(select(InboxTask).where(InboxTask.case_id == case.id).order_by(InboxTask.id))
    roles = [r.role for r in rows]
    assert roles == [OPERATOR, HEAD_OF_OFFICE]


def test_a_process_without_is_executable_and_a_plain_task_without_a_lane_run_with_warnings(db_session):
    result = deploy_file(db_session, "asing_tanpa", "tanpa_executable.bpmn", {OPERATOR: "office"},
                         default_role=OPERATOR)
    assert any("tidak ditandai isExecutable" in w for w in result.warnings)
    assert any("Activity_0x1" in w and "peran bawaan 'Operator Dinsos'" in w for w in result.warnings)
    case, done = through_ligat(db_session, "tanpa_executable")
    assert done == alone("tanpa_executable.bpmn", "tanpa_executable") == ["Activity_0x1"] and case.completed


def test_a_task_with_no_lane_and_no_default_role_is_refused(db_session):
    with pytest.raises(DeployError) as caught:
        deploy_file(db_session, "asing_tanpa_peran", "tanpa_executable.bpmn", {OPERATOR: "office"})
    db_session.rollback()
    messages = [str(p) for p in caught.value.problems]
    assert ("tanpa_executable.bpmn · Activity_0x1: tugas tidak berada di lane mana pun: lane menentukan peran yang "
            "mengerjakannya (atau nyatakan default_role di service.json) (the task is in no lane: the lane names the "
            "role that works on it (or declare default_role in service.json))") in messages


def test_camunda_service_tasks_are_refused_with_what_to_do(db_session):
    with pytest.raises(DeployError) as caught:
        deploy_file(db_session, "asing_layanan", "camunda_layanan.bpmn", {OPERATOR: "office"})
    db_session.rollback()
    messages = [str(p) for p in caught.value.problems]
    assert ("camunda_layanan.bpmn · Task_kirim (Kirim ke BPJS): tugas layanan Camunda "
            "(camunda:class=id.go.bpjs.KirimDelegate) tidak dapat dijalankan LIGAT; ganti dengan scriptTask yang "
            "memanggil fungsi LIGAT (lihat README) (Camunda service task (camunda:class=id.go.bpjs.KirimDelegate) "
            "cannot run in LIGAT; use a scriptTask that calls a LIGAT function instead (see the README))") in messages
    assert any(m.startswith("camunda_layanan.bpmn · Task_luar: tugas layanan Camunda (camunda:type=external, "
                            "camunda:topic=arsip)") for m in messages)


def test_a_timer_on_an_event_based_gateway_is_woken_by_the_scheduler(db_session):
    deploy_file(db_session, "asing_gerbang", "gerbang_timer.bpmn", {OPERATOR: "office"})
    case = cases.start_case(db_session, "gerbang_timer", {}, "uji", region_code=VILLAGE)
    waiting = db_session.get(Case, case.id)
    assert waiting.next_timer_at is not None and waiting.next_timer_at <= utcnow() + timedelta(seconds=3)
    time.sleep(2.2)  # the engine judges the timer by the clock itself
    assert wake_due_timers(db_session) >= 1
    db_session.expire_all()
    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    assert row is not None and row.task_name == "tindak"


def test_a_message_delivered_to_a_waiting_case_moves_it_on(db_session):
    from workflows.errors import Forbidden, TaskUnavailable

    deploy_file(db_session, "asing_pesan", "gerbang_pesan.bpmn", {OPERATOR: "office"})  # the timer waits an hour
    case = cases.start_case(db_session, "gerbang_pesan", {}, "uji", region_code=VILLAGE)
    with pytest.raises(TaskUnavailable, match="tidak sedang menunggu pesan 'salah'; yang ditunggu: jawaban_warga"):
        cases.deliver_message(db_session, case.id, "salah", {}, PEOPLE[OPERATOR])
    stranger = Principal("tamu", frozenset({"Auditor"}))
    with pytest.raises(Forbidden):
        cases.deliver_message(db_session, case.id, "jawaban_warga", {}, stranger)
    cases.deliver_message(db_session, case.id, "jawaban_warga", {"isi_pesan": "Anak sudah pulang"}, PEOPLE[OPERATOR])
    db_session.expire_all()
    done = db_session.get(Case, case.id)
    assert done.completed and done.next_timer_at is None
    assert cases.case_data(done)["isi_pesan"] == "Anak sudah pulang"


def test_messages_from_the_case_page_and_the_api(app, client, login_as, db_session):
    from tests.conftest import csrf_token
    from tests.integration.test_work_api import token_for

    deploy_file(db_session, "asing_pesan", "gerbang_pesan.bpmn", {OPERATOR: "office"})
    first = cases.start_case(db_session, "gerbang_pesan", {}, "uji", region_code=VILLAGE)
    second = cases.start_case(db_session, "gerbang_pesan", {}, "uji", region_code=VILLAGE)
    operator = login_as("operator")
    page = operator.get(f"/kasus/{first.id}").get_data(as_text=True)
    assert 'id="case-messages"' in page and '<option value="jawaban_warga">' in page
    assert 'id="case-messages"' not in login_as("auditor").get(f"/kasus/{first.id}").get_data(as_text=True)
    response = operator.post(f"/kasus/{first.id}/pesan", data={
        "csrf_token": csrf_token(operator, f"/kasus/{first.id}"), "pesan": "jawaban_warga",
        "isi": "Dijawab lewat telepon"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, first.id).completed
    assert cases.case_data(db_session.get(Case, first.id))["pengirim"] == "operator"

    headers = token_for(client, "operator")
    bad = client.post(f"/api/v1/cases/{second.id}/messages", headers=headers, json={"name": "lain"})
    assert bad.status_code == 409 and "yang ditunggu: jawaban_warga" in bad.get_json()["message"]
    assert client.post(f"/api/v1/cases/{second.id}/messages", headers=headers, json=["x"]).status_code == 400
    auditor = token_for(client, "auditor")
    assert client.post(f"/api/v1/cases/{second.id}/messages", headers=auditor,
                       json={"name": "jawaban_warga"}).status_code == 403
    ok = client.post(f"/api/v1/cases/{second.id}/messages", headers=headers,
                     json={"name": "jawaban_warga", "data": {"isi_pesan": "Lewat aplikasi mitra"}})
    assert ok.status_code == 200 and ok.get_json()["result"]["completed"] is True


def test_a_camunda_generated_form_becomes_a_checked_form(db_session, login_as):
    from tests.conftest import csrf_token

    result = deploy_file(db_session, "asing_formdata", "camunda_formdata.bpmn", {OPERATOR: "office"})
    assert result.created or result.package.version >= 1
    case = cases.start_case(db_session, "camunda_formdata", {}, "uji", region_code=VILLAGE)
    row = db_session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    assert row.form == "camunda_activity_survei.schema.json" and row.role == OPERATOR
    operator = login_as("operator")
    page = operator.get(f"/inbox/{row.id}").get_data(as_text=True)
    for label in ("Nama kepala keluarga", "Jumlah jiwa", "Rumah layak huni", "Tanggal survei", "Daun rumbia"):
        assert label in page, label
    token = csrf_token(operator, f"/inbox/{row.id}")
    missing = operator.post(f"/inbox/{row.id}", data={"csrf_token": token, "jumlah_jiwa": "4"})
    assert missing.status_code == 422 and "Wajib diisi" in missing.get_data(as_text=True)
    done = operator.post(f"/inbox/{row.id}", data={"csrf_token": token, "nama_kepala_keluarga": "Yosias Wenda",
                                                   "jumlah_jiwa": "4", "rumah_layak": "true", "atap": "rumbia",
                                                   "tanggal_survei": "2026-11-20"})
    assert done.status_code == 302
    db_session.expire_all()
    finished = db_session.get(Case, case.id)
    data = cases.case_data(finished)
    assert finished.completed and data["jumlah_jiwa"] == 4 and data["rumah_layak"] is True and data["atap"] == "rumbia"


def _open_row(session, case_id: int) -> InboxTask | None:
    session.expire_all()
    return session.scalar(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open"))


def _inbox_ids(session, person: Principal) -> set[int]:
    from workflows.inbox import inbox

    return {row.id for row in inbox(session, person)}


def _sees(session, person: Principal, case_id: int) -> bool:
    from workflows.visibility import can_view_case, case_list_query

    case = session.get(Case, case_id)
    listed = case_id in set(session.scalars(case_list_query(session, person).with_only_columns(Case.id)))
    assert listed == can_view_case(person, case), "the case list and the case page disagree"
    return listed


def test_camunda_candidate_groups_users_and_assignees_reach_each_named_inbox(db_session):
    from workflows.errors import Forbidden, TaskUnavailable
    from workflows.principal import HEAD_OF_BIDANG

    deploy_file(db_session, "asing_penugasan", "camunda_penugasan.bpmn",
                {OPERATOR: "office", HEAD_OF_BIDANG: "bidang", HEAD_OF_OFFICE: "office"})
    operator = PEOPLE[OPERATOR]
    kabid = Principal("kabid.uji", frozenset({HEAD_OF_BIDANG}), bidang="rehsos", scopes=((HEAD_OF_BIDANG, "bidang"),))
    other_kabid = Principal("kabid.lain", frozenset({HEAD_OF_BIDANG}), bidang="linjamsos",
                            scopes=((HEAD_OF_BIDANG, "bidang"),))
    pendamping = Principal("pendamping.uji", frozenset({"Pendamping PKH"}))  # no role of this package
    relawan = Principal("relawan.uji", frozenset({"Relawan"}))
    starter = Principal("petugas.kel", frozenset({"Petugas Kelurahan"}))
    kadis = PEOPLE[HEAD_OF_OFFICE]
    named_kadis = Principal("kadis.uji", frozenset({HEAD_OF_OFFICE}), scopes=((HEAD_OF_OFFICE, "office"),))
    case = cases.start_case(db_session, "camunda_penugasan", {"bidang": "rehsos", "pendamping": "relawan.uji"},
                            "petugas.kel", region_code=VILLAGE)
    done = []

    # candidateGroups: every group finds it (each within its own scope); whoever claims it takes it.
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    assert row.task_name == "Task_verifikasi" and row.role == OPERATOR
    assert row.id in _inbox_ids(db_session, operator) and row.id in _inbox_ids(db_session, kabid)
    assert row.id not in _inbox_ids(db_session, other_kabid) and row.id not in _inbox_ids(db_session, pendamping)
    cases.claim_task(db_session, row.id, kabid)
    with pytest.raises(TaskUnavailable, match="sedang dikerjakan oleh kabid.uji"):
        cases.complete_task(db_session, row.id, operator, {})
    with pytest.raises(Forbidden):
        cases.complete_task(db_session, row.id, other_kabid, {})
    cases.complete_task(db_session, row.id, kabid, {})

    # candidateUsers, written and from a variable: they see the task and the case without a role of the package.
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    assert row.task_name == "Task_kunjungan" and row.role == "" and row.assignee is None
    assert sorted(c.username for c in row.candidates) == ["pendamping.uji", "relawan.uji"]
    assert row.id in _inbox_ids(db_session, pendamping) and row.id in _inbox_ids(db_session, relawan)
    assert row.id not in _inbox_ids(db_session, operator)
    assert _sees(db_session, pendamping, case.id) and not _sees(db_session, starter, case.id)
    with pytest.raises(Forbidden):
        cases.complete_task(db_session, row.id, operator, {})
    cases.complete_task(db_session, row.id, relawan, {})
    assert not _sees(db_session, pendamping, case.id), "a named user sees the case only while the task is open"

    # camunda:assignee="${pengaju}" with camunda:initiator="pengaju": the officer who started the case.
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    assert row.task_name == "Task_lengkapi" and row.assignee == "petugas.kel"
    assert _inbox_ids(db_session, starter) == {row.id} and _sees(db_session, starter, case.id)
    cases.complete_task(db_session, row.id, starter, {})

    # A fixed assignee: only that person, even among the holders of the task's role.
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    assert row.task_name == "Task_setujui" and row.assignee == "kadis.uji" and row.role == HEAD_OF_OFFICE
    assert row.id not in _inbox_ids(db_session, kadis) and row.id in _inbox_ids(db_session, named_kadis)
    with pytest.raises(Forbidden, match=r"ditujukan kepada kadis.uji. \(This task is assigned to someone else.\)"):
        cases.complete_task(db_session, row.id, kadis, {})
    cases.complete_task(db_session, row.id, named_kadis, {})

    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    assert done == alone("camunda_penugasan.bpmn", "camunda_penugasan", camunda=True)


def test_standard_potential_owner_and_human_performer_in_the_spiff_dialect(db_session):
    from workflows.errors import Forbidden
    from workflows.principal import HEAD_OF_BIDANG

    deploy_file(db_session, "asing_spenugasan", "spiff_penugasan.bpmn",
                {OPERATOR: "office", HEAD_OF_BIDANG: "bidang"})
    kabid = Principal("kabid.uji", frozenset({HEAD_OF_BIDANG}), bidang="rehsos", scopes=((HEAD_OF_BIDANG, "bidang"),))
    pendamping = Principal("pendamping.uji", frozenset({"Pendamping PKH"}))
    case = cases.start_case(db_session, "spiff_penugasan", {"wilayah": "Gurabesi"}, "uji", region_code=VILLAGE)
    done = []
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    # The lane names the role; potentialOwner adds a role (group) and a person (user).
    assert row.role == OPERATOR and [c.role for c in row.candidates if c.role] == [HEAD_OF_BIDANG]
    assert row.id in _inbox_ids(db_session, PEOPLE[OPERATOR]) and row.id in _inbox_ids(db_session, pendamping)
    assert row.id not in _inbox_ids(db_session, kabid)  # the case has no bidang: a bidang-scoped role sees nothing
    cases.complete_task(db_session, row.id, pendamping, {})
    row = _open_row(db_session, case.id)
    done.append(row.task_name)
    # humanPerformer: a Python expression on the task's data.
    assert row.task_name == "tindak" and row.assignee == "petugas.gurabesi" and row.role == ""
    with pytest.raises(Forbidden):  # an account without any role is never reached by a name (fail closed)
        cases.complete_task(db_session, row.id, Principal("petugas.gurabesi", frozenset()), {})
    cases.complete_task(db_session, row.id, Principal("petugas.gurabesi", frozenset({"Petugas Kelurahan"})), {})
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    assert done == alone("spiff_penugasan.bpmn", "spiff_penugasan")


def test_a_candidate_group_that_the_package_does_not_declare_is_refused(db_session):
    with pytest.raises(DeployError) as caught:
        deploy_file(db_session, "asing_penugasan_salah", "camunda_penugasan.bpmn", {OPERATOR: "office"})
    db_session.rollback()
    messages = [str(p) for p in caught.value.problems]
    assert ("camunda_penugasan.bpmn · Task_verifikasi (Verifikasi berkas): lane/peran 'Kepala Bidang' tidak "
            "dinyatakan di service.json (roles) (lane/role 'Kepala Bidang' is not declared in service.json (roles))"
            ) in messages


def alone_with(name: str, process: str, start: dict, answers: dict[str, dict], camunda: bool = False) -> list[str]:
    """SpiffWorkflow by itself with start data and each task's answers (what a person types in its form)."""
    parser = CamundaParser() if camunda else SpiffBpmnParser()
    parser.add_bpmn_xml(etree.parse(str(DATA / name)).getroot(), filename=name)
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process))
    workflow.data.update(start)
    workflow.task_tree.data.update(start)
    done = []
    workflow.do_engine_steps()
    while not workflow.completed:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready, "SpiffWorkflow alone is stuck"
        task = ready[0]
        done.append(task.task_spec.bpmn_id)
        task.data.update(answers.get(task.task_spec.bpmn_id, {}))
        task.run()
        workflow.do_engine_steps()
    return done


UNSET = ("membaca variabel '{0}' yang tidak diisi formulir, data awal, skrip, tabel DMN, pesan atau objek data mana "
         "pun; kasus akan gagal di sini bila variabel itu tidak ada (reads variable '{0}' that no form, start data, "
         "script, DMN table, message or data object sets; a case fails here when it is missing)")


def test_a_variable_nothing_sets_is_a_warning_at_deploy_spiff_dialect(db_session):
    from workflows.errors import ProcessError

    result = deploy_file(db_session, "asing_variabel", "spiff_variabel.bpmn", {OPERATOR: "office"})
    unset = sorted(w for w in result.warnings if "membaca variabel" in w)
    # `skor` and `x` are set by the script itself; the condition is reported on its gateway (no name: its id).
    assert unset == [
        "spiff_variabel.bpmn · Gateway_1: syarat alur layak_ya " + UNSET.format("layak").replace(
            "(reads", "(the condition of flow layak_ya reads"),
        "spiff_variabel.bpmn · hitung (Hitung skor): " + UNSET.format("keterangan"),
    ]
    # Deployed all the same; a case without `layak` stops at the gateway, named by its id, nothing saved.
    case = cases.start_case(db_session, "spiff_variabel", {"keterangan": " poin"}, "uji", region_code=VILLAGE)
    row = _open_row(db_session, case.id)
    with pytest.raises(ProcessError) as caught:
        cases.complete_task(db_session, row.id, PEOPLE[OPERATOR], {})
    message = str(caught.value)
    assert message.startswith("Langkah proses gagal di Gateway_1: ") and "'?'" not in message
    assert message.endswith("Variabel 'layak' belum diisi. Tidak ada yang disimpan; hubungi perancang proses. "
                            "(A process step failed at Gateway_1. Variable 'layak' is not set. Nothing was saved.)")
    assert _open_row(db_session, case.id).id == row.id
    with pytest.raises(Exception, match="layak"):
        alone_with("spiff_variabel.bpmn", "spiff_variabel", {"keterangan": " poin"}, {})
    # With `layak` given, LIGAT and SpiffWorkflow alone take the same path to the end.
    start = {"keterangan": " poin", "layak": True}
    case = cases.start_case(db_session, "spiff_variabel", start, "uji", region_code=VILLAGE)
    row = _open_row(db_session, case.id)
    cases.complete_task(db_session, row.id, PEOPLE[OPERATOR], {})
    db_session.expire_all()
    finished = db_session.get(Case, case.id)
    assert finished.completed and cases.case_data(finished)["catatan"] == "3 poin"
    assert alone_with("spiff_variabel.bpmn", "spiff_variabel", start, {}) == ["periksa"]


def test_a_variable_nothing_sets_is_a_warning_at_deploy_camunda_dialect(db_session):
    result = deploy_file(db_session, "asing_cvariabel", "camunda_variabel.bpmn", {OPERATOR: "office"})
    unset = sorted(w for w in result.warnings if "membaca variabel" in w)
    # `layak` comes from the generated form; `status_bantuan` from nowhere the package shows (both conditions).
    assert unset == [
        f"camunda_variabel.bpmn · Gateway_0k1 (Layak?): syarat alur {flow} "
        + UNSET.format("status_bantuan").replace("(reads", f"(the condition of flow {flow} reads")
        for flow in ("tidak", "ya")
    ]
    start = {"status_bantuan": "baru"}
    case = cases.start_case(db_session, "camunda_variabel", start, "uji", region_code=VILLAGE)
    done = []
    while (row := _open_row(db_session, case.id)) is not None:
        done.append(row.task_name)
        cases.complete_task(db_session, row.id, PEOPLE[OPERATOR], {"layak": "true"} if row.form else {})
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    assert done == alone_with("camunda_variabel.bpmn", "camunda_variabel", start, {"Task_nilai": {"layak": True}},
                              camunda=True) == ["Task_nilai", "Task_salurkan"]


def alone_script(name: str, process: str, steps: list, camunda: bool = False) -> tuple[list[str], bool]:
    """SpiffWorkflow by itself driven by a script: ("pesan", name, payload) sends a message as LIGAT does
    (with the correlation values the waiting event computes from the payload); "tugas" runs the first ready
    human task. Returns the human tasks run, in order, and whether the workflow completed."""
    from SpiffWorkflow.bpmn.util.event import BpmnEvent

    parser = CamundaParser() if camunda else SpiffBpmnParser()
    parser.add_bpmn_xml(etree.parse(str(DATA / name)).getroot(), filename=name)
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process))
    workflow.do_engine_steps()
    done = []
    for step in steps:
        if step == "tugas":
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            done.append(task.task_spec.bpmn_id)
            task.run()
        else:
            _, message, payload = step
            waiting = next(t for t in workflow.get_tasks(state=TaskState.WAITING)
                           if getattr(t.task_spec.event_definition, "name", None) == message)
            definition = waiting.task_spec.event_definition
            sent = {**payload, "payload": payload, "result_var": None} if camunda else payload  # Camunda's shape
            workflow.send_event(BpmnEvent(definition, sent, definition.get_correlations(waiting, payload)))
        workflow.do_engine_steps()
    return done, workflow.completed


def _correlate(session, name, data, person, **kwargs):
    from workflows.messages import correlate_message

    return correlate_message(session, name, data, person, **kwargs)


def _run_open_tasks(session, case_id: int, person: Principal) -> list[str]:
    done = []
    while (row := _open_row(session, case_id)) is not None:
        done.append(row.task_name)
        cases.complete_task(session, row.id, person, {})
    return done


def test_messages_start_cases_and_find_them_by_correlation_spiff_dialect(db_session):
    from workflows.db import MessageWait
    from workflows.errors import Forbidden, NotFound

    deploy_file(db_session, "asing_pesan_spiff", "spiff_pesan.bpmn", {OPERATOR: "office"},
                message_start_roles=[OPERATOR])
    operator = PEOPLE[OPERATOR]
    nik, other = "9171014101900001", "9171014101900002"
    with pytest.raises(Forbidden) as refused:
        _correlate(db_session, "laporan_mitra", {}, PEOPLE[HEAD_OF_OFFICE], correlation={"nik": nik})
    assert str(refused.value) == ("Anda tidak dapat memulai kasus dengan pesan 'laporan_mitra'. "
                                  "(You may not start a case with message 'laporan_mitra'.)")
    # A message start event: no case waits for `laporan_mitra`, so it starts one with the payload.
    first = _correlate(db_session, "laporan_mitra", {"isi": "Lansia terlantar"}, operator, correlation={"nik": nik},
                       region_code=VILLAGE)
    second = _correlate(db_session, "laporan_mitra", {"isi": "Anak jalanan"}, operator, correlation={"nik": other},
                        region_code=VILLAGE)
    assert first.started and second.started and first.case.id != second.case.id
    assert cases.case_data(db_session.get(Case, first.case.id))["isi"] == "Lansia terlantar"
    # Intermediate catch event, found by its correlation value only (the NIK is never in a URL).
    assert _run_open_tasks(db_session, first.case.id, operator) == ["verifikasi"]
    waits = db_session.scalars(select(MessageWait).where(MessageWait.case_id == first.case.id)).all()
    assert [(w.message, w.prop, w.value) for w in waits] == [("hasil_mitra", "nik", nik)]
    with pytest.raises(NotFound) as missing:
        _correlate(db_session, "hasil_mitra", {}, operator, correlation={"nik": "9171014101900009"})
    assert str(missing.value) == ("Tidak ada kasus yang menunggu pesan 'hasil_mitra' dan tidak ada proses yang "
                                  "dimulai olehnya. (No case waits for message 'hasil_mitra' and no process starts "
                                  "on it.)")
    delivered = _correlate(db_session, "hasil_mitra", {"hasil": "diterima"}, operator, correlation={"nik": nik})
    db_session.expire_all()
    finished = db_session.get(Case, first.case.id)
    assert not delivered.started and finished.completed and cases.case_data(finished)["hasil"] == "diterima"
    assert db_session.scalars(select(MessageWait).where(MessageWait.case_id == first.case.id)).all() == []
    assert alone_script("spiff_pesan.bpmn", "spiff_pesan", [("pesan", "laporan_mitra", {"nik": nik}), "tugas",
                                                           ("pesan", "hasil_mitra", {"nik": nik})]) == (
        ["verifikasi"], True)
    # A boundary message event, by case reference: the open task is cancelled and the case ends there.
    reference = db_session.get(Case, second.case.id).reference
    # Someone who may not see the case learns nothing of it: the same answer as a reference that does not exist.
    stranger = Principal("orang.lain", frozenset({"peran_lain"}), scopes=(("peran_lain", "office"),))
    with pytest.raises(NotFound):
        _correlate(db_session, "batal_mitra", {}, stranger, reference=reference)
    _correlate(db_session, "batal_mitra", {"alasan": "ditarik mitra"}, operator, reference=reference)
    db_session.expire_all()
    rows = db_session.scalars(select(InboxTask).where(InboxTask.case_id == second.case.id)).all()
    assert db_session.get(Case, second.case.id).completed and [r.state for r in rows] == ["cancelled"]
    assert alone_script("spiff_pesan.bpmn", "spiff_pesan", [("pesan", "laporan_mitra", {"nik": other}),
                                                           ("pesan", "batal_mitra", {})]) == ([], True)


def test_messages_start_cases_and_find_them_by_correlation_camunda_dialect(db_session):
    deploy_file(db_session, "asing_pesan_camunda", "camunda_pesan.bpmn", {OPERATOR: "office"},
                message_start_roles=[OPERATOR])
    operator = PEOPLE[OPERATOR]
    kk = "9171010101000001"
    started = _correlate(db_session, "permohonan_mitra", {}, operator, correlation={"no_kk": kk}, region_code=VILLAGE)
    case_id = started.case.id
    # A non-interrupting boundary message: a second task beside the first.
    _correlate(db_session, "pengingat_mitra", {}, operator, reference=started.case.reference)
    db_session.expire_all()
    assert sorted(r.task_name for r in db_session.scalars(
        select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open"))) == [
        "Activity_periksa", "Activity_tanggapi"]
    done = _run_open_tasks(db_session, case_id, operator)
    _correlate(db_session, "balasan_dukcapil", {"status_kk": "aktif"}, operator, correlation={"no_kk": kk})
    db_session.expire_all()
    assert db_session.get(Case, case_id).completed
    assert cases.case_data(db_session.get(Case, case_id))["status_kk"] == "aktif"
    alone_done, completed = alone_script(
        "camunda_pesan.bpmn", "camunda_pesan",
        [("pesan", "permohonan_mitra", {"no_kk": kk}), ("pesan", "pengingat_mitra", {}), "tugas", "tugas",
         ("pesan", "balasan_dukcapil", {"no_kk": kk})], camunda=True)
    assert completed and sorted(done) == sorted(alone_done) == ["Activity_periksa", "Activity_tanggapi"]


def test_messages_api_starts_and_correlates(app, client, db_session):
    from tests.integration.test_work_api import token_for

    deploy_file(db_session, "asing_pesan_camunda", "camunda_pesan.bpmn", {OPERATOR: "office"},
                message_start_roles=[OPERATOR])
    headers = token_for(client, "operator")
    kk = "9171010101000077"
    assert client.post("/api/v1/cases/messages/permohonan_mitra", headers=headers,
                       json={"correlation": ["x"]}).status_code == 400
    started = client.post("/api/v1/cases/messages/permohonan_mitra", headers=headers,
                          json={"correlation": {"no_kk": kk}, "region_code": VILLAGE})
    assert started.status_code == 201 and started.get_json()["result"]["started"] is True
    case_id = started.get_json()["result"]["case_id"]
    _run_open_tasks(db_session, case_id, PEOPLE[OPERATOR])
    auditor = token_for(client, "auditor")
    assert client.post("/api/v1/cases/messages/balasan_dukcapil", headers=auditor,
                       json={"correlation": {"no_kk": kk}}).status_code == 403
    # Someone who may not see the waiting case learns nothing of it: as if no case waited.
    outsider = token_for(client, "kelurahan.gurabesi")
    assert client.post("/api/v1/cases/messages/balasan_dukcapil", headers=outsider,
                       json={"correlation": {"no_kk": kk}}).status_code == 404
    done = client.post("/api/v1/cases/messages/balasan_dukcapil", headers=headers,
                       json={"correlation": {"no_kk": kk}, "data": {"status_kk": "aktif"}})
    assert done.status_code == 200 and done.get_json()["result"] == {
        "case_id": case_id, "reference": done.get_json()["result"]["reference"], "started": False,
        "status": "Diterima", "completed": True}


def test_a_collaboration_whose_pools_exchange_messages_runs_as_one_case(db_session):
    from workflows.principal import KELURAHAN_OFFICER

    deploy_package(db_session, package("asing_kolaborasi", {"kolaborasi.bpmn": (DATA / "kolaborasi.bpmn").read_bytes()},
                                       descriptor("asing_kolaborasi", "kolaborasi",
                                                  {OPERATOR: "office", KELURAHAN_OFFICER: "region"})))
    kelurahan = Principal("kel.uji", frozenset({KELURAHAN_OFFICER}), region_code=VILLAGE,
                          scopes=((KELURAHAN_OFFICER, "region"),))
    people = {OPERATOR: PEOPLE[OPERATOR], KELURAHAN_OFFICER: kelurahan}
    case = cases.start_case(db_session, "kolaborasi", {}, "uji", region_code=VILLAGE)
    done = []
    while (row := _open_row(db_session, case.id)) is not None:
        done.append((row.task_name, row.role))
        cases.complete_task(db_session, row.id, people[row.role], {})
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    # The Kelurahan's pool starts on the Dinas's message and answers it: one case, two pools, each lane's role.
    assert done == [("siapkan", OPERATOR), ("isi_data", KELURAHAN_OFFICER), ("putuskan", OPERATOR)]
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.parse(str(DATA / "kolaborasi.bpmn")).getroot(), filename="kolaborasi.bpmn")
    workflow = BpmnWorkflow(*parser.get_collaboration("kolaborasi"))
    workflow.do_engine_steps()
    alone_done = []
    while not workflow.completed:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        alone_done.append(task.task_spec.bpmn_id)
        task.run()
        workflow.do_engine_steps()
    assert alone_done == [name for name, _ in done]


PERIKSA_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["terdaftar"],
                "properties": {"terdaftar": {"type": "boolean", "title": "Terdaftar di DTKS"}}}


def _deploy_data(session, code: str, name: str, roles: dict[str, str], data: bytes | None = None, **kwargs):
    return deploy_package(session, package(code, {name: data or (DATA / name).read_bytes()},
                                           descriptor(code, name.removesuffix(".bpmn"), roles), **kwargs))


def _alone_files(names: list[str], process: str, camunda: bool = False) -> list[str]:
    parser = CamundaParser() if camunda else SpiffBpmnParser()
    for name in names:
        parser.add_bpmn_xml(etree.parse(str(DATA / name)).getroot(), filename=name)
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process))
    workflow.do_engine_steps()
    done = []
    while not workflow.completed:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        done.append(task.task_spec.bpmn_id)
        task.run()
        workflow.do_engine_steps()
    return done


def test_call_activities_reach_other_packages_several_levels_deep(db_session):
    import json

    from workflows.db import AuditEvent
    from workflows.errors import FormInvalid

    both = {OPERATOR: "office", HEAD_OF_OFFICE: "office"}
    first = _deploy_data(db_session, "asing_dasar", "panggil_dasar.bpmn", {HEAD_OF_OFFICE: "office"},
                         forms={"periksa.schema.json": PERIKSA_FORM})
    middle = _deploy_data(db_session, "asing_tengah", "panggil_tengah.bpmn", both)
    # A newer version of the bottom package afterwards: the middle one keeps the version it was deployed with.
    newer = (DATA / "panggil_dasar.bpmn").read_bytes().replace(b'name="Periksa DTKS"', b'name="Periksa DTKS baru"')
    _deploy_data(db_session, "asing_dasar", "panggil_dasar.bpmn", {HEAD_OF_OFFICE: "office"}, newer,
                 forms={"periksa.schema.json": PERIKSA_FORM})
    top = _deploy_data(db_session, "asing_atas", "panggil_atas.bpmn", both)
    calls = json.loads(top.definitions[0].meta_json)["process"]["calls"]
    assert calls == {"panggil_tengah": {
        "package": "asing_tengah", "package_version": middle.package.version, "version": middle.definitions[0].version,
        "calls": {"panggil_dasar": {"package": "asing_dasar", "package_version": first.package.version,
                                    "version": first.definitions[0].version, "calls": {}}}}}

    case = cases.start_case(db_session, "panggil_atas", {}, "uji", region_code=VILLAGE)
    started = db_session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                         AuditEvent.action == "case_started"))
    assert json.loads(started.data_json)["memanggil"] == calls  # recorded with the case
    done = []
    while (row := _open_row(db_session, case.id)) is not None:
        done.append((row.task_name, row.role, row.title, row.form))
        person = PEOPLE[row.role]
        if row.form:
            with pytest.raises(FormInvalid):
                cases.complete_task(db_session, row.id, person, {})
            cases.complete_task(db_session, row.id, person, {"terdaftar": "true"})
        else:
            cases.complete_task(db_session, row.id, person, {})
    # Two tasks named `periksa` in two packages: each keeps its own role, title and (renamed) form.
    assert done == [("periksa", OPERATOR, "Periksa berkas", None),
                    ("periksa", HEAD_OF_OFFICE, "Periksa DTKS", "asing_tengah--asing_dasar--periksa.schema.json"),
                    ("rangkum", OPERATOR, "Rangkum", None)]
    db_session.expire_all()
    finished = db_session.get(Case, case.id)
    assert finished.completed and cases.case_data(finished)["terdaftar"] is True
    assert _alone_files(["panggil_atas.bpmn", "panggil_tengah.bpmn", "panggil_dasar.bpmn"], "panggil_atas") == [
        name for name, *_ in done]


def test_a_call_activity_pins_a_version_of_another_package_camunda_dialect(db_session):
    roles = {OPERATOR: "office", HEAD_OF_OFFICE: "office"}
    first = _deploy_data(db_session, "asing_cdasar", "camunda_panggil_dasar.bpmn", {HEAD_OF_OFFICE: "office"})
    assert first.definitions[0].version == 1
    newer = (DATA / "camunda_panggil_dasar.bpmn").read_bytes().replace(b"Activity_v1", b"Activity_v2")
    assert _deploy_data(db_session, "asing_cdasar", "camunda_panggil_dasar.bpmn", {HEAD_OF_OFFICE: "office"},
                        newer).definitions[0].version == 2
    pinned_missing = (DATA / "camunda_panggil_atas.bpmn").read_bytes().replace(
        b'camunda:calledElementVersion="1"', b'camunda:calledElementVersion="99"')
    with pytest.raises(DeployError) as caught:
        _deploy_data(db_session, "asing_catas", "camunda_panggil_atas.bpmn", roles, pinned_missing)
    db_session.rollback()
    assert ("camunda_panggil_atas.bpmn · Activity_call (Survei): memanggil proses 'camunda_panggil_dasar' versi 99 "
            "yang tidak ada di paket ini maupun di paket lain yang sudah di-deploy (proses lain di paket ini: -) "
            "(calls process 'camunda_panggil_dasar' version 99, which is neither in this package nor in another "
            "deployed package (other processes in this package: -))") in [str(p) for p in caught.value.problems]

    _deploy_data(db_session, "asing_catas", "camunda_panggil_atas.bpmn", roles)
    case = cases.start_case(db_session, "camunda_panggil_atas", {}, "uji", region_code=VILLAGE)
    done = []
    while (row := _open_row(db_session, case.id)) is not None:
        done.append(row.task_name)
        cases.complete_task(db_session, row.id, PEOPLE[row.role], {})
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    assert done == _alone_files(["camunda_panggil_atas.bpmn", "camunda_panggil_dasar.bpmn"], "camunda_panggil_atas",
                                camunda=True) == ["Activity_v1", "Activity_tutup"]


def test_a_message_that_fits_several_cases_or_none_is_refused_with_what_to_send(db_session):
    from workflows.errors import NotFound, TaskUnavailable

    deploy_file(db_session, "asing_pesan_spiff", "spiff_pesan.bpmn", {OPERATOR: "office"},
                message_start_roles=[OPERATOR])
    operator = PEOPLE[OPERATOR]
    nik = "9171015202850003"
    twins = [_correlate(db_session, "laporan_mitra", {}, operator, correlation={"nik": nik}, region_code=VILLAGE)
             for _ in range(2)]
    for started in twins:
        _run_open_tasks(db_session, started.case.id, operator)
    with pytest.raises(TaskUnavailable) as ambiguous:
        _correlate(db_session, "hasil_mitra", {}, operator, correlation={"nik": nik})
    assert str(ambiguous.value) == (
        "Lebih dari satu kasus menunggu pesan 'hasil_mitra' dengan nilai korelasi itu; kirim nomor kasusnya. "
        "(More than one case waits for message 'hasil_mitra' with those correlation values; send its reference.)")
    first = db_session.get(Case, twins[0].case.id)
    # By reference, a payload carrying another NIK does not fit the case's correlation value.
    with pytest.raises(TaskUnavailable) as mismatch:
        _correlate(db_session, "hasil_mitra", {"nik": "9171015202850004"}, operator, reference=first.reference)
    assert str(mismatch.value) == ("Pesan 'hasil_mitra' tidak cocok dengan nilai korelasi kasus ini. "
                                   "(Message 'hasil_mitra' does not match this case's correlation values.)")
    with pytest.raises(NotFound, match=r"^Kasus tidak ditemukan. \(Case not found.\)$"):
        _correlate(db_session, "hasil_mitra", {}, operator, reference="TIDAK-ADA-1")
    _correlate(db_session, "hasil_mitra", {}, operator, reference=first.reference)
    db_session.expire_all()
    assert db_session.get(Case, first.id).completed and not db_session.get(Case, twins[1].case.id).completed


def test_an_assignee_expression_that_names_nobody_stops_the_step_with_a_message(db_session):
    from sqlalchemy import func

    from workflows.errors import ProcessError

    deploy_file(db_session, "asing_tanpa_penerima", "camunda_tanpa_penerima.bpmn", {OPERATOR: "office"})
    count = select(func.count()).select_from(Case).where(Case.process_id == "camunda_tanpa_penerima")
    before = db_session.scalar(count)
    with pytest.raises(ProcessError) as empty:
        cases.start_case(db_session, "camunda_tanpa_penerima", {"petugas": ""}, "uji", region_code=VILLAGE)
    assert str(empty.value) == (
        "Tugas Activity_0ab tidak punya siapa pun yang dapat mengerjakannya: penerima tugas dan calon pengguna "
        "kosong. Tidak ada yang disimpan; hubungi perancang proses. (Task Activity_0ab has nobody to work on it: "
        "its assignee and candidate users are empty.)")
    with pytest.raises(ProcessError, match=r"Variabel 'petugas' belum diisi\. .*Variable 'petugas' is not set\."):
        cases.start_case(db_session, "camunda_tanpa_penerima", {}, "uji", region_code=VILLAGE)
    assert db_session.scalar(count) == before  # nothing saved
    case = cases.start_case(db_session, "camunda_tanpa_penerima", {"petugas": "operator"}, "uji", region_code=VILLAGE)
    assert _open_row(db_session, case.id).assignee == "operator"


def test_a_call_activity_to_another_file_of_the_package_keeps_that_tasks_role_and_form(db_session):
    files = {name: (DATA / name).read_bytes() for name in ("berkas_induk.bpmn", "berkas_anak.bpmn")}
    deploy_package(db_session, package("asing_berkas", files, descriptor(
        "asing_berkas", "berkas_induk", {OPERATOR: "office", HEAD_OF_OFFICE: "office"}),
        forms={"periksa.schema.json": PERIKSA_FORM}))
    case = cases.start_case(db_session, "berkas_induk", {}, "uji", region_code=VILLAGE)
    done = []
    while (row := _open_row(db_session, case.id)) is not None:
        # Both files have a task `terima`: each keeps its own lane's role, title and form.
        done.append((row.task_name, row.role, row.title, row.form))
        cases.complete_task(db_session, row.id, PEOPLE[row.role], {"terdaftar": "false"} if row.form else {})
    assert done == [("terima", OPERATOR, "Terima", None),
                    ("terima", HEAD_OF_OFFICE, "Terima di tingkat dinas", "periksa.schema.json")]
    db_session.expire_all()
    assert db_session.get(Case, case.id).completed
    assert _alone_files(["berkas_induk.bpmn", "berkas_anak.bpmn"], "berkas_induk") == ["terima", "terima"]


def test_a_version_that_dropped_its_message_start_is_not_replaced_by_an_older_one(db_session):
    from workflows.messages import starting_definitions

    deploy_file(db_session, "asing_pesan_spiff", "spiff_pesan.bpmn", {OPERATOR: "office"},
                message_start_roles=[OPERATOR])
    [first] = starting_definitions(db_session, "laporan_mitra")
    plain = (DATA / "spiff_pesan.bpmn").read_bytes().replace(
        b'<bpmn:messageEventDefinition id="med1" messageRef="Msg_lapor" /></bpmn:startEvent>', b"</bpmn:startEvent>")
    deploy_package(db_session, package("asing_pesan_spiff", {"spiff_pesan.bpmn": plain},
                                       descriptor("asing_pesan_spiff", "spiff_pesan", {OPERATOR: "office"},
                                                  message_start_roles=[OPERATOR])))
    # New cases start on the newest version, which no longer starts on the message: nothing does.
    assert starting_definitions(db_session, "laporan_mitra") == []
    assert first.process_id == "spiff_pesan"


def test_a_camunda_form_field_without_an_id_is_refused_with_its_label(db_session):
    source = (DATA / "camunda_formdata.bpmn").read_bytes()
    [first_id] = re.findall(rb'<camunda:formField id="([^"]+)"', source)[:1]
    broken = source.replace(b'<camunda:formField id="' + first_id + b'"', b"<camunda:formField", 1)
    with pytest.raises(DeployError) as refused:
        deploy_package(db_session, package("asing_formdata_tanpa_id", {"camunda_formdata.bpmn": broken},
                                           descriptor("asing_formdata_tanpa_id", "camunda_formdata",
                                                      {OPERATOR: "office"})))
    assert "tidak punya id" in str(refused.value) and "has no id" in str(refused.value)
