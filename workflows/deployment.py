"""Deploying service packages and finding the definition a new case runs.

A package is deployed as one version (`packages.deploy_package`); this module adds the
two things callers need around it: deploy every package bundled in a checkout, and the
newest definition of a process id.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from . import deployed_rows, transaction_values
from .db import Case, ProcessDefinition
from .packages import DeployResult, ServicePackage, bundled_codes, deploy_package, from_directories


def latest_definition(session: Session, process_id: str) -> ProcessDefinition | None:
    return latest_with_package(session, process_id)[0]


Latest = tuple[ProcessDefinition | None, ServicePackage | None]
_HELD = "latest_definition"  # transaction_values key (with the process id): (Latest, a drawn case id or None)


def latest_with_package(session: Session, process_id: str) -> Latest:
    """The newest definition of a process id and its package version, in one statement (a new case reads
    both; the session keeps the package only while the caller holds it). What `hold_latest` read in
    this same transaction is answered again without a query."""
    held = transaction_values.kept(session, (_HELD, process_id))
    if held is not None:
        return held[0]
    row = session.execute(latest_query(), {"process_id": process_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def latest_for_new_case(session: Session, process_id: str) -> tuple[ProcessDefinition | None,
                                                                    ServicePackage | None, int | None]:
    """latest_with_package for a case about to start, and on PostgreSQL the new case's id drawn from its
    sequence in the same statement, so the case can be written once with its final values (its reference is
    made from the id). A caller that held the definition (`hold`) with an id it drew in its own statement
    hands that id to the first start only; a later start in the transaction gets None. None for the id: the
    database gives it at the INSERT (SQLite; or a held definition without an id left)."""
    held = transaction_values.kept(session, (_HELD, process_id))
    if held is not None:
        found, case_id = held
        if case_id is not None:  # used once: a second case of this transaction must not take the same id
            hold(session, process_id, found)
        return (*found, case_id)
    new_case_id = session.get_bind().dialect.name == "postgresql"
    row = session.execute(newest_ids_query(new_case_id), {"process_id": process_id}).first()
    if row is None:
        return None, None, None
    return (*attach_newest(session, row), row[3] if new_case_id else None)


def attach_newest(session: Session, row: Row) -> Latest:
    """The definition and package version a `newest_ids_query` row names (its first three columns), put into the
    session from what the process holds (read whole the first time only): the objects `latest_query` loads."""
    return _attach_pair(session, row[0], row[1], row[2])


@functools.cache
def newest_ids_query(new_case_id: bool = False) -> Select:
    """latest_query's row as ids and deploy moments: the rest of a deployed row never changes, and the process
    holds it (deployed_rows). Callers may add columns after the first three (four with `new_case_id`): turn
    the row into objects with `attach_newest`."""
    sequence = func.pg_get_serial_sequence(f'"{Case.__table__.name}"', "id")
    columns = [select(func.nextval(sequence)).scalar_subquery()] if new_case_id else []
    return (
        select(ProcessDefinition.id, ProcessDefinition.deployed_at,
               ServicePackage.deployed_at.label("package_deployed_at"), *columns)
        .outerjoin(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(ProcessDefinition.process_id == bindparam("process_id"))
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def attach_definition(session: Session, case: Case, deployed_at: datetime,
                      package_deployed_at: datetime | None) -> ServicePackage | None:
    """Put a case's definition and package version into the session from what the process holds, given their
    deploy moments read with the case (a row not held yet is read whole); returns the package (None: the
    definition has none)."""
    definition, package = _attach_pair(session, case.process_definition_id, deployed_at, package_deployed_at)
    if "definition" not in case.__dict__:
        set_committed_value(case, "definition", definition)  # as a joined load sets it: no lazy load later
    return package


def _attach_pair(session: Session, definition_id: int, deployed_at: datetime,
                 package_deployed_at: datetime | None) -> Latest:
    definition = deployed_rows.attach(session, ProcessDefinition, definition_id, deployed_at)
    package_id = None if definition is None else definition.package_id
    package = None if package_id is None or package_deployed_at is None else \
        deployed_rows.attach(session, ServicePackage, package_id, package_deployed_at)
    if definition is None or (package_id is not None and package is None):
        definition, package = session.execute(_whole_pair(), {"definition_id": definition_id}).one()
        deployed_rows.remember(definition)
        if package is not None:
            deployed_rows.remember(package)
    return definition, package


@functools.cache
def _whole_pair() -> Select:
    """A definition and its package version, every column a query loads: once per process and deployed row."""
    return (
        select(ProcessDefinition, ServicePackage)
        .outerjoin(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(ProcessDefinition.id == bindparam("definition_id"))
    )


def hold_latest(session: Session, process_id: str) -> Latest:
    """latest_with_package, kept for the rest of the current transaction: a caller that checks a form
    of the newest version and then starts a case on it (the public report) reads both once, and the
    case starts on the very version its form was checked against. A commit or rollback ends it."""
    return hold(session, process_id, latest_with_package(session, process_id))


def hold(session: Session, process_id: str, found: Latest, new_case_id: int | None = None) -> Latest:
    """Keep a newest definition and package read by the caller's own statement (`latest_query` or
    `newest_ids_query` with columns of its own added) for the rest of the current transaction, as `hold_latest`
    does; with the `new_case_id` that statement drew (`new_case_id=True`), for the next case to start."""
    transaction_values.keep(session, (_HELD, process_id), (found, new_case_id))
    return found


@functools.cache
def latest_query(new_case_id: bool = False) -> Select:
    """The newest definition of `:process_id` and its package, one row; with `new_case_id`, also a new
    case's id drawn from its sequence (PostgreSQL). Built once: composing an ORM select costs more CPU than
    running it (every new case runs it)."""
    # The id as an uncorrelated subquery: evaluated once (an InitPlan), not once per version row before the LIMIT.
    sequence = func.pg_get_serial_sequence(f'"{Case.__table__.name}"', "id")
    columns = [select(func.nextval(sequence)).scalar_subquery()] if new_case_id else []
    return (
        select(ProcessDefinition, ServicePackage, *columns)
        .outerjoin(ServicePackage, ServicePackage.id == ProcessDefinition.package_id)
        .where(ProcessDefinition.process_id == bindparam("process_id"))
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def deploy_bundled(session: Session, root: Path, actor: str = "sistem") -> list[DeployResult]:
    """Deploy every package of a checkout (each `bpmn/<code>/service.json`), in code order."""
    return [deploy_package(session, from_directories(root, code), actor) for code in bundled_codes(root)]
