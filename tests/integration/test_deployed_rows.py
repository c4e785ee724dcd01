"""A step reads of the case's definition and package version only their deploy moments; their other columns
come from what the process read before (workflows/deployed_rows.py). The objects the session gets are the
ones a query would have loaded; a row the process has not read, or read in another database (same id,
another deploy moment), is read whole once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from workflows import cases, deployed_rows
from workflows.db import Case, InboxTask, ProcessDefinition
from workflows.packages import ServicePackage

from .test_engine_step_writes import FOLLOW_UP, OFFICER, OP, REPORT, VILLAGE
from .test_engine_step_writes import Statements as _AllStatements

VERIFY = {"keputusan": "valid", "catatan": "Ok."}


class Statements(_AllStatements):
    """This thread's statements only: a live server another test left running shares the engine."""

    def _add(self, *args) -> None:  # noqa: ANN002
        if threading.get_ident() == self.thread:
            super()._add(*args)

    def __enter__(self) -> list[str]:
        self.thread = threading.get_ident()
        return super().__enter__()


def _open_task(session: Session, case_id: int) -> int:
    return session.scalar(select(InboxTask.id).where(InboxTask.case_id == case_id, InboxTask.state == "open"))


def _columns(obj: object) -> dict:
    """The loaded (not deferred) columns of a mapped row, as the object holds them."""
    state = inspect(obj)
    return {p.key: state.dict.get(p.key, "<not loaded>") for p in state.mapper.column_attrs if not p.deferred}


def _as_read(session: Session, cls: type, row_id: int) -> dict:
    """The same row read whole by a session of its own."""
    with Session(session.get_bind()) as other:
        return _columns(other.get(cls, row_id))


def _selects(seen: list[str], table: str = "") -> list[str]:
    """The SELECTs from `table`, but for the large deferred columns (a spec, flows, files) the process reads
    once per version for its own caches."""
    lazy = (".SPEC_JSON", ".BPMN_XML", ".ARCHIVE")
    return [s for s in seen if s.startswith("SELECT") and f"FROM {table}" in s and not any(c in s for c in lazy)]


def test_a_completion_reads_the_deploy_moments_only_and_holds_the_rows_a_query_would(db_session):
    case_id = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    task_id = _open_task(db_session, case_id)
    db_session.commit()
    db_session.expunge_all()  # a new request's session: nothing of the case held
    with Statements(db_session) as seen:
        case = cases.complete_task(db_session, task_id, OP, VERIFY)
    read = [s for s in seen if s.startswith("SELECT") and "FROM INBOX_TASK" in s][0]
    assert "PROCESS_DEFINITION.DEPLOYED_AT" in read and "SERVICE_PACKAGE.DEPLOYED_AT" in read
    for column in ("PROCESS_DEFINITION.META_JSON", "PROCESS_DEFINITION.NAME", "SERVICE_PACKAGE.DESCRIPTOR_JSON",
                   "SERVICE_PACKAGE.CODE", "INBOX_TASK.DUE_AT"):
        assert column not in read, column
    assert not _selects(seen, "PROCESS_DEFINITION") and not _selects(seen, "SERVICE_PACKAGE"), seen
    definition = db_session.get(ProcessDefinition, case.process_definition_id)
    assert inspect(definition).persistent and case.definition is definition
    assert _columns(definition) == _as_read(db_session, ProcessDefinition, definition.id)
    package = db_session.get(ServicePackage, definition.package_id)
    assert _columns(package) == _as_read(db_session, ServicePackage, package.id)
    # Its deferred columns load on first use, as from a query.
    assert "spec_json" not in inspect(definition).dict and definition.spec_json.startswith("{")


def test_a_row_held_expired_after_a_commit_gets_its_columns_back_without_a_query(db_session):
    case_id = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    definition = db_session.get(Case, case_id).definition
    cases.complete_task(db_session, _open_task(db_session, case_id), OP, VERIFY)
    assert inspect(definition).expired  # the commit expired it; the next step refreshes it from the process
    task_id = _open_task(db_session, case_id)
    with Statements(db_session) as seen:
        case = cases.complete_task(db_session, task_id, OFFICER, FOLLOW_UP)
    assert case.completed
    assert not _selects(seen, "PROCESS_DEFINITION") and not _selects(seen, "SERVICE_PACKAGE"), seen
    assert case.definition is definition and not inspect(definition).expired_attributes & {"name", "meta_json"}
    assert _columns(definition) == _as_read(db_session, ProcessDefinition, definition.id)


def test_a_row_the_process_has_not_read_is_read_whole_once(db_session):
    first = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    second = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    tasks = [_open_task(db_session, first), _open_task(db_session, second)]
    db_session.commit()
    db_session.expunge_all()
    deployed_rows._VALUES.clear()  # a process that has read nothing yet
    with Statements(db_session) as cold:
        cases.complete_task(db_session, tasks[0], OP, VERIFY)
    assert len(_selects(cold, "PROCESS_DEFINITION")) == 1  # the step's read, then the rows whole
    assert len(_selects(cold)) == 2, cold
    db_session.expunge_all()
    with Statements(db_session) as warm:
        cases.complete_task(db_session, tasks[1], OP, VERIFY)
    assert len(_selects(warm)) == 1, warm


def test_a_row_of_the_same_id_deployed_at_another_moment_is_not_taken_for_the_one_held(db_session):
    """Another database may hold another row under the same id: its deploy moment tells them apart."""
    case_id = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    task_id = _open_task(db_session, case_id)
    definition_id = db_session.get(Case, case_id).process_definition_id
    table = ProcessDefinition.__table__
    name, moment = db_session.execute(select(table.c.name, table.c.deployed_at)
                                      .where(table.c.id == definition_id)).one()
    db_session.execute(update(table).where(table.c.id == definition_id)
                       .values(name="Another row", deployed_at=moment + timedelta(seconds=1)))
    db_session.commit()
    try:
        db_session.expunge_all()
        case = cases.complete_task(db_session, task_id, OP, VERIFY)
        assert case.definition.name == "Another row"
        assert _columns(case.definition) == _as_read(db_session, ProcessDefinition, definition_id)
    finally:
        db_session.rollback()
        db_session.execute(update(table).where(table.c.id == definition_id).values(name=name, deployed_at=moment))
        db_session.commit()


def test_a_start_reads_the_newest_ids_and_gets_the_rows_a_query_would(db_session):
    cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)  # the process has read them
    db_session.expunge_all()
    with Statements(db_session) as seen:
        case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    read = [s for s in seen if s.startswith("SELECT") and "FROM PROCESS_DEFINITION" in s][0]
    assert "PROCESS_DEFINITION.META_JSON" not in read and "SERVICE_PACKAGE.DESCRIPTOR_JSON" not in read
    assert len(_selects(seen, "PROCESS_DEFINITION")) == 1
    newest = db_session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_id == "pengaduan")
                               .order_by(ProcessDefinition.version.desc()).limit(1))
    assert case.process_definition_id == newest
    assert _columns(db_session.get(ProcessDefinition, newest)) == _as_read(db_session, ProcessDefinition, newest)


def test_rows_the_session_read_before_the_step_are_taken_without_reading_them_again(db_session):
    """The task page reads the case's definition and package before its form is posted: a process that has
    not read them yet keeps the session's, with no second read."""
    from workflows.packages import package_of_case

    case_id = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    task_id = _open_task(db_session, case_id)
    db_session.commit()
    db_session.expunge_all()
    deployed_rows._VALUES.clear()
    page_case = db_session.get(Case, case_id)  # held, as the page holds it
    package = package_of_case(db_session, page_case)
    with Statements(db_session) as seen:
        case = cases.complete_task(db_session, task_id, OP, VERIFY)
    assert len(_selects(seen)) == 1, seen
    assert case is page_case and db_session.get(ServicePackage, package.id) is package
