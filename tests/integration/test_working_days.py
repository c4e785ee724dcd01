"""SLAs in working days through the engine: a task whose dueIn is "2 hari kerja"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from workflows import cases
from workflows.db import InboxTask

VILLAGE = "91.71.01.1001"


def test_a_due_in_of_working_days_skips_the_weekend_and_holidays(db_session, monkeypatch):
    # Friday 14 August 2026, 11:00 WIT; Monday 17 August is Independence Day.
    monkeypatch.setattr(cases, "utcnow", lambda: datetime(2026, 8, 14, 2, 0))
    values = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
              "kode_wilayah": VILLAGE, "sla_verifikasi": "2 hari kerja"}
    case = cases.start_case(db_session, "pengaduan", values, "warga", region_code=VILLAGE, category="pengemis")
    row = db_session.scalar(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == "verifikasi")
    )
    # Two working days later: Tuesday 18 and Wednesday 19 August, same clock time (naive UTC).
    assert row.due_at == datetime(2026, 8, 19, 2, 0)


CLOCK_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_jam" targetNamespace="uji">
  <bpmn:process id="uji_jam_sla" name="Uji jam SLA" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_op" name="Operator Dinsos"><bpmn:flowNodeRef>periksa</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="Lane_pemohon" name="Pemohon"><bpmn:flowNodeRef>perbaiki</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="periksa" />
    <bpmn:userTask id="periksa" name="Periksa">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="periksa.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="periksa" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f3"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="selesai" />
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="perbaiki">
      <bpmn:conditionExpression>keputusan == "kembalikan"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="perbaiki" name="Perbaiki (pemohon)">
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="perbaiki" targetRef="periksa" />
    <bpmn:endEvent id="selesai"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_sla_clock_stops_while_the_case_waits_on_the_applicant(db_session, monkeypatch):
    from tests.packages import descriptor, package
    from workflows.db import AuditEvent, Case
    from workflows.packages import deploy_package
    from workflows.principal import OPERATOR, Principal

    desc = descriptor("uji_jam_sla", "uji_jam_sla", {OPERATOR: "office", "Pemohon": "citizen"})
    desc["catalogue"]["sla"] = "3 hari kerja"
    form = {"type": "object", "properties": {"keputusan": {"type": "string", "enum": ["kembalikan", "lengkap"]}}}
    deploy_package(db_session, package("uji_jam_sla", {"uji_jam_sla.bpmn": CLOCK_BPMN}, desc,
                                       forms={"periksa.schema.json": form}))
    operator = Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))

    def at(moment: datetime) -> None:
        monkeypatch.setattr(cases, "utcnow", lambda: moment)

    def open_row(case_id: int) -> InboxTask:
        db_session.expire_all()
        return db_session.scalar(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open"))

    at(datetime(2026, 8, 14, 2, 0))  # Friday 11:00 WIT; Monday 17 August is a holiday
    case = cases.start_case(db_session, "uji_jam_sla", {}, "uji", region_code=VILLAGE)
    # Three working days: Tuesday 18, Wednesday 19, Thursday 20 August, 11:00 WIT.
    assert db_session.get(Case, case.id).sla_due_at == datetime(2026, 8, 20, 2, 0)

    at(datetime(2026, 8, 14, 3, 0))  # Friday 12:00 WIT: returned to the applicant, the clock stops
    cases.complete_task(db_session, open_row(case.id).id, operator, {"keputusan": "kembalikan"})
    assert db_session.get(Case, case.id).sla_paused_at == datetime(2026, 8, 14, 3, 0)

    at(datetime(2026, 8, 18, 3, 0))  # Tuesday 12:00 WIT: the applicant resubmits, the clock runs again
    row = open_row(case.id)
    applicant = Principal("pemohon", frozenset({"Pemohon"}), scopes=(("Pemohon", "citizen"),), case_id=case.id)
    cases.complete_task(db_session, row.id, applicant, {})
    db_session.expire_all()
    resumed = db_session.get(Case, case.id)
    # Paused: Friday 12:00–24:00 and Tuesday 00:00–12:00 WIT, one working day in all (the weekend and
    # the holiday cost nothing), so the due time moves from Thursday 20 to Friday 21 August, 11:00 WIT.
    assert resumed.sla_paused_at is None and resumed.sla_due_at == datetime(2026, 8, 21, 2, 0)
    actions = [e.action for e in db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))]
    assert "sla_paused" in actions and "sla_resumed" in actions
