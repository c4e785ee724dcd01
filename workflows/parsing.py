"""BPMN file → SpiffWorkflow spec, in either dialect, plus the task metadata the
inbox needs (role, form, public status, due time) read straight from the XML.

Spiff dialect: the lane names the role; `spiffworkflow:property` elements carry
`formJsonSchemaFilename`, `formUiSchemaFilename`, `caseStatus`, `dueIn`,
`bidangVariable` and `assigneeVariable` (process variable holding the username
the task is assigned to). Camunda dialect: `camunda:candidateGroups` names the roles (the
first is the task's role, every one of them finds the task in its inbox) and `camunda:formKey`
the form; the same extra keys may be given as `camunda:property` elements.

Named people, in either dialect (see `read_assignment`): `camunda:candidateUsers`,
`camunda:assignee`, and the standard `bpmn:potentialOwner` / `bpmn:humanPerformer` with a
`formalExpression` (`user(a), group(B)` as Activiti writes it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

# As SpiffWorkflow runs them: a plain bpmn:task waits for a person like a manual task does.
HUMAN_TASK_TAGS = ("userTask", "manualTask", "task")


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    task_meta: dict[str, dict] = field(default_factory=dict)
    process_meta: dict[str, str] = field(default_factory=dict)
    dialect: str = "spiff"
    source_name: str = ""
    bpmn_xml: str = ""
    root: object = None


def detect_dialect(root: etree._Element) -> str:
    """Camunda when the file uses camunda attributes or elements, else Spiff."""
    if root.xpath("//@camunda:*|//camunda:*", namespaces=NS):
        return "camunda"
    return "spiff"


def read_xml(data: bytes, name: str) -> etree._Element:
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


def _lane_roles(process: etree._Element) -> dict[str, str]:
    """Element id → role (lane name). An element inside an embedded subprocess drawn in a lane
    takes that lane's role unless it has a lane of its own."""
    lanes: dict[str, str] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("./bpmn:flowNodeRef/text()", namespaces=NS):
            lanes[ref.strip()] = lane.get("name") or lane.get("id")
    for sub in process.xpath(".//bpmn:subProcess|.//bpmn:transaction", namespaces=NS):
        role = lanes.get(sub.get("id"))
        if role:
            for node in sub.xpath(".//*[@id]"):
                lanes.setdefault(node.get("id"), role)
    return lanes


_JAVA_HOOKS = ("class", "delegateExpression", "expression", "type", "topic")


def _unrunnable_service_tasks(name: str, root: etree._Element) -> list[Finding]:
    """Camunda service tasks call Java classes, delegates, external workers or connectors, none of which
    exist here: refused with what to use instead (a script task calling a LIGAT function)."""
    found = []
    for node in root.xpath("//bpmn:serviceTask|//bpmn:sendTask|//bpmn:businessRuleTask[@camunda:class]",
                           namespaces=NS):
        hooks = [f"camunda:{hook}={node.get(f'{{{CAMUNDA_NS}}}{hook}')}" for hook in _JAVA_HOOKS
                 if node.get(f"{{{CAMUNDA_NS}}}{hook}")]
        if node.xpath("./bpmn:extensionElements/camunda:connector", namespaces=NS):
            hooks.append("camunda:connector")
        if hooks:
            found.append((name, node.get("id"), node.get("name"),
                          f"tugas layanan Camunda ({', '.join(hooks)}) tidak dapat dijalankan LIGAT; ganti dengan "
                          "scriptTask yang memanggil fungsi LIGAT (lihat README)",
                          f"Camunda service task ({', '.join(hooks)}) cannot run in LIGAT; use a scriptTask that calls "
                          "a LIGAT function instead (see the README)"))
    return found


_CAMUNDA_TYPES = {"string": {"type": "string", "maxLength": 2000}, "long": {"type": "integer"},
                  "boolean": {"type": "boolean", "default": False}, "date": {"type": "string", "format": "date"}}


def _camunda_fields_without_id(name: str, root: etree._Element) -> list[Finding]:
    """A generated-form field without an id has nowhere to keep its answer: refused at deploy."""
    found = []
    for form_field in root.xpath("//camunda:formData/camunda:formField[not(normalize-space(@id))]", namespaces=NS):
        task = next(form_field.iterancestors(*(f"{{{BPMN_NS}}}{tag}" for tag in HUMAN_TASK_TAGS)), None)
        label = form_field.get("label") or "?"
        found.append((name, task.get("id") if task is not None else "-", task.get("name") if task is not None else None,
                      f"isian formulir Camunda '{label}' tidak punya id (camunda:formField id=…); beri id, "
                      "nama variabel tempat jawabannya disimpan",
                      f"Camunda form field '{label}' has no id (camunda:formField id=…); give it one, the name of "
                      "the variable its answer is kept in"))
    return found


def generated_form_name(task_id: str) -> str:
    return "camunda_" + re.sub(r"[^a-z0-9_]", "_", task_id.lower()) + ".schema.json"


def camunda_form(node: etree._Element) -> dict | None:
    """A Camunda generated form (`camunda:formData` / `formField`) as a JSON Schema LIGAT renders and
    checks: string, long, boolean, date and enum fields, labels, defaults, the `required` constraint."""
    fields = node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS)
    if not fields:
        return None
    properties: dict[str, dict] = {}
    required = []
    for form_field in fields:
        name, kind = form_field.get("id"), form_field.get("type") or "string"
        prop = dict(_CAMUNDA_TYPES.get(kind, {"type": "string"}))
        if kind == "enum":
            values = form_field.xpath("./camunda:value", namespaces=NS)
            prop = {"type": "string", "enum": [v.get("id") for v in values],
                    "x-label": {v.get("id"): v.get("name") or v.get("id") for v in values}}
        prop["title"] = form_field.get("label") or name
        if form_field.get("defaultValue") is not None and kind != "boolean":
            prop["default"] = form_field.get("defaultValue")
        properties[name] = prop
        if form_field.xpath("./camunda:validation/camunda:constraint[@name='required']", namespaces=NS):
            required.append(name)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": node.get("name") or node.get("id"),
            "type": "object", "required": required, "properties": properties}


_EXPRESSION = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
_OWNER = re.compile(r"^(user|group)\((.*)\)$")


def assignment_expression(text: str) -> str | None:
    """The Python inside `${…}` / `#{…}` (evaluated on the task's data when the task is created), or None
    for a plain username or list of names."""
    match = _EXPRESSION.match(text or "")
    return match.group(1).strip() if match else None


def _split(text: str | None) -> list[str]:
    """Comma-separated names; an expression stays whole (it may hold commas)."""
    if not text or not text.strip():
        return []
    if assignment_expression(text) is not None:
        return [text.strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


def read_assignment(node: etree._Element) -> tuple[list[str], list[str], str | None]:
    """(candidate roles, candidate users, assignee) of one human task, each name or expression as
    written: Camunda's attributes, and the standard resource roles (a `potentialOwner` entry is a
    role unless written `user(name)`; a `humanPerformer` is the assignee)."""
    groups = _split(node.get(f"{{{CAMUNDA_NS}}}candidateGroups"))
    users = _split(node.get(f"{{{CAMUNDA_NS}}}candidateUsers"))
    assignee = (node.get(f"{{{CAMUNDA_NS}}}assignee") or "").strip() or None
    for owner in node.xpath("./bpmn:potentialOwner/bpmn:resourceAssignmentExpression/bpmn:formalExpression/text()",
                            namespaces=NS):
        for entry in _split(owner):
            match = _OWNER.match(entry)
            kind, name = (match.group(1), match.group(2).strip()) if match else ("group", entry)
            (users if kind == "user" else groups).append(name)
    for performer in node.xpath(
            "./bpmn:humanPerformer/bpmn:resourceAssignmentExpression/bpmn:formalExpression/text()", namespaces=NS):
        assignee = assignee or performer.strip() or None
    return list(dict.fromkeys(groups)), list(dict.fromkeys(users)), assignee


def read_task_meta(root: etree._Element, process_id: str) -> dict[str, dict]:
    """Role, form and inbox settings of each human task of one process (and its subprocesses)."""
    process = root.xpath("//bpmn:process[@id=$pid]", pid=process_id, namespaces=NS)[0]
    lanes = _lane_roles(process)
    meta = {}
    for tag in HUMAN_TASK_TAGS:
        for node in process.xpath(f".//bpmn:{tag}", namespaces=NS):
            task_id = node.get("id")
            props = _properties(node)
            groups, users, assignee = read_assignment(node)
            if lanes.get(task_id):
                # The lane drawn around the task names its role and the other groups find it too; but in a
                # Camunda diagram lanes are drawing only, so its candidateGroups come first.
                camunda_first = node.get(f"{{{CAMUNDA_NS}}}candidateGroups") is not None
                ordered = [*groups, lanes[task_id]] if camunda_first else [lanes[task_id], *groups]
                groups = list(dict.fromkeys(ordered))
            role = groups[0] if groups else None
            form = props.get("formJsonSchemaFilename") or node.get(f"{{{CAMUNDA_NS}}}formKey")
            generated = None if form else camunda_form(node)
            meta[task_id] = {
                "title": node.get("name") or task_id,
                "role": role,
                "form": generated_form_name(task_id) if generated else form,
                "generated_form": generated,
                "ui_form": props.get("formUiSchemaFilename"),
                "case_status": props.get("caseStatus"),
                "due_in": props.get("dueIn"),
                "bidang_variable": props.get("bidangVariable"),
                "assignee_variable": props.get("assigneeVariable"),
                # Every role that finds the task in its inbox (the first is `role`), and the named people.
                "candidate_roles": groups,
                "candidate_users": users,
                "assignee": assignee,
            }
    return meta


def message_starts(root: etree._Element, process: etree._Element) -> list[str]:
    """Names of the messages that start a case of this process (its top-level message start events), as
    SpiffWorkflow names them: the message's name, else its id."""
    names = []
    for ref in process.xpath("./bpmn:startEvent/bpmn:messageEventDefinition/@messageRef", namespaces=NS):
        message = root.xpath("//bpmn:message[@id=$ref]", ref=ref, namespaces=NS)
        names.append((message[0].get("name") if message else None) or ref)
    return names


Finding = tuple[str, str, str | None, str, str]  # file, element id, element name, message id, message en


@dataclass
class CalledProcess:
    """A process of another deployed package that a call activity calls, as that package deployed it:
    the caller's version carries its spec, its tasks (keys `process:task`, forms renamed
    `<code>--<form>`) and those forms, so a running case keeps what it started with."""

    process_id: str
    spec: object
    subprocess_specs: dict
    dialect: str
    tasks: dict[str, dict]
    forms: dict[str, bytes]
    record: dict  # {"package", "package_version", "version", "calls"}: recorded with each case


# (process id, pinned definition version or None for the latest) → the deployed process, or None.
Resolver = Callable[[str, int | None], CalledProcess | None]


def _pinned_version(roots: dict[str, etree._Element], called: str) -> tuple[etree._Element | None, str, int | None]:
    """The call activity calling `called` (its file) and the version it pins: Camunda's
    `camunda:calledElementVersion` or the property `calledElementVersion` (either dialect)."""
    for name, root in roots.items():
        for node in root.xpath("//bpmn:callActivity[@calledElement=$c]", c=called, namespaces=NS):
            text = node.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or _properties(node).get("calledElementVersion")
            return node, name, int(text) if text and text.strip().isdigit() else None
    return None, "-", None


def _call_other_packages(
    pid: str, subprocess_specs: dict, roots: dict[str, etree._Element], dialect: str, resolve: Resolver | None,
    meta: dict[str, dict], process_meta: dict, problems: list[Finding], called_forms: dict[str, bytes],
) -> None:
    """Fill in the called processes this package does not hold from the deployed packages (several levels
    deep: each comes with its own callees), or report each one that cannot be found."""
    local = {p.get("id") for root in roots.values() for p in root.xpath("//bpmn:process", namespaces=NS)}
    for called in [key for key, spec in subprocess_specs.items() if spec is None]:
        del subprocess_specs[called]
        node, file, version = _pinned_version(roots, called)
        element_id = node.get("id") if node is not None else pid
        element_name = node.get("name") if node is not None else None
        found = resolve(called, version) if resolve else None
        pinned = (f" versi {version}", f" version {version}") if version else ("", "")
        if found is None:
            others = ", ".join(sorted(local - {pid})) or "-"
            problems.append((file, element_id, element_name,
                             f"memanggil proses '{called}'{pinned[0]} yang tidak ada di paket ini maupun di paket lain "
                             f"yang sudah di-deploy (proses lain di paket ini: {others})",
                             f"calls process '{called}'{pinned[1]}, which is neither in this package nor in another "
                             f"deployed package (other processes in this package: {others})"))
            continue
        if found.dialect != dialect:
            problems.append((file, element_id, element_name,
                             f"memanggil proses '{called}' berdialek {found.dialect}, sedangkan paket ini {dialect}",
                             f"calls process '{called}' in the {found.dialect} dialect; this package is {dialect}"))
            continue
        subprocess_specs[called] = found.spec
        for key, spec in found.subprocess_specs.items():
            subprocess_specs.setdefault(key, spec)
        meta.update(found.tasks)
        called_forms.update(found.forms)
        process_meta.setdefault("calls", {})[called] = found.record


@dataclass
class ParsedFiles:
    """A package's BPMN and DMN files as parsed once: its processes, the parsed XML of every file
    (for the checks that read it again), and what was found wrong or worth a warning."""

    processes: list[ParsedProcess]
    problems: list[Finding]
    warnings: list[Finding]
    bpmn_roots: dict[str, etree._Element]
    dmn_roots: dict[str, etree._Element]
    # Forms of other packages' called processes, by the names their tasks use here.
    called_forms: dict[str, bytes] = field(default_factory=dict)


def parse_files(
    bpmn_files: dict[str, bytes], dmn_files: dict[str, bytes], default_role: str | None = None,
    resolve: Resolver | None = None,
) -> ParsedFiles:
    """Parse every BPMN file of a package in one parser (so a call activity finds a process of
    another file) with all its DMN files.

    Problems and warnings are (file, element id, element name, message id, message en); parsing goes on past a problem
    where it can, so the designer sees them all. A package none of whose processes is marked
    `isExecutable` (modelers often leave it off) runs them all, with a warning; a human task with
    no lane and no assignment goes to `default_role` (the descriptor's), with a warning. A call
    activity to a process no file of the package holds is looked up with `resolve` (another
    deployed package's process).
    """
    problems: list[Finding] = []
    warnings: list[Finding] = []
    called_forms: dict[str, bytes] = {}
    roots: dict[str, etree._Element] = {}
    for name, data in bpmn_files.items():
        try:
            root = read_xml(data, name)
        except DeployError as exc:
            problems.append((name, "-", None, f"bukan XML yang sah: {exc.__cause__}",
                             f"not well-formed XML: {exc.__cause__}"))
            continue
        if etree.QName(root).namespace != BPMN_NS:
            problems.append((name, "-", None, "bukan dokumen BPMN 2.0", "not a BPMN 2.0 document"))
            continue
        roots[name] = root
    dialects = {detect_dialect(root) for root in roots.values()}
    dialect = "camunda" if "camunda" in dialects else "spiff"
    if len(dialects) > 1:
        problems.append(("-", "-", None, "paket mencampur dialek Camunda dan Spiff; pakai satu dialek",
                         "the package mixes the Camunda and Spiff dialects; use one"))
    parser = CamundaParser() if dialect == "camunda" else SpiffBpmnParser()
    dmn_roots: dict[str, etree._Element] = {}
    for name, data in dmn_files.items():
        try:
            dmn_roots[name] = read_xml(data, name)
            parser.add_dmn_xml(dmn_roots[name], filename=name)
        except DeployError as exc:
            problems.append((name, "-", None, f"bukan XML yang sah: {exc.__cause__}",
                             f"not well-formed XML: {exc.__cause__}"))
        except (ValidationException, SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as exc:
            problems.append((name, getattr(exc, "id", None) or "-", getattr(exc, "name", None),
                             f"DMN ditolak: {exc}", f"DMN refused: {exc}"))
    for name, root in roots.items():
        problems += _unrunnable_service_tasks(name, root)
        problems += _camunda_fields_without_id(name, root)
        try:
            parser.add_bpmn_xml(root, filename=name)
        except (ValidationException, SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as exc:
            problems.append((name, getattr(exc, "id", None) or "-", getattr(exc, "name", None),
                             f"BPMN ditolak oleh parser: {exc}", f"BPMN refused by the parser: {exc}"))
        except Exception as exc:  # noqa: BLE001 (the parser's own bugs become a message, not a traceback)
            problems.append((name, "-", None, f"BPMN tidak dapat dibaca parser ({type(exc).__name__}: {exc})",
                             f"the parser cannot read the BPMN ({type(exc).__name__}: {exc})"))
    parsed = []
    any_executable = any(root.xpath("//bpmn:process[@isExecutable='true']", namespaces=NS) for root in roots.values())
    for name, root in roots.items():
        if any_executable:
            executable = root.xpath("//bpmn:process[@isExecutable='true']", namespaces=NS)
        else:
            executable = root.xpath("//bpmn:process", namespaces=NS)
            for process in executable:
                warnings.append((name, process.get("id"), process.get("name"),
                                 "proses tidak ditandai isExecutable; dijalankan juga",
                                 "the process is not marked isExecutable; it runs all the same"))
        for process in executable:
            pid = process.get("id")
            try:
                spec = parser.get_spec(pid)
                subprocess_specs = parser.get_subprocess_specs(pid, require_call_activity_specs=False)
            except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
                problems.append((name, getattr(exc, "id", None) or pid, getattr(exc, "name", None),
                                 f"proses tidak dapat dibaca: {exc}", f"process cannot be read: {exc}"))
                continue
            meta = read_task_meta(root, pid)
            for task_id, info in meta.items():
                if info["role"] or info["candidate_users"] or info["assignee"]:
                    continue
                label = info["title"] if info["title"] != task_id else None
                if default_role:
                    info["role"] = default_role
                    warnings.append((name, task_id, label,
                                     f"tugas tidak berada di lane mana pun; dikerjakan peran bawaan '{default_role}'",
                                     f"the task is in no lane; the default role '{default_role}' works on it"))
                else:
                    problems.append((name, task_id, label,
                                     "tugas tidak berada di lane mana pun: lane menentukan peran yang mengerjakannya "
                                     "(atau nyatakan default_role di service.json)",
                                     "the task is in no lane: the lane names the role that works on it "
                                     "(or declare default_role in service.json)"))
            process_meta = _properties(process)
            _call_other_packages(pid, subprocess_specs, roots, dialect, resolve, meta, process_meta, problems,
                                 called_forms)
            # Camunda's `camunda:initiator` on the start event: the variable that holds who started the case.
            for initiator in process.xpath("./bpmn:startEvent/@camunda:initiator", namespaces=NS)[:1]:
                process_meta.setdefault("initiatorVariable", initiator)
            starts = message_starts(root, process)
            if starts:
                process_meta["messageStarts"] = starts  # found without loading the spec (messages.py)
            parsed.append(ParsedProcess(
                pid, process.get("name") or pid, spec, subprocess_specs, meta, process_meta, dialect,
                source_name=name, bpmn_xml=etree.tostring(root, encoding="unicode"), root=root,
            ))
    # A call activity to a process of another file of this package: that process's task settings (role,
    # form...) come along, keyed `process:task` like another package's.
    own = {p.process_id: p for p in parsed}
    for process in parsed:
        for called in process.subprocess_specs:
            if called in own and called != process.process_id:
                for task_id, info in own[called].task_meta.items():
                    process.task_meta.setdefault(task_id if ":" in task_id else f"{called}:{task_id}", info)
    for name, root in roots.items():
        parsed += _collaborations(parser, name, root, parsed, problems, dialect)
    return ParsedFiles(parsed, problems, warnings, roots, dmn_roots, called_forms)


def _collaborations(parser: object, name: str, root: etree._Element, parsed: list[ParsedProcess],
                    problems: list[Finding], dialect: str) -> list[ParsedProcess]:
    """A collaboration whose pools exchange messages runs as one case (SpiffWorkflow runs each pool as a
    participant of one workflow), deployed under the collaboration's id beside its processes."""
    found = []
    by_id = {p.process_id: p for p in parsed}
    for collaboration in root.xpath("//bpmn:collaboration[bpmn:messageFlow]", namespaces=NS):
        pools = [by_id[ref] for ref in collaboration.xpath("./bpmn:participant/@processRef", namespaces=NS)
                 if ref in by_id]
        if len(pools) < 2:
            continue
        cid = collaboration.get("id")
        try:
            spec, subprocess_specs = parser.get_collaboration(cid)  # type: ignore[attr-defined]
        except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
            problems.append((name, cid, collaboration.get("name"), f"kolaborasi tidak dapat dibaca: {exc}",
                             f"collaboration cannot be read: {exc}"))
            continue
        meta = {task_id: info for pool in pools for task_id, info in pool.task_meta.items()}
        process_meta = {key: value for pool in reversed(pools) for key, value in pool.process_meta.items()}
        found.append(ParsedProcess(
            cid, collaboration.get("name") or cid, spec, subprocess_specs, meta, process_meta, dialect,
            source_name=name, bpmn_xml=pools[0].bpmn_xml, root=root,
        ))
    return found
