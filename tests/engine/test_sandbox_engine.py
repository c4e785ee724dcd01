"""The sandbox in a running case: a deployed package whose script builds a forbidden operation while
it runs (so the deploy check cannot see it) is stopped by the run-time guard, and the step does not
happen: the task stays open, nothing of the step is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.test_packages import small_package
from workflows import cases
from workflows.audit import AuditEvent
from workflows.db import Case, InboxTask
from workflows.errors import DeployError, LigatError
from workflows.packages import deploy_package
from workflows.sandbox import ScriptRefused
from workflows.visibility import principal

SMUGGLED = "kunci = '_' * 2 + 'class__'\nset_status('Diproses')\nx = '{0.' + kunci + '}'\ny = x.format(1)"


def test_a_smuggled_operation_is_stopped_when_the_case_runs(session):
    deploy_package(session, small_package("uji_sandbox", "uji_sandbox", role="Tim Sandbox", script=SMUGGLED))
    case = cases.start_case(session, "uji_sandbox", {}, "operator")
    row = session.scalar(select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open"))
    events = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id))
    worker = principal(session, "tim.sandbox", {"Tim Sandbox"})
    with pytest.raises(ScriptRefused) as caught:
        cases.complete_task(session, row.id, worker, {"catatan": "sudah ditinjau"})
    message = str(caught.value)
    assert isinstance(caught.value, LigatError)
    assert "Script_catat (Catat hasil) baris 4" in message and "format" in message
    assert "(Process script refused at Script_catat (Catat hasil) line 4" in message
    assert "Nothing was saved" in message
    session.expire_all()
    assert session.get(InboxTask, row.id).state == "open"
    assert session.get(Case, case.id).status == "Diterima"  # the set_status before the refusal did not happen
    assert session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id)
    ) == events


def test_the_same_construct_written_plainly_is_refused_at_deploy(session):
    with pytest.raises(DeployError) as caught:
        deploy_package(session, small_package("uji_sandbox2", "uji_sandbox2", role="Tim Sandbox",
                                              script="y = (1).__class__\nimport os"))
    found = [(p.element_id, p.line) for p in caught.value.problems]
    assert ("Script_catat", 1) in found and ("Script_catat", 2) in found
