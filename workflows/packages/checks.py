"""Every check a package passes before it is stored (deploy) or shown as clean (the designer's
check): descriptor, BPMN and DMN, lanes and roles, forms, letter templates, start-form
validators, document checklist, and the Python written in the diagrams.

Each problem names its file and the element's id (and name when it has one), in Bahasa
Indonesia and English; all problems of a package are listed at once.
"""

from __future__ import annotations

import ast
import io
import json
import zipfile
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .. import script_checks, validators
from ..durations import parse_duration
from ..parsing import NS, ParsedProcess, Resolver, parse_files
from ..script_checks import Problem
from ..scripting import script_function_names
from . import english
from .descriptor import Descriptor, parse
from .files import PackageFiles
from .scenario_files import load as load_scenario
from .scenario_files import referenced_elements, scenario_names
from .variables import descriptor_variables, unset_variables


@dataclass
class Checked:
    package: PackageFiles
    descriptor: Descriptor | None = None
    processes: list[ParsedProcess] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dmn_text: dict[str, str] = field(default_factory=dict)
    # Every text people read that the package writes in Indonesian only (its English table covers them).
    user_texts: list[english.UserText] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, file: str, element_id: str, name: str | None, message_id: str, message_en: str) -> Problem:
        return Problem(file, element_id, name, message_id, message_en)

    def add(self, *args: str | None) -> None:
        self.problems.append(self.problem(*args))  # type: ignore[arg-type]

    def warn(self, *args: str | None) -> None:
        self.warnings.append(self.problem(*args))  # type: ignore[arg-type]


def _load_json(checked: Checked, path_name: str, data: bytes) -> dict | None:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        checked.add(path_name, "-", None, f"bukan JSON yang sah: {exc}", f"not valid JSON: {exc}")
        return None
    if not isinstance(value, dict):
        checked.add(path_name, "-", None, "isi harus objek JSON", "content must be a JSON object")
        return None
    return value


def _check_forms(checked: Checked) -> dict[str, dict]:
    package = checked.package
    schemas: dict[str, dict] = {}
    for name in package.names("forms", ".json"):
        value = _load_json(checked, f"forms/{package.code}/{name}", package.get("forms", name))
        if value is None:
            continue
        if name.endswith(".schema.json"):
            try:
                Draft202012Validator.check_schema(value)
            except SchemaError as exc:
                checked.add(f"forms/{package.code}/{name}", "-", None,
                            f"bukan JSON Schema yang sah: {exc.message}", f"not a valid JSON Schema: {exc.message}")
                continue
        schemas[name] = value
    return schemas


def letter_types_called(script: str) -> list[str]:
    """The letter types a script issues: the literal first argument of each `issue_letter(...)` call
    (a script that does not parse issues none; the script checks report it)."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return []
    return [call.args[0].value for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "issue_letter"
            and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)]


def _letter_calls(process: ParsedProcess) -> list[tuple[str, str, str | None]]:
    """(letter type, element id, element name) of each issue_letter("literal", ...) in a process."""
    found = []
    for node in process.root.xpath(".//bpmn:scriptTask", namespaces=NS):
        for script in node.xpath("./bpmn:script/text()", namespaces=NS):
            found += [(letter_type, node.get("id"), node.get("name")) for letter_type in letter_types_called(script)]
    return found


def check_package(package: PackageFiles, resolve: Resolver | None = None) -> Checked:
    """Check one package's files; nothing here touches the database (`resolve` finds a process of another
    deployed package that a call activity calls; without it such a call is reported)."""
    checked = Checked(package)
    code = package.code
    descriptor_path = f"bpmn/{code}/service.json"
    descriptor, errors = parse(package.descriptor_bytes or b"")
    for error in errors:
        checked.add(descriptor_path, "-", None, error, error)
    if descriptor is not None and descriptor.code != code:
        checked.add(descriptor_path, "code", None, f"kode '{descriptor.code}' tidak sama dengan nama folder '{code}'",
                    f"code '{descriptor.code}' differs from the folder name '{code}'")
    checked.descriptor = descriptor

    bpmn = {name: package.get("bpmn", name) for name in package.names("bpmn", ".bpmn")}
    dmn = {name: package.get("bpmn", name) for name in package.names("bpmn", ".dmn")}
    checked.dmn_text = {k: v.decode("utf-8", "replace") for k, v in dmn.items()}
    if not bpmn:
        checked.add(f"bpmn/{code}/", "-", None, "paket tidak memuat berkas .bpmn", "the package has no .bpmn file")
    default_role = descriptor.raw.get("default_role") if descriptor is not None else None
    parsed = parse_files(bpmn, dmn, default_role, resolve)
    for file, element_id, name, msg_id, msg_en in parsed.problems:
        checked.add(file, element_id, name, msg_id, msg_en)
    for file, element_id, name, msg_id, msg_en in parsed.warnings:
        checked.warn(file, element_id, name, msg_id, msg_en)
    processes = checked.processes = parsed.processes

    # A Camunda generated form becomes a form file of the package (stored with the version); so do the forms
    # of another package's called process.
    for process in processes:
        for info in process.task_meta.values():
            generated = info.pop("generated_form", None)
            if generated is not None:
                path = package.path("forms", info["form"])
                package.files.setdefault(path, json.dumps(generated, ensure_ascii=False, indent=2).encode())
    for name, data in parsed.called_forms.items():
        package.files.setdefault(package.path("forms", name), data)

    functions = script_function_names()
    for name, root in parsed.bpmn_roots.items():  # files that did not parse are reported already
        checked.problems += script_checks.check_bpmn(root, name, functions)
    for name, root in parsed.dmn_roots.items():
        checked.problems += script_checks.check_dmn(root, name, functions)

    schemas = _check_forms(checked)
    _check_scenarios(checked, parsed.bpmn_roots)
    if descriptor is None:
        return checked
    for finding in unset_variables(parsed.bpmn_roots, parsed.dmn_roots, schemas,
                                   descriptor_variables(descriptor.raw), functions):
        checked.warn(*finding)

    if processes and descriptor.process not in {p.process_id for p in processes}:
        checked.add(descriptor_path, "process", None,
                    f"proses '{descriptor.process}' tidak ada di berkas BPMN paket ini (yang ada: "
                    f"{', '.join(p.process_id for p in processes)})",
                    f"process '{descriptor.process}' is not in this package's BPMN files")

    declared = descriptor.roles
    used: set[str] = set()
    for process in processes:
        for lane in process.root.xpath("//bpmn:process[@id=$pid]//bpmn:lane", pid=process.process_id, namespaces=NS):
            role = lane.get("name") or lane.get("id")
            used.add(role)
            if role not in declared:
                checked.add(process.source_name, lane.get("id"), lane.get("name"),
                            f"lane/peran '{role}' tidak dinyatakan di service.json (roles)",
                            f"lane/role '{role}' is not declared in service.json (roles)")
        for task_id, info in process.task_meta.items():
            name = info["title"] if info["title"] != task_id else None
            for role in dict.fromkeys([info.get("role"), *info.get("candidate_roles", [])]):
                if not role or role in used:
                    continue
                used.add(role)
                if role not in declared:
                    checked.add(process.source_name, task_id, name,
                                f"lane/peran '{role}' tidak dinyatakan di service.json (roles)",
                                f"lane/role '{role}' is not declared in service.json (roles)")
            for key in ("form", "ui_form"):
                form = info.get(key)
                if form and form not in schemas:
                    checked.add(process.source_name, task_id, name,
                                f"formulir '{form}' tidak ada di forms/{code}/",
                                f"form '{form}' is not in forms/{code}/")
        for letter_type, element_id, element_name in _letter_calls(process):
            if letter_type not in descriptor.letter_types:
                checked.add(process.source_name, element_id, element_name,
                            f"jenis surat '{letter_type}' tidak dinyatakan di service.json (letters)",
                            f"letter type '{letter_type}' is not declared in service.json (letters)")
    for role in declared:
        if role not in used:
            checked.warn(descriptor_path, "roles", role,
                         f"peran '{role}' dinyatakan tetapi tidak dipakai lane mana pun",
                         f"role '{role}' is declared but no lane uses it")

    for letter in descriptor.letter_types.values():
        data = package.get("letters", letter.template)
        if data is None:
            checked.add(descriptor_path, f"letters/{letter.code}", None,
                        f"templat surat '{letter.template}' tidak ada di letters/{code}/",
                        f"letter template '{letter.template}' is not in letters/{code}/")
        elif not _is_docx(data):
            checked.add(f"letters/{code}/{letter.template}", "-", None, "bukan berkas .docx yang sah",
                        "not a valid .docx file")

    start = descriptor.start
    start_schema = None
    for key in ("form", "ui"):
        form = start.get(key)
        if form and form not in schemas:
            checked.add(descriptor_path, f"start/{key}", None, f"formulir '{form}' tidak ada di forms/{code}/",
                        f"form '{form}' is not in forms/{code}/")
    if start.get("form") in schemas:
        start_schema = schemas[start["form"]]
    properties = (start_schema or {}).get("properties", {})
    for index, rule in enumerate(start.get("validators", [])):
        for message_id, message_en in validators.declaration_errors(rule, properties):
            checked.add(descriptor_path, f"start/validators/{index}", rule.get("check"), message_id, message_en)
    for document in descriptor.documents:
        if start_schema is not None and not properties.get(document.field, {}).get("x-berkas"):
            checked.add(descriptor_path, f"documents/{document.field}", None,
                        f"berkas '{document.field}' bukan isian berkas (\"x-berkas\": true) di {start['form']}",
                        f"document '{document.field}' is not a file field (\"x-berkas\": true) of {start['form']}")
    for name in (start.get("bulk") or {}).get("documents", []):
        if start_schema is not None and not properties.get(name, {}).get("x-berkas"):
            checked.add(descriptor_path, "start/bulk/documents", name,
                        f"berkas '{name}' bukan isian berkas (\"x-berkas\": true) di {start['form']}",
                        f"document '{name}' is not a file field (\"x-berkas\": true) of {start['form']}")
    catalogue = descriptor.raw.get("catalogue") or {}
    variants = catalogue.get("variants") or []
    slas = [("catalogue/sla", catalogue.get("sla"))] + [
        (f"catalogue/variants/{i}/sla", variant.get("sla")) for i, variant in enumerate(variants)]
    for where, sla in slas:
        if sla is None:
            continue
        try:
            parse_duration(sla)  # a case's service level is computed from it at start: it must be a duration
        except ValueError:
            checked.add(descriptor_path, where, sla, sla_message(sla)[0], sla_message(sla)[1])
    reopen = descriptor.raw.get("reopen")
    if reopen:
        tasks = {task_id for process in processes for task_id in process.task_meta}
        if processes and reopen["task"] not in tasks:
            checked.add(descriptor_path, "reopen/task", reopen["task"],
                        f"tugas '{reopen['task']}' untuk membuka kembali bukan tugas manusia di proses paket ini",
                        f"reopen task '{reopen['task']}' is not a human task of this package's processes")
        try:
            parse_duration(reopen["within"])
        except ValueError:
            checked.add(descriptor_path, "reopen/within", reopen["within"],
                        f"jangka waktu '{reopen['within']}' tidak dikenal (contoh: P14D, 10 hari kerja)",
                        f"unknown period '{reopen['within']}' (e.g. P14D, 10 working days)")
    _check_english(checked, parsed.bpmn_roots)
    if default_role and default_role not in declared:
        checked.add(descriptor_path, "default_role", default_role,
                    f"peran bawaan '{default_role}' tidak dinyatakan di roles",
                    f"default role '{default_role}' is not declared in roles")
    for role in descriptor.raw.get("message_start_roles", []):
        if role not in declared:
            checked.add(descriptor_path, "message_start_roles", role, f"peran '{role}' tidak dinyatakan di roles",
                        f"role '{role}' is not declared in roles")
    for role in descriptor.officer_start_roles:
        if role not in declared and role not in ("Admin",):
            checked.add(descriptor_path, "start/roles", role, f"peran '{role}' tidak dinyatakan di roles",
                        f"role '{role}' is not declared in roles")
    return checked


def sla_message(sla: str) -> tuple[str, str]:
    """Why a service level (catalogue `sla`, "Target selesai") is refused, in Indonesian and English."""
    return (f"target selesai '{sla}' bukan jangka waktu (contoh: PT96H, P14D, 3 hari kerja)",
            f"service level '{sla}' is not a duration (e.g. PT96H, P14D, 3 working days)")


def _check_english(checked: Checked, bpmn_roots: dict) -> None:
    """The package's English table (bpmn/<code>/en.json): readable, and a warning for each text people read
    that it leaves in Indonesian only (a page in English shows that text in Indonesian)."""
    package = checked.package
    path = f"bpmn/{package.code}/{english.FILE}"
    table, errors = english.parse(package.get("bpmn", english.FILE))
    for error in errors:
        checked.add(path, "-", None, error, error)
    if errors:
        return
    roles = list(checked.descriptor.roles) if checked.descriptor is not None else []
    checked.user_texts = english.user_texts(package, checked.processes, bpmn_roots, roles)
    for item in english.missing(checked.user_texts, table):
        checked.warn(item.file, item.where, None,
                     f"teks \"{item.text}\" belum punya terjemahan Inggris di {path}",
                     f"text \"{item.text}\" has no English in {path}")
    # An entry no text uses any more (a task renamed, a field removed) is left-over work for the designer.
    used = {item.text for item in checked.user_texts}
    for text in [t for t in table if t not in used]:
        checked.warn(path, text, None, f"entri \"{text}\" tidak dipakai teks mana pun di paket ini",
                     f"entry \"{text}\" is not used by any text of this package")


def _check_scenarios(checked: Checked, bpmn_roots: dict) -> None:
    """Scenario files: their schema, and that every element they name is in the package's diagrams."""
    known: set[str] = set()
    for root in bpmn_roots.values():
        for node in root.iter():
            if isinstance(node.tag, str):
                known.update(v for v in (node.get("id"), node.get("name")) if v)
    for process in checked.processes:
        known.update(info["title"] for info in process.task_meta.values() if info.get("title"))
    for name in scenario_names(checked.package):
        path = f"bpmn/{checked.package.code}/{name}"
        scenario, problems = load_scenario(checked.package, name)
        for where, message_id, message_en in problems:
            checked.add(path, where, None, message_id, message_en)
        if scenario is None or not bpmn_roots:
            continue
        for where, element in referenced_elements(scenario):
            if element not in known:
                checked.add(path, where, element, f"elemen '{element}' tidak ada di diagram paket ini",
                            f"element '{element}' is not in this package's diagrams")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
