"""The engine step records which sequence flows a case took (workflows/dashboard/flows.py), in order, a
loop as often as it was taken, a flow into a task with a boundary timer included, a timer's flow too."""

from __future__ import annotations

from sqlalchemy import select

from workflows import cases
from workflows.dashboard.flows import CaseFlow, flows_of_xml
from workflows.db import Case, InboxTask
from workflows.principal import FIELD_OFFICER, OPERATOR, Principal
from workflows.timers import wake_due_timers

VILLAGE = "91.71.01.1001"
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}
OP = Principal("op", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))


def _task(session, case_id: int, name: str) -> int:
    session.expire_all()
    return session.scalar(select(InboxTask.id).where(InboxTask.case_id == case_id, InboxTask.task_name == name,
                                                     InboxTask.state == "open"))


def _taken(session, case_id: int) -> list[str]:
    return list(session.scalars(select(CaseFlow.flow_id).where(CaseFlow.case_id == case_id).order_by(CaseFlow.id)))


def test_a_loop_is_recorded_each_time_it_is_taken(session):
    case = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    assert _taken(session, case.id) == ["f_start", "f_sla"]
    cases.complete_task(session, _task(session, case.id, "verifikasi"), OP,
                        {"keputusan": "perlu_informasi", "pertanyaan": "Di mana tepatnya?"})
    cases.complete_task(session, _task(session, case.id, "lengkapi_informasi"), OP,
                        {"informasi_tambahan": "Di depan pasar Entrop."})
    cases.complete_task(session, _task(session, case.id, "verifikasi"), OP,
                        {"keputusan": "tidak_valid", "alasan": "Sudah ditangani dinas lain."})
    assert _taken(session, case.id) == ["f_start", "f_sla", "f_verif", "f_perlu_info", "f_minta", "f_info_kembali",
                                        "f_verif", "f_tidak_valid", "f_ditolak"]
    assert session.get(Case, case.id).completed


def test_flows_into_a_task_with_a_boundary_timer_and_out_of_the_timer(session):
    case = cases.start_case(session, "pengaduan", {**REPORT, "sla_lapangan": "PT0S"}, "warga", region_code=VILLAGE)
    cases.complete_task(session, _task(session, case.id, "verifikasi"), OP, {"keputusan": "valid"})
    wake_due_timers(session)
    taken = _taken(session, case.id)
    assert taken[:6] == ["f_start", "f_sla", "f_verif", "f_valid", "f_dispatch", "f_timer"]
    assert "f_eskalasi" in taken
    officer = Principal("lap", frozenset({FIELD_OFFICER}), bidang="rehsos", scopes=((FIELD_OFFICER, "bidang"),))
    cases.complete_task(session, _task(session, case.id, "tindak_lanjut_lapangan"), officer,
                        {"temuan": "Anak di simpang", "tindakan": "Dibawa ke rumah singgah",
                         "catatan_publik": "Sudah ditangani."})
    assert _taken(session, case.id)[-2:] == ["f_lapangan_selesai", "f_selesai"]


def test_every_flow_of_a_file_is_known_by_its_ends():
    xml = ("<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'><process id='p'>"
           "<sequenceFlow id='a' sourceRef='s' targetRef='t'/><subProcess id='sub'>"
           "<sequenceFlow id='b' sourceRef='x' targetRef='y'/></subProcess></process></definitions>")
    assert flows_of_xml(xml) == {("s", "t"): "a", ("x", "y"): "b"}
