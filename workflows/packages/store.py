"""Service packages in the database: one row per version, its files as one archive, the roles
its lanes use, and the process definitions it deploys.

`deploy_package` is the one way a line reaches the engine (the CLI, `make run`, an uploaded
archive and, next, the designer's publish all call it). It checks the whole package first
and stores nothing when anything is wrong; the same content again is the same version.
A running case keeps the package version its definition belongs to: its BPMN, forms,
letter templates and catalogue text.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

import forms

from .. import transaction_values
from ..db import Base, ProcessDefinition, utcnow
from ..errors import DeployError
from ..parsing import CalledProcess, Resolver
from ..serialization import spec_objects, spec_to_json
from .checks import check_package
from .descriptor import Descriptor
from .files import PackageFiles, from_archive


class ServicePackage(Base):
    """One deployed version of one service line."""

    __tablename__ = "service_package"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_service_package_version"),
        # Not unique: a rollback publishes an earlier version's content again as a new version.
        Index("ix_service_package_code_hash", "code", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    descriptor_json: Mapped[str] = mapped_column(Text)
    # Every file of the version (repository paths), as a zip: read once per process and cached.
    archive: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deployed_by: Mapped[str] = mapped_column(String(100), default="sistem")

    @property
    def descriptor(self) -> Descriptor:
        return _descriptor(self.content_hash, self.descriptor_json)

    @property
    def warnings(self) -> list[str]:
        return json.loads(self.warnings_json or "[]")


class PackageRole(Base):
    """A role whose lanes appear in a package version, and its scope there (office, region, bidang…)."""

    __tablename__ = "package_role"
    __table_args__ = (UniqueConstraint("package_id", "role", name="uq_package_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("service_package.id"), index=True)
    role: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(20))


@functools.lru_cache(maxsize=256)
def _descriptor(content_hash: str, descriptor_json: str) -> Descriptor:
    return Descriptor(json.loads(descriptor_json))


_FILES: dict[str, PackageFiles] = {}


def files_of(package: ServicePackage) -> PackageFiles:
    """The version's files, unpacked once per process (a version never changes)."""
    found = _FILES.get(package.content_hash)
    if found is None:
        if len(_FILES) > 128:
            _FILES.clear()
        found = _FILES[package.content_hash] = from_archive(package.archive)
    return found


_FORMS: dict[tuple[str, str], dict] = {}


def form_of(package: ServicePackage, name: str) -> dict:
    """A form (JSON Schema or UI schema) of a package version, by file name; cached per process."""
    key = (package.content_hash, name)
    found = _FORMS.get(key)
    if found is None:
        data = files_of(package).get("forms", name)
        if data is None:
            raise forms.FormNotFound(f"Formulir '{name}' tidak ada di paket {package.code} v{package.version}. "
                                     f"(Form '{name}' is not in package {package.code} v{package.version}.)")
        raw = json.loads(data)
        found = _FORMS[key] = forms.prepare(raw) if name.endswith(".schema.json") else raw
    return found


@dataclass
class DeployResult:
    package: ServicePackage
    definitions: list[ProcessDefinition]
    created: bool
    warnings: list[str] = field(default_factory=list)


def latest_package(session: Session, code: str) -> ServicePackage | None:
    return session.scalars(
        select(ServicePackage).where(ServicePackage.code == code).order_by(ServicePackage.version.desc()).limit(1)
    ).first()


def latest_packages(session: Session) -> list[ServicePackage]:
    """The newest version of every package, by code."""
    newest = (
        select(ServicePackage.code, func.max(ServicePackage.version).label("version"))
        .group_by(ServicePackage.code).subquery()
    )
    return list(session.scalars(
        select(ServicePackage).join(
            newest, (ServicePackage.code == newest.c.code) & (ServicePackage.version == newest.c.version)
        ).order_by(ServicePackage.code)
    ))


def _owners(session: Session, process_ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(ProcessDefinition.process_id, ServicePackage.code)
        .join(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(ProcessDefinition.process_id.in_(process_ids))
        .distinct()
    )
    return {pid: code for pid, code in rows}


class PackageHead(NamedTuple):
    """A line's newest version as lists show it (code, names, descriptor): plain values, kept per process."""

    id: int
    code: str
    version: int
    content_hash: str
    name: str
    descriptor: Descriptor


_NEWEST = "ligat_newest_package"  # transaction_values key: the newest package id
_SCOPES: dict[tuple[int, int | None], list[tuple[str, str, str]]] = {}
_HEADS: dict[tuple[int, int | None], tuple[PackageHead, ...]] = {}


def newest_package_id(session: Session) -> int | None:
    """The newest package id: every deploy adds one (versions are never deleted), so what a process keeps of
    the deployed packages is keyed by it, which holds across processes. Read once per transaction (a request
    asks for it for the principal's scopes, the page's packages and their English), or read along with the
    signed-in user (`newest_package_id_select`, `keep_newest_package_id`)."""
    return transaction_values.once(session, _NEWEST, lambda: session.scalar(newest_package_id_select()))


def newest_package_id_select() -> Select:
    return select(func.max(ServicePackage.id))


def keep_newest_package_id(session: Session, newest: int | None) -> None:
    """`newest` was read in the session's current transaction (a column of another statement)."""
    transaction_values.keep(session, _NEWEST, newest)


def latest_heads(session: Session) -> tuple[PackageHead, ...]:
    """`latest_packages` as plain values, read again only when a deploy has added a version: a page's filter
    and row names need them on every request."""
    key = (id(session.get_bind()), newest_package_id(session))
    heads = _HEADS.get(key)
    if heads is None:
        if len(_HEADS) > 16:
            _HEADS.clear()
        heads = _HEADS[key] = tuple(PackageHead(p.id, p.code, p.version, p.content_hash, p.name, p.descriptor)
                                    for p in latest_packages(session))
    return heads


def declared_scopes(session: Session, exclude_code: str | None = None) -> dict[str, tuple[str, str]]:
    """role → (scope, package code), as the newest version of every package declares it (a role has one
    scope across the office, so the first declaration stands for all).

    Asked on every request (who is this person?): the declarations are kept per process and read again
    only when a deploy has added a version (the newest package id changes)."""
    # Keyed by the database too: one process may hold several (the tests do).
    key = (id(session.get_bind()), newest_package_id(session))
    declarations = _SCOPES.get(key)
    if declarations is None:
        if len(_SCOPES) > 16:
            _SCOPES.clear()
        declarations = _SCOPES[key] = [
            (role.name, role.scope, package.code)
            for package in latest_packages(session) for role in package.descriptor.roles.values()
        ]
    out: dict[str, tuple[str, str]] = {}
    for role, scope, code in declarations:
        if code != exclude_code:
            out.setdefault(role, (scope, code))
    return out


def forget_scopes(bind: object) -> None:
    """Drop the kept declarations and package heads of a database that goes away (a throw-away one): a later
    engine may get the same id."""
    for kept in (_SCOPES, _HEADS):
        for key in [k for k in kept if k[0] == id(bind)]:
            kept.pop(key, None)


def deploy_package(session: Session, package: PackageFiles, actor: str = "sistem",
                   republish: bool = False) -> DeployResult:
    """Check and store one package version (commits). Raises DeployError listing every problem.

    Content already stored is that version again, unless `republish` (a rollback): then it becomes
    a new latest version, with new process definitions that new cases start on."""
    digest = package.content_hash()
    existing = session.scalars(
        select(ServicePackage).where(ServicePackage.code == package.code, ServicePackage.content_hash == digest)
        .order_by(ServicePackage.version.desc()).limit(1)
    ).first()
    if existing is not None and not republish:
        definitions = list(session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.package_id == existing.id)
        ))
        return DeployResult(existing, definitions, False, existing.warnings)

    checked = check_package(package, called_process_resolver(session, package.code))
    problems = list(checked.problems)
    if checked.descriptor is not None:
        owners = _owners(session, [p.process_id for p in checked.processes])
        for process in checked.processes:
            owner = owners.get(process.process_id)
            if owner and owner != package.code:
                problems.append(checked.problem(
                    process.source_name, process.process_id, process.name,
                    f"id proses '{process.process_id}' sudah dimiliki paket '{owner}'; beri proses ini id lain",
                    f"process id '{process.process_id}' is already owned by package '{owner}'; give it another id",
                ))
        others = declared_scopes(session, exclude_code=package.code)
        for role in checked.descriptor.roles.values():
            other = others.get(role.name)
            if other and other[0] != role.scope:
                problems.append(checked.problem(
                    "service.json", "roles", role.name,
                    f"peran '{role.name}' berlingkup '{role.scope}', padahal paket '{other[1]}' menyatakannya "
                    f"'{other[0]}'; satu peran satu lingkup di seluruh kantor",
                    f"role '{role.name}' has scope '{role.scope}' but package '{other[1]}' declares "
                    f"'{other[0]}'; a role has one scope across the office",
                ))
    if problems:
        session.rollback()
        raise DeployError.of(package.code, problems)

    descriptor = checked.descriptor
    current = session.scalar(select(func.max(ServicePackage.version)).where(ServicePackage.code == package.code))
    row = ServicePackage(
        code=package.code,
        version=(current or 0) + 1,
        content_hash=digest,
        name=descriptor.name["id"],
        descriptor_json=json.dumps(descriptor.raw, ensure_ascii=False, sort_keys=True),
        archive=package.to_archive(),
        warnings_json=json.dumps([str(w) for w in checked.warnings], ensure_ascii=False),
        deployed_by=actor,
    )
    session.add(row)
    session.flush()
    transaction_values.forget(session, _NEWEST)  # this transaction now holds a newer package
    for role in descriptor.roles.values():
        session.add(PackageRole(package_id=row.id, role=role.name, scope=role.scope))
    definitions = []
    for process in checked.processes:
        version = session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == process.process_id)
        )
        definition = ProcessDefinition(
            process_id=process.process_id,
            name=process.name,
            version=(version or 0) + 1,
            content_hash=digest,
            source_name=f"bpmn/{package.code}/{process.source_name}",
            bpmn_xml=process.bpmn_xml,
            dmn_json=json.dumps(checked.dmn_text),
            spec_json=spec_to_json(process.spec, process.subprocess_specs, process.dialect),
            meta_json=json.dumps({"process": process.process_meta, "tasks": process.task_meta}),
            deployed_by=actor,
            package_id=row.id,
        )
        session.add(definition)
        definitions.append(definition)
    session.commit()
    return DeployResult(row, definitions, True, [str(w) for w in checked.warnings])


def called_process_resolver(session: Session, code: str) -> Resolver:
    """Finds a process of another deployed package for a call activity: its newest definition, or the version
    the caller pins. The package's own earlier versions are not another package."""

    def resolve(process_id: str, version: int | None) -> CalledProcess | None:
        query = select(ProcessDefinition).join(ServicePackage, ProcessDefinition.package_id == ServicePackage.id) \
            .where(ProcessDefinition.process_id == process_id, ServicePackage.code != code)
        query = query.where(ProcessDefinition.version == version) if version else \
            query.order_by(ProcessDefinition.version.desc())
        definition = session.scalars(query.limit(1)).first()
        if definition is None:
            return None
        called = session.get(ServicePackage, definition.package_id)
        dialect, spec, subprocess_specs = spec_objects(definition.spec_json)
        meta = json.loads(definition.meta_json)
        files = files_of(called)
        tasks, forms = {}, {}
        for key, info in meta.get("tasks", {}).items():
            info = dict(info)
            for key_name in ("form", "ui_form"):
                if info.get(key_name):
                    # Renamed after their package (each level adds its code): two packages may both have
                    # `verifikasi.schema.json`.
                    name = f"{called.code}--{info[key_name]}"
                    forms[name] = files.get("forms", info[key_name]) or b"{}"
                    info[key_name] = name
            tasks[key if ":" in key else f"{process_id}:{key}"] = info
        record = {"package": called.code, "package_version": called.version, "version": definition.version,
                  "calls": meta.get("process", {}).get("calls", {})}
        return CalledProcess(process_id, spec, subprocess_specs, dialect, tasks, forms, record)

    return resolve


def package_of_case(session: Session, case: object) -> ServicePackage:
    """The package version a case runs on (its forms, letters, catalogue text)."""
    package = package_of_definition(session, case.definition)
    if package is None:
        raise DeployError(f"Kasus {case.reference} tidak punya paket layanan. (The case has no service package.)")
    return package


def package_of_definition(session: Session, definition: ProcessDefinition) -> ServicePackage | None:
    """The package version a definition belongs to (definitions deployed before packages: the newest
    version of the package that now owns the process id)."""
    if definition.package_id is not None:
        return session.get(ServicePackage, definition.package_id)
    owner = session.scalar(
        select(ServicePackage).join(ProcessDefinition, ProcessDefinition.package_id == ServicePackage.id)
        .where(ProcessDefinition.process_id == definition.process_id)
        .order_by(ServicePackage.id.desc()).limit(1)
    )
    return owner
