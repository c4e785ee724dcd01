"""Messages from outside, as Camunda's message correlation does it: a named message goes to the case that
waits for it (found by case reference or by a correlation value), or, when no case waits and a deployed
process starts on that message (a message start event), starts a new case with the payload.

Correlation: a BPMN `correlationProperty` with a retrieval expression per message (`nik`). A waiting case
expects the value an earlier message set, else the expression's value on its data; `MessageWait` rows hold
those values so that the case is found in one indexed query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .cases import begin_case, check_may_message, deliver, unit_of_work
from .db import Case, MessageWait, ProcessDefinition
from .errors import Forbidden, NotFound, TaskUnavailable
from .packages import package_of_definition
from .principal import ADMIN, Principal
from .visibility import can_view_case


@dataclass(frozen=True)
class Correlated:
    case: Case
    started: bool  # a new case (message start event) rather than a waiting one


def starting_definitions(session: Session, name: str) -> list[ProcessDefinition]:
    """The newest definition of each process, where that newest one starts on message `name` (a version
    that dropped its message start is not replaced by an older one that had it). Reads only the newest
    version of each process, not every version ever deployed."""
    newest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.process_id).subquery())
    query = (select(ProcessDefinition)
             .join(newest, and_(ProcessDefinition.process_id == newest.c.process_id,
                                ProcessDefinition.version == newest.c.version))
             .where(ProcessDefinition.meta_json.contains('"messageStarts"')))
    return [d for d in session.scalars(query)
            if name in json.loads(d.meta_json).get("process", {}).get("messageStarts", [])]


def may_start_by_message(session: Session, principal: Principal, definition: ProcessDefinition) -> bool:
    """An admin, or a holder (within its scope) of a role the package names in `message_start_roles`."""
    if ADMIN in principal.roles:
        return True
    package = package_of_definition(session, definition)
    roles = package.descriptor.raw.get("message_start_roles", []) if package else []
    return any(principal.holds_scope(role) for role in roles)


def waiting_cases(session: Session, name: str, correlation: dict[str, Any]) -> list[int]:
    """Ids of the open cases waiting for `name` whose correlation values equal every one given."""
    query = select(MessageWait.case_id).where(MessageWait.message == name)
    for prop, value in correlation.items():
        query = query.where(MessageWait.case_id.in_(select(MessageWait.case_id).where(and_(
            MessageWait.message == name, MessageWait.prop == str(prop), MessageWait.value == str(value)[:200]))))
    return sorted(set(session.scalars(query.limit(3))))


@unit_of_work
def correlate_message(
    session: Session, name: str, payload: dict[str, Any], principal: Principal, *,
    correlation: dict[str, Any] | None = None, reference: str | None = None, region_code: str | None = None,
) -> Correlated:
    """Deliver `name` to the one case waiting for it (by reference, or by correlation values), or start a
    case on it when none waits and a process starts on it. One transaction."""
    payload = {**(correlation or {}), **payload}  # the catching side reads the value from the payload
    if reference is not None:
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None or not can_view_case(principal, case):  # a case one may not see is not there (no 403)
            raise NotFound("Kasus tidak ditemukan. (Case not found.)")
        check_may_message(principal, case)
        return Correlated(deliver(session, case, name, payload, principal.username), False)
    if correlation:
        # Only cases this person may see take part: one they may not see is not there (no 403, no count).
        visible = [session.get(Case, case_id) for case_id in waiting_cases(session, name, correlation)]
        ids = [case.id for case in visible if case is not None and can_view_case(principal, case)]
        if len(ids) > 1:
            raise TaskUnavailable(f"Lebih dari satu kasus menunggu pesan '{name}' dengan nilai korelasi itu; "
                                  f"kirim nomor kasusnya. (More than one case waits for message '{name}' with "
                                  f"those correlation values; send its reference.)")
        if ids:
            case = session.get(Case, ids[0])
            check_may_message(principal, case)
            return Correlated(deliver(session, case, name, payload, principal.username), False)
    definitions = starting_definitions(session, name)
    if not definitions:
        raise NotFound(f"Tidak ada kasus yang menunggu pesan '{name}' dan tidak ada proses yang dimulai olehnya. "
                       f"(No case waits for message '{name}' and no process starts on it.)")
    if len(definitions) > 1:
        raise TaskUnavailable(f"Pesan '{name}' memulai lebih dari satu proses ("
                              f"{', '.join(sorted(d.process_id for d in definitions))}). "
                              f"(Message '{name}' starts more than one process.)")
    definition = definitions[0]
    if not may_start_by_message(session, principal, definition):
        raise Forbidden(f"Anda tidak dapat memulai kasus dengan pesan '{name}'. "
                        f"(You may not start a case with message '{name}'.)")
    case = begin_case(session, definition.process_id, {}, principal.username,
                      region_code=region_code or principal.region_code)
    return Correlated(deliver(session, case, name, payload, principal.username), True)
