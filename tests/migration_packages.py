"""Two versions of a complaint package for migration tests, each test with a package of its own (its
own code and process id, so new complaints of the shared database never run on it).

Version 2 changes version 1 the way a designer would: the field follow-up gets another due time, a
Kepala Bidang check (`periksa_laporan`) is added after it, and the task `lengkapi_informasi` is
removed (a returned complaint goes straight back to verification), so cases waiting there cannot
move."""

from __future__ import annotations

import json
import secrets
from typing import Any

from lxml import etree

from tests.packages import bundled
from workflows import cases
from workflows.packages import PackageFiles
from workflows.principal import FIELD_OFFICER, HEAD_OF_BIDANG, OPERATOR
from workflows.visibility import principal

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": DI, "spiffworkflow": SPIFF}
VILLAGE = "91.71.01.1001"
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}
FIELD_ANSWER = {"temuan": "Anak ditemukan", "tindakan": "Dijangkau dan dirujuk",
                "catatan_publik": "Sudah ditangani petugas"}
NEW_DUE = "PT120H"
NEW_TIMER = "PT100H"


def _renamed(code: str, process: str) -> dict[str, bytes]:
    source = bundled("pengaduan")
    files: dict[str, bytes] = {}
    for path, data in source.files.items():
        top, _, rest = path.split("/", 2)
        if rest.startswith("tests/"):
            continue  # the complaint line's scenarios walk elements the variants here remove
        name = f"{top}/{code}/{rest}"
        if rest == "pengaduan.bpmn":
            data = (data.replace(b'processRef="pengaduan"', f'processRef="{process}"'.encode())
                    .replace(b'<bpmn:process id="pengaduan"', f'<bpmn:process id="{process}"'.encode()))
            name = f"bpmn/{code}/{process}.bpmn"
        elif rest == "service.json":
            desc = json.loads(data)
            desc["code"], desc["process"] = code, process
            desc["name"] = {"id": f"Uji migrasi {code}", "en": f"Migration test {code}"}
            desc["start"]["public"] = False  # not offered on the portal beside the real complaints
            data = json.dumps(desc, ensure_ascii=False).encode()
        files[name] = data
    return files


def _remove(root: Any, element_id: str) -> None:
    for node in root.xpath(f"//*[@id='{element_id}'] | //bpmndi:*[@bpmnElement='{element_id}']", namespaces=NS):
        node.getparent().remove(node)
    for ref in root.xpath(f"//bpmn:flowNodeRef[text()='{element_id}']", namespaces=NS):
        ref.getparent().remove(ref)


def _kind_changed(bpmn: bytes) -> bytes:
    """Verification becomes a manual task: same element id, another kind."""
    root = etree.fromstring(bpmn)
    task = root.xpath("//bpmn:userTask[@id='verifikasi']", namespaces=NS)[0]
    task.tag = f"{{{BPMN}}}manualTask"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _verification_to_head_of_bidang(bpmn: bytes) -> bytes:
    """Verification moves from the operator's lane to the Kepala Bidang's."""
    root = etree.fromstring(bpmn)
    ref = root.xpath("//bpmn:flowNodeRef[text()='verifikasi']", namespaces=NS)[0]
    ref.getparent().remove(ref)
    lane = root.xpath("//bpmn:lane[@name='Kepala Bidang']", namespaces=NS)[0]
    etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = "verifikasi"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _version_two(bpmn: bytes) -> bytes:
    root = etree.fromstring(bpmn)
    by_id = {node.get("id"): node for node in root.iter() if node.get("id")}
    process = root.find("bpmn:process", NS)
    # lengkapi_informasi removed: a request for information goes back to verification.
    by_id["f_minta"].set("targetRef", "verifikasi")
    incoming = by_id["verifikasi"].xpath("bpmn:incoming[text()='f_info_kembali']", namespaces=NS)[0]
    incoming.text = "f_minta"
    _remove(root, "lengkapi_informasi")
    _remove(root, "f_info_kembali")
    # The field follow-up's due time changes.
    due = by_id["tindak_lanjut_lapangan"].xpath(".//spiffworkflow:property[@name='dueIn']", namespaces=NS)[0]
    due.set("value", f'"{NEW_DUE}"')
    # … and its SLA timer another duration (a case already waiting keeps the moment it had).
    by_id["timer_sla_lapangan"].xpath(".//bpmn:timeDuration", namespaces=NS)[0].text = f'"{NEW_TIMER}"'
    # A Kepala Bidang check is added after the field follow-up.
    by_id["f_lapangan_selesai"].set("targetRef", "periksa_laporan")
    by_id["catat_selesai"].xpath("bpmn:incoming", namespaces=NS)[0].text = "f_periksa"
    task = etree.fromstring(f"""
      <bpmn:userTask xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="periksa_laporan" name="Periksa Laporan">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="pengaduan_eskalasi.schema.json" />
          <spiffworkflow:property name="bidangVariable" value="bidang" />
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>f_lapangan_selesai</bpmn:incoming>
        <bpmn:outgoing>f_periksa</bpmn:outgoing>
      </bpmn:userTask>""")
    flow = etree.fromstring(f'<bpmn:sequenceFlow xmlns:bpmn="{BPMN}" id="f_periksa" '
                            'sourceRef="periksa_laporan" targetRef="catat_selesai" />')
    process.append(task)
    process.append(flow)
    lane = root.xpath("//bpmn:lane[@name='Kepala Bidang']", namespaces=NS)[0]
    ref = etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef")
    ref.text = "periksa_laporan"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class ComplaintVersions:
    """A complaint package of its own, version 1 and (made on request) version 2."""

    def __init__(self) -> None:
        token = secrets.token_hex(4)
        self.code = f"uji_migrasi_{token}"
        self.process = f"pengaduan_m{token}"
        self.v1_files = _renamed(self.code, self.process)

    def v1(self) -> PackageFiles:
        return PackageFiles(self.code, dict(self.v1_files))

    def v2(self) -> PackageFiles:
        files = dict(self.v1_files)
        path = f"bpmn/{self.code}/{self.process}.bpmn"
        files[path] = _version_two(files[path])
        return PackageFiles(self.code, files)

    def with_verification_kind_changed(self) -> PackageFiles:
        return self._changed(_kind_changed)

    def with_verification_for_head_of_bidang(self) -> PackageFiles:
        return self._changed(_verification_to_head_of_bidang)

    def _changed(self, change) -> PackageFiles:  # noqa: ANN001
        files = dict(self.v1_files)
        path = f"bpmn/{self.code}/{self.process}.bpmn"
        files[path] = change(files[path])
        return PackageFiles(self.code, files)


def operator(session):  # noqa: ANN001, ANN201
    return principal(session, "operator", {OPERATOR})


def field_officer(session):  # noqa: ANN001, ANN201
    return principal(session, "lapangan.rehsos", {FIELD_OFFICER}, bidang="rehsos")


def head_of_bidang(session):  # noqa: ANN001, ANN201
    return principal(session, "kabid.rehsos", {HEAD_OF_BIDANG}, bidang="rehsos")


def start(session, process: str) -> int:  # noqa: ANN001
    case = cases.start_case(session, process, REPORT, "warga", region_code=VILLAGE, category="pengemis")
    return case.id


def three_cases(session) -> dict:  # noqa: ANN001
    """Version 1 deployed; one case waiting at verification, one at 'lengkapi_informasi' (removed in
    version 2, so it cannot move) and one at the field follow-up with its SLA timer; then version 2."""
    versions = ComplaintVersions()
    from workflows.packages import deploy_package

    deploy_package(session, versions.v1())
    waiting = start(session, versions.process)
    returned = start(session, versions.process)
    cases.complete_task(session, open_row(session, returned, "verifikasi").id, operator(session),
                        {"keputusan": "perlu_informasi", "pertanyaan": "Di mana tepatnya lokasinya?"})
    field = start(session, versions.process)
    cases.complete_task(session, open_row(session, field, "verifikasi").id, operator(session), {"keputusan": "valid"})
    deploy_package(session, versions.v2())
    return {"versions": versions, "code": versions.code, "verification": waiting, "information": returned,
            "field": field}


def open_row(session, case_id: int, name: str):  # noqa: ANN001, ANN201
    from sqlalchemy import select

    from workflows.db import InboxTask

    session.expire_all()
    return session.scalar(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name,
                                                  InboxTask.state == "open"))
