"""Bulk migration of running cases between package versions, on the engine alone: the preview says
which cases can move and why not, the move re-points each movable case at the new version (its
inbox rows, timers and audit chain follow) and leaves the others untouched."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.migration_packages import (
    FIELD_ANSWER,
    ComplaintVersions,
    field_officer,
    head_of_bidang,
    operator,
    start,
    three_cases,
)
from workflows import cases, migration
from workflows.audit import verify_case
from workflows.db import AuditEvent, Case, InboxTask, utcnow
from workflows.errors import NotFound
from workflows.packages import deploy_package


def open_rows(session: Session, case_id: int) -> list[InboxTask]:
    session.expire_all()
    return list(session.scalars(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open")
                                .order_by(InboxTask.id)))


def row_at(session: Session, case_id: int, name: str) -> InboxTask:
    return next(r for r in open_rows(session, case_id) if r.task_name == name)


@pytest.fixture
def complaints(session: Session) -> dict:
    return three_cases(session)


def test_preview_tells_which_cases_can_move_and_why_not(session, complaints):
    code = complaints["versions"].code
    preview = migration.preview(session, code, 1, 2, migration.CaseFilter())
    by_id = {c.case_id: c for c in preview.checks}
    assert set(by_id) == {complaints["verification"], complaints["information"], complaints["field"]}
    assert by_id[complaints["verification"]].movable
    assert by_id[complaints["field"]].movable
    stuck = by_id[complaints["information"]]
    assert not stuck.movable and stuck.waiting_at == ["lengkapi_informasi"]
    assert "lengkapi_informasi (Lengkapi Informasi) tidak ada di versi 2" in stuck.reasons[0].id
    assert "is not in version 2" in stuck.reasons[0].en
    assert any("same moment" in n.en for n in by_id[complaints["field"]].notes)
    # Nothing changed by a preview.
    session.expire_all()
    assert all(session.get(Case, cid).definition.version == 1 for cid in by_id)

    only_field = migration.preview(session, code, 1, 2, migration.CaseFilter(task="tindak_lanjut_lapangan"))
    assert [c.case_id for c in only_field.checks] == [complaints["field"]]
    by_reference = migration.preview(session, code, 1, 2, migration.CaseFilter(
        references=[session.get(Case, complaints["verification"]).reference]))
    assert [c.case_id for c in by_reference.checks] == [complaints["verification"]]
    tomorrow = (utcnow() + timedelta(days=1)).date()
    assert migration.preview(session, code, 1, 2, migration.CaseFilter(started_from=tomorrow)).checks == []


def test_move_carries_movable_cases_to_the_new_version_and_leaves_the_other_untouched(session, complaints):
    versions = complaints["versions"]
    field_case = session.get(Case, complaints["field"])
    field_row = row_at(session, field_case.id, "tindak_lanjut_lapangan")
    cases.claim_task(session, field_row.id, field_officer(session))
    field_row = row_at(session, field_case.id, "tindak_lanjut_lapangan")
    due_before, uuid_before = field_row.due_at, field_row.task_uuid
    timer_before = session.get(Case, complaints["field"]).next_timer_at
    stuck_before = session.get(Case, complaints["information"])
    stuck_state = (stuck_before.serialized, stuck_before.lock_version, stuck_before.process_definition_id)

    run = migration.migrate(session, versions.code, 1, 2, migration.CaseFilter(), "perancang")

    assert (run.selected, run.moved, run.not_moved) == (3, 2, 1)
    results = {r["case_id"]: r for r in run.results}
    assert not results[complaints["information"]]["moved"]
    assert "lengkapi_informasi" in results[complaints["information"]]["reasons"][0]["id"]
    session.expire_all()
    stuck = session.get(Case, complaints["information"])
    assert (stuck.serialized, stuck.lock_version, stuck.process_definition_id) == stuck_state
    assert stuck.definition.version == 1

    moved = session.get(Case, complaints["field"])
    assert moved.definition.version == 2 and moved.definition.process_id == versions.process
    row = row_at(session, moved.id, "tindak_lanjut_lapangan")
    # The same task, its claim and due time kept; the timer still due at the same moment.
    assert (row.task_uuid, row.due_at, row.claimed_by) == (uuid_before, due_before, "lapangan.rehsos")
    assert moved.next_timer_at == timer_before
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == moved.id).order_by(AuditEvent.seq)))
    assert verify_case(events) is None
    migrated = [e for e in events if e.action == "case_migrated"]
    assert len(migrated) == 1 and migrated[0].actor == "perancang"
    data = json.loads(migrated[0].data_json)
    assert (data["dari_versi"], data["ke_versi"], data["migrasi"]) == (1, 2, run.id)

    # The moved case goes on along version 2's path: the added Kepala Bidang check comes next.
    cases.complete_task(session, row.id, field_officer(session), FIELD_ANSWER)
    check = row_at(session, moved.id, "periksa_laporan")
    assert check.role == "Kepala Bidang" and check.bidang == "rehsos"
    cases.complete_task(session, check.id, head_of_bidang(session), {"arahan": "Laporan sudah lengkap"})
    session.expire_all()
    done = session.get(Case, moved.id)
    assert done.completed and done.status == "Selesai"
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == moved.id).order_by(AuditEvent.seq)))
    assert verify_case(events) is None

    # The case moved at verification gets version 2's new due time at the field follow-up.
    other = complaints["verification"]
    cases.complete_task(session, row_at(session, other, "verifikasi").id, operator(session), {"keputusan": "valid"})
    follow_up = row_at(session, other, "tindak_lanjut_lapangan")
    hours = (follow_up.due_at - follow_up.created_at).total_seconds() / 3600
    assert 119 < hours < 121
    timer_hours = (session.get(Case, other).next_timer_at - follow_up.created_at).total_seconds() / 3600
    assert 99 < timer_hours < 101  # version 2's SLA timer, while the case moved at that task kept its moment

    assert [r.id for r in migration.runs(session, versions.code)] == [run.id]


def test_a_case_changed_since_the_preview_or_during_the_move_is_not_overwritten(session, complaints):
    versions = complaints["versions"]
    seen = {c.case_id: c.lock_version for c in
            migration.preview(session, versions.code, 1, 2, migration.CaseFilter()).checks}
    # Changed after the preview: an operator completes the verification.
    cases.complete_task(session, row_at(session, complaints["verification"], "verifikasi").id, operator(session),
                        {"keputusan": "valid"})
    # Changed while the move runs: another session claims the field task between our read and our write.
    field_id = complaints["field"]
    row_id = row_at(session, field_id, "tindak_lanjut_lapangan").id
    fired = []

    def someone_else(flushing: Session, *_: object) -> None:
        case = next((o for o in flushing.dirty if isinstance(o, Case) and o.id == field_id), None)
        if case is None or fired:
            return
        fired.append(True)
        with Session(flushing.get_bind()) as other:
            other.get(Case, field_id).status = "Diubah di tempat lain"
            other.commit()

    event.listen(session, "before_flush", someone_else)
    try:
        run = migration.migrate(session, versions.code, 1, 2, migration.CaseFilter(), "perancang", expected=seen)
    finally:
        event.remove(session, "before_flush", someone_else)
    results = {r["case_id"]: r for r in run.results}
    assert fired and not results[field_id]["moved"]
    assert "version check" in results[field_id]["reasons"][0]["en"]
    assert not results[complaints["verification"]]["moved"]
    assert "since the preview" in results[complaints["verification"]]["reasons"][0]["en"]
    session.expire_all()
    assert session.get(Case, field_id).definition.version == 1
    assert session.get(Case, field_id).status == "Diubah di tempat lain"
    assert row_at(session, field_id, "tindak_lanjut_lapangan").id == row_id


def test_a_previewed_case_the_filter_no_longer_selects_is_reported_not_moved(session, complaints):
    versions = complaints["versions"]
    at_verification = migration.CaseFilter(task="verifikasi")
    seen = {c.case_id: c.lock_version for c in
            migration.preview(session, versions.code, 1, 2, at_verification).checks}
    assert set(seen) == {complaints["verification"]}
    cases.complete_task(session, row_at(session, complaints["verification"], "verifikasi").id, operator(session),
                        {"keputusan": "valid"})
    run = migration.migrate(session, versions.code, 1, 2, at_verification, "perancang", expected=seen)
    assert (run.selected, run.moved, run.not_moved) == (1, 0, 1)
    assert "since the preview" in run.results[0]["reasons"][0]["en"]
    session.expire_all()
    assert session.get(Case, complaints["verification"]).definition.version == 1


def test_refusals(session, complaints):
    code = complaints["versions"].code
    with pytest.raises(NotFound):
        migration.preview(session, code, 1, 9, migration.CaseFilter())
    with pytest.raises(migration.MigrationInvalid):
        migration.preview(session, code, 2, 2, migration.CaseFilter())
    with pytest.raises(migration.MigrationInvalid, match="No cases are selected"):
        migration.migrate(session, code, 1, 2, migration.CaseFilter(case_ids=[10**9]), "perancang")
    with pytest.raises(migration.MigrationInvalid, match="YYYY-MM-DD"):
        migration.parse_filter({"started_from": "kemarin"})


def test_a_waiting_task_of_another_kind_in_the_target_cannot_move(session):
    versions = ComplaintVersions()
    deploy_package(session, versions.v1())
    case_id = start(session, versions.process)
    deploy_package(session, versions.with_verification_kind_changed())
    [check] = migration.preview(session, versions.code, 1, 2, migration.CaseFilter()).checks
    assert not check.movable
    assert "changes kind from UserTask to ManualTask" in check.reasons[0].en
    run = migration.migrate(session, versions.code, 1, 2, migration.CaseFilter(), "perancang")
    assert (run.moved, run.not_moved) == (0, 1)
    session.expire_all()
    assert session.get(Case, case_id).definition.version == 1


def test_a_task_whose_lane_changes_role_moves_with_its_claim_released(session):
    versions = ComplaintVersions()
    deploy_package(session, versions.v1())
    case_id = start(session, versions.process)
    row = row_at(session, case_id, "verifikasi")
    cases.claim_task(session, row.id, operator(session))
    due = row_at(session, case_id, "verifikasi").due_at
    deploy_package(session, versions.with_verification_for_head_of_bidang())
    [check] = migration.preview(session, versions.code, 1, 2, migration.CaseFilter()).checks
    assert check.movable and "moves to role 'Kepala Bidang'; its claim is released" in check.notes[0].en
    migration.migrate(session, versions.code, 1, 2, migration.CaseFilter(), "perancang")
    moved = row_at(session, case_id, "verifikasi")
    assert (moved.id, moved.role, moved.claimed_by, moved.due_at) == (row.id, "Kepala Bidang", None, due)


def gateway_package(code: str, timer: str = "PT1H", message: str = "jawaban_warga"):  # noqa: ANN201
    """tests/data/asing/gerbang_timer.bpmn (an event-based gateway waiting on a timer and a message) under a
    process id of its own."""
    from tests.conftest import ROOT
    from tests.packages import descriptor, package

    bpmn = (ROOT / "tests" / "data" / "asing" / "gerbang_timer.bpmn").read_text(encoding="utf-8")
    bpmn = (bpmn.replace('id="gerbang_timer"', f'id="{code}"').replace('"PT2S"', f'"{timer}"')
            .replace('name="jawaban_warga"', f'name="{message}"'))
    return package(code, {f"{code}.bpmn": bpmn.encode()}, descriptor(code, code, {"Operator Dinsos": "office"}))


def test_a_case_waiting_at_an_event_based_gateway(session):
    import secrets

    code = f"uji_gerbang_{secrets.token_hex(4)}"
    deploy_package(session, gateway_package(code))
    case_id = cases.start_case(session, code, {}, "operator").id
    due = session.get(Case, case_id).next_timer_at
    deploy_package(session, gateway_package(code, message="jawaban_lain"))
    deploy_package(session, gateway_package(code, timer="PT9H"))
    [check] = migration.preview(session, code, 1, 2, migration.CaseFilter()).checks
    assert not check.movable and "waits for another message in version 2" in check.reasons[0].en

    run = migration.migrate(session, code, 1, 3, migration.CaseFilter(), "perancang")
    assert run.moved == 1, run.results
    session.expire_all()
    case = session.get(Case, case_id)
    assert case.definition.version == 3 and case.next_timer_at == due  # the gateway's timer keeps its moment
    assert cases.waiting_messages_of(case) == {"jawaban_warga"}
    cases.deliver_message(session, case_id, "jawaban_warga", {"isi": "sudah"}, operator(session))
    session.expire_all()
    assert session.get(Case, case_id).completed


SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_{pid}" targetNamespace="uji">
  <bpmn:collaboration id="c_{pid}"><bpmn:participant id="p_{pid}" processRef="{pid}" /></bpmn:collaboration>
  <bpmn:process id="{pid}" name="Uji subproses {pid}" isExecutable="true">
    <bpmn:laneSet id="ls_{pid}">
      <bpmn:lane id="Lane_operator" name="Operator Dinsos">
        <bpmn:flowNodeRef>mulai</bpmn:flowNodeRef><bpmn:flowNodeRef>masa_tunggu</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>tinjau</bpmn:flowNodeRef>{extra_ref}<bpmn:flowNodeRef>selesai</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="masa_tunggu" />
    <bpmn:subProcess id="masa_tunggu" name="Masa tunggu">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="sub_mulai"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:intermediateCatchEvent id="tunggu" name="Tunggu sebentar">
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing>
        <bpmn:timerEventDefinition id="td_tunggu">
          <bpmn:timeDuration>{duration}</bpmn:timeDuration>
        </bpmn:timerEventDefinition>
      </bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="sub_selesai"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_mulai" targetRef="tunggu" />
      <bpmn:sequenceFlow id="s2" sourceRef="tunggu" targetRef="sub_selesai" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="masa_tunggu" targetRef="tinjau" />
    <bpmn:userTask id="tinjau" name="Tinjau">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="tinjau.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    {extra}
    <bpmn:endEvent id="selesai"><bpmn:incoming>{last}</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
SECOND_LOOK = """<bpmn:sequenceFlow id="f3" sourceRef="tinjau" targetRef="tinjau_ulang" />
    <bpmn:userTask id="tinjau_ulang" name="Tinjau ulang">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="tinjau.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="tinjau_ulang" targetRef="selesai" />"""


def subprocess_package(code: str, pid: str, second_look: bool):  # noqa: ANN201
    from tests.packages import descriptor, package

    bpmn = SUBPROCESS.format(
        pid=pid, duration='"PT2S"' if not second_look else '"PT9H"',
        extra=SECOND_LOOK if second_look else '<bpmn:sequenceFlow id="f3" sourceRef="tinjau" targetRef="selesai" />',
        extra_ref="<bpmn:flowNodeRef>tinjau_ulang</bpmn:flowNodeRef>" if second_look else "",
        last="f4" if second_look else "f3",
    )
    form = {"type": "object", "properties": {"catatan": {"type": "string", "title": "Catatan"}}}
    return package(code, {f"{pid}.bpmn": bpmn.encode()}, descriptor(code, pid, {"Operator Dinsos": "office"}),
                   forms={"tinjau.schema.json": form})


def test_a_case_waiting_inside_a_subprocess_moves_and_its_timer_keeps_its_moment(session):
    import secrets
    import time

    token = secrets.token_hex(4)
    code, pid = f"uji_sub_{token}", f"uji_sub_{token}"
    deploy_package(session, subprocess_package(code, pid, second_look=False))
    case = cases.start_case(session, pid, {}, "operator")
    due = case.next_timer_at
    assert due is not None
    deploy_package(session, subprocess_package(code, pid, second_look=True))

    run = migration.migrate(session, code, 1, 2, migration.CaseFilter(), "perancang")
    assert (run.moved, run.not_moved) == (1, 0), run.results
    session.expire_all()
    case = session.get(Case, case.id)
    assert case.definition.version == 2 and case.next_timer_at == due  # not version 2's nine hours

    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.2)
    cases.wake_case(session, case)
    session.commit()
    cases.complete_task(session, row_at(session, case.id, "tinjau").id, operator(session), {"catatan": "oke"})
    assert row_at(session, case.id, "tinjau_ulang") is not None  # version 2's path
