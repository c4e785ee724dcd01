"""Deploying service packages and finding the definition a new case runs.

A package is deployed as one version (`packages.deploy_package`); this module adds the
two things callers need around it: deploy every package bundled in a checkout, and the
newest definition of a process id.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from .db import ProcessDefinition
from .packages import DeployResult, ServicePackage, bundled_codes, deploy_package, from_directories


def latest_definition(session: Session, process_id: str) -> ProcessDefinition | None:
    return latest_with_package(session, process_id)[0]


def latest_with_package(session: Session, process_id: str) -> tuple[ProcessDefinition | None, ServicePackage | None]:
    """The newest definition of a process id and its package version, in one statement (a new case reads
    both; the session keeps the package only while the caller holds it)."""
    row = session.execute(_latest_query(), {"process_id": process_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


@functools.cache
def _latest_query() -> Select:
    # Built once: composing an ORM select costs more CPU than running it (every new case runs it).
    return (
        select(ProcessDefinition, ServicePackage)
        .outerjoin(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(ProcessDefinition.process_id == bindparam("process_id"))
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def deploy_bundled(session: Session, root: Path, actor: str = "sistem") -> list[DeployResult]:
    """Deploy every package of a checkout (each `bpmn/<code>/service.json`), in code order."""
    return [deploy_package(session, from_directories(root, code), actor) for code in bundled_codes(root)]
