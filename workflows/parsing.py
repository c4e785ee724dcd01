"""BPMN file → SpiffWorkflow spec, in either dialect, plus the task metadata the
inbox needs (role, form, public status, due time) read straight from the XML.

Spiff dialect: the lane names the role; `spiffworkflow:property` elements carry
`formJsonSchemaFilename`, `formUiSchemaFilename`, `caseStatus`, `dueIn`,
`bidangVariable` and `assigneeVariable` (process variable holding the username
the task is assigned to). Camunda dialect: `camunda:candidateGroups` (first group) names
the role when present and `camunda:formKey` the form; the same extra keys may be
given as `camunda:property` elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from .errors import DeployError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS}

HUMAN_TASK_TAGS = ("userTask", "manualTask")


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    task_meta: dict[str, dict] = field(default_factory=dict)
    process_meta: dict[str, str] = field(default_factory=dict)
    dialect: str = "spiff"


def detect_dialect(root: etree._Element) -> str:
    """Camunda when the file uses camunda attributes or elements, else Spiff."""
    if root.xpath("//@camunda:*|//camunda:*", namespaces=NS):
        return "camunda"
    return "spiff"


def _xml(data: bytes, name: str) -> etree._Element:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DeployError(f"Berkas {name} bukan XML yang sah: {exc}") from exc


def _properties(node: etree._Element) -> dict[str, str]:
    props = {}
    for prop in node.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
        "|./bpmn:extensionElements/camunda:properties/camunda:property",
        namespaces=NS,
    ):
        props[prop.get("name")] = prop.get("value")
    return props


def read_task_meta(root: etree._Element, process_id: str) -> dict[str, dict]:
    """Role, form and inbox settings of each human task of one process (and its subprocesses)."""
    process = root.xpath("//bpmn:process[@id=$pid]", pid=process_id, namespaces=NS)[0]
    lanes: dict[str, str] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("./bpmn:flowNodeRef/text()", namespaces=NS):
            lanes[ref.strip()] = lane.get("name") or lane.get("id")
    meta = {}
    for tag in HUMAN_TASK_TAGS:
        for node in process.xpath(f".//bpmn:{tag}", namespaces=NS):
            task_id = node.get("id")
            props = _properties(node)
            groups = node.get(f"{{{CAMUNDA_NS}}}candidateGroups")
            role = (groups.split(",")[0].strip() if groups else None) or lanes.get(task_id)
            meta[task_id] = {
                "title": node.get("name") or task_id,
                "role": role,
                "form": props.get("formJsonSchemaFilename") or node.get(f"{{{CAMUNDA_NS}}}formKey"),
                "ui_form": props.get("formUiSchemaFilename"),
                "case_status": props.get("caseStatus"),
                "due_in": props.get("dueIn"),
                "bidang_variable": props.get("bidangVariable"),
                "assignee_variable": props.get("assigneeVariable"),
            }
    return meta


def parse_bpmn(
    bpmn: bytes, dmn_files: dict[str, bytes] | None = None, source_name: str = "process.bpmn"
) -> list[ParsedProcess]:
    """Parse one BPMN file (and the DMN files it calls) into executable processes.

    Raises DeployError with the parser's own message when anything is wrong.
    """
    root = _xml(bpmn, source_name)
    if etree.QName(root).namespace != BPMN_NS:
        raise DeployError(f"Berkas {source_name} bukan dokumen BPMN 2.0.")
    dialect = detect_dialect(root)
    parser = CamundaParser() if dialect == "camunda" else SpiffBpmnParser()
    try:
        for name, data in (dmn_files or {}).items():
            parser.add_dmn_xml(_xml(data, name), filename=name)
        parser.add_bpmn_xml(root, filename=source_name)
        process_ids = [
            pid
            for pid in root.xpath("//bpmn:process[@isExecutable='true']/@id", namespaces=NS)
        ]
        if not process_ids:
            raise DeployError(f"Berkas {source_name} tidak memuat proses yang dapat dijalankan (isExecutable).")
        parsed = []
        for pid in process_ids:
            spec = parser.get_spec(pid)
            subprocess_specs = parser.get_subprocess_specs(pid)
            meta = read_task_meta(root, pid)
            for task_id, info in meta.items():
                if not info["role"]:
                    raise DeployError(
                        f"Tugas '{info['title']}' ({task_id}) tidak berada di lane mana pun: "
                        "lane menentukan peran yang mengerjakannya."
                    )
            process = root.xpath("//bpmn:process[@id=$pid]", pid=pid, namespaces=NS)[0]
            parsed.append(
                ParsedProcess(
                    pid, process.get("name") or pid, spec, subprocess_specs, meta, _properties(process), dialect
                )
            )
        return parsed
    except DeployError:
        raise
    except (ValidationException, SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as exc:
        raise DeployError(f"BPMN {source_name} ditolak oleh parser: {exc}") from exc
