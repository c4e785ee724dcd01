"""Who sees which case, decided by data: the roles a case's package version gives lanes to, each
with the scope the package declares (office-wide, region, bidang, region and bidang, citizen).

A person sees a case when one of their roles has a lane in that case's package version and
that role's scope covers the case's region and bidang, or when they hold a read-all role
(Auditor, Kepala Dinas, Admin), or when the diagram names them on an open task of that case
(candidateUsers, an assignee): they see it while that task is open. A scoped role whose user has
no region or bidang set sees nothing. Every route that shows a case or a part of it asks
`can_view_case`; lists use `case_list_query` (or `case_scope`, its condition) and the inbox
`task_scope`, which say the same in SQL.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session, object_session

from .db import Case, InboxCandidate, InboxTask, ProcessDefinition
from .packages import PackageRole, declared_scopes, package_of_definition
from .principal import BIDANG, CITIZEN_SCOPE, REGION, REGION_BIDANG, Principal


def region_filter(column: ColumnElement, region_code: str) -> ColumnElement:
    """The one region test in SQL: the code itself or any code under it (91.71 ⊃ 91.71.01 ⊃ …)."""
    return or_(column == region_code, column.like(region_code + ".%"))


def role_scopes(session: Session) -> dict[str, str]:
    """role → scope, as the deployed packages declare it (one scope per role)."""
    return {role: scope for role, (scope, _) in declared_scopes(session).items()}


def principal(
    session: Session, username: str, roles: frozenset[str] | set[str], region_code: str | None = None,
    bidang: str | None = None,
) -> Principal:
    """A Principal with the scopes of its roles filled in from the deployed packages."""
    scopes = role_scopes(session)
    return Principal(
        username, frozenset(roles), region_code or None, bidang or None,
        tuple(sorted((role, scopes[role]) for role in roles if role in scopes)),
    )


def _scope_sql(principal: Principal, scope: str, region_col: ColumnElement, bidang_col: ColumnElement
               ) -> ColumnElement:
    if scope == CITIZEN_SCOPE:
        return false()
    conditions = []
    if scope in (REGION, REGION_BIDANG):
        if not principal.region_code:
            return false()
        conditions.append(region_filter(region_col, principal.region_code))
    if scope in (BIDANG, REGION_BIDANG):
        if not principal.bidang:
            return false()
        conditions.append(bidang_col == principal.bidang)
    return and_(*conditions) if conditions else true()


def _package_id(session: Session, case: Case) -> int | None:
    definition = case.definition
    if definition.package_id is not None:
        return definition.package_id
    package = package_of_definition(session, definition)
    return package.id if package else None


def case_roles(session: Session, case: Case) -> set[str]:
    """Roles with a lane in the case's package version."""
    package_id = _package_id(session, case)
    if package_id is None:
        return set()
    return set(session.scalars(select(PackageRole.role).where(PackageRole.package_id == package_id)))


def named_cases(username: str) -> Select:
    """Ids of the cases with an open task that names this user (candidate user or assignee)."""
    return (select(InboxCandidate.case_id).join(InboxTask, InboxCandidate.inbox_task_id == InboxTask.id)
            .where(InboxCandidate.username == username, InboxTask.state == "open"))


def _named_on_open_task(session: Session, principal: Principal, case: Case) -> bool:
    if not principal.may_be_named:
        return False
    return session.scalar(named_cases(principal.username).where(InboxCandidate.case_id == case.id).limit(1)) \
        is not None


def can_view_case(principal: Principal, case: Case) -> bool:
    if principal.reads_everything:
        return True
    session = object_session(case)
    if session is None:
        return False
    if principal.roles and any(
        principal.covers(role, case.region_code, case.bidang, case.id)
        for role in case_roles(session, case) & principal.roles
    ):
        return True
    return _named_on_open_task(session, principal, case)


def case_scope(
    session: Session, principal: Principal, definition_col: ColumnElement = Case.process_definition_id,
    region_col: ColumnElement = Case.region_code, bidang_col: ColumnElement = Case.bidang,
    case_id_col: ColumnElement | None = Case.id,
) -> ColumnElement:
    """The rule of `can_view_case` as one SQL condition on any rows that carry a case's definition, region
    and bidang (the case table itself, or a table derived from it such as the dashboard's; without a case
    id column, cases seen only through a named task are left out)."""
    if principal.reads_everything:
        return true()
    rows = session.execute(
        select(PackageRole.package_id, PackageRole.role).where(PackageRole.role.in_(sorted(principal.roles)))
    ).all()
    packages_by_scope: dict[str, set[int]] = defaultdict(set)
    for package_id, role in rows:
        scope = principal.scope_of(role)
        if scope:
            packages_by_scope[scope].add(package_id)
    conditions = []
    for scope, package_ids in packages_by_scope.items():
        definitions = select(ProcessDefinition.id).where(ProcessDefinition.package_id.in_(sorted(package_ids)))
        conditions.append(and_(definition_col.in_(definitions),
                               _scope_sql(principal, scope, region_col, bidang_col)))
    if principal.may_be_named and case_id_col is not None:
        conditions.append(case_id_col.in_(named_cases(principal.username)))
    return or_(*conditions) if conditions else false()


def case_list_query(session: Session, principal: Principal) -> Select:
    """Cases this person may see, newest and most urgent first."""
    query = select(Case)
    if principal.reads_everything:
        return query.order_by(Case.id.desc())
    query = query.where(case_scope(session, principal))
    return query.order_by(Case.priority.desc(), Case.id.desc())


def role_task_scope(principal: Principal) -> ColumnElement:
    """Inbox rows whose own role is one of this person's, within that role's scope (the inbox's index)."""
    conditions = [
        and_(InboxTask.role == role, _scope_sql(principal, scope, InboxTask.region_code, InboxTask.bidang))
        for role, scope in principal.scopes
        if role in principal.roles and scope != CITIZEN_SCOPE
    ]
    return or_(*conditions) if conditions else false()


def candidate_task_scope(principal: Principal) -> ColumnElement:
    """Inbox rows that reach this person through `inbox_candidate`: another candidate role of theirs (within
    its scope), or their name."""
    conditions = candidate_task_scopes(principal)
    return or_(*conditions) if conditions else false()


def candidate_task_scopes(principal: Principal) -> list[ColumnElement]:
    """The parts of `candidate_task_scope`, one per role and one for the name. Apart, each is a semi-join
    from `inbox_candidate`'s index; ORed in one WHERE, PostgreSQL tests every open task against them."""
    conditions = [
        and_(InboxTask.id.in_(select(InboxCandidate.inbox_task_id).where(InboxCandidate.role == role)),
             _scope_sql(principal, scope, InboxTask.region_code, InboxTask.bidang))
        for role, scope in principal.scopes
        if role in principal.roles and scope != CITIZEN_SCOPE
    ]
    if principal.may_be_named:
        conditions.append(InboxTask.id.in_(
            select(InboxCandidate.inbox_task_id).where(InboxCandidate.username == principal.username)))
    return conditions


def task_scope(principal: Principal) -> ColumnElement:
    """Inbox rows this person reaches: a row whose role, or one of whose candidate roles, is one of theirs,
    within that role's scope; and a row that names them."""
    return or_(role_task_scope(principal), candidate_task_scope(principal))


def can_work_task(principal: Principal, row: InboxTask) -> bool:
    """The same rule as `task_scope`, for one row: a named user, or a role of the row within its scope."""
    if row.assignee and row.assignee != principal.username:
        return False
    # The row's own role first: most tasks are worked through it, and it needs no candidate rows loaded.
    if principal.covers(row.role, row.region_code, row.bidang, row.case_id):
        return True
    if principal.may_be_named and any(c.username == principal.username for c in row.candidates):
        return True
    roles = [c.role for c in row.candidates if c.role]
    return any(principal.covers(role, row.region_code, row.bidang, row.case_id) for role in roles)
