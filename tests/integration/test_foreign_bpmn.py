"""Diagrams drawn elsewhere (tests/data/asing/): what SpiffWorkflow runs, LIGAT runs, through its
inbox and scheduler, to the same end as SpiffWorkflow alone in memory; what cannot run is refused
with a message that names the element and says what to do."""

from __future__ import annotations

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

    deploy_file(db_session, "asing_gerbang", "gerbang_timer.bpmn", {OPERATOR: "office"})  # same content, same version
    case = cases.start_case(db_session, "gerbang_timer", {}, "uji", region_code=VILLAGE)
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

    deploy_file(db_session, "asing_gerbang", "gerbang_timer.bpmn", {OPERATOR: "office"})
    # Signed in first: the case's timer runs two seconds from its start.
    operator, auditor_browser = login_as("operator"), login_as("auditor")
    first = cases.start_case(db_session, "gerbang_timer", {}, "uji", region_code=VILLAGE)
    page = operator.get(f"/kasus/{first.id}").get_data(as_text=True)
    assert 'id="case-messages"' in page and '<option value="jawaban_warga">' in page
    assert 'id="case-messages"' not in auditor_browser.get(f"/kasus/{first.id}").get_data(as_text=True)
    response = operator.post(f"/kasus/{first.id}/pesan", data={
        "csrf_token": csrf_token(operator, f"/kasus/{first.id}"), "pesan": "jawaban_warga",
        "isi": "Dijawab lewat telepon"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, first.id).completed
    assert cases.case_data(db_session.get(Case, first.id))["pengirim"] == "operator"

    headers = token_for(client, "operator")
    auditor = token_for(client, "auditor")
    # Started only now: its two-second timer must not run out while the pages above are rendered.
    second = cases.start_case(db_session, "gerbang_timer", {}, "uji", region_code=VILLAGE)
    bad = client.post(f"/api/v1/cases/{second.id}/messages", headers=headers, json={"name": "lain"})
    assert bad.status_code == 409 and "yang ditunggu: jawaban_warga" in bad.get_json()["message"]
    assert client.post(f"/api/v1/cases/{second.id}/messages", headers=headers, json=["x"]).status_code == 400
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
