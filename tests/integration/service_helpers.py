"""Helpers the service-line HTTP tests share: apply on the public and officer pages, find cases and
their open tasks, complete tasks through the inbox, read a letter, wake a timer."""

from __future__ import annotations

import io
import re
import time
from html import unescape

import docx
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.files import PDF
from workflows.db import Case, InboxTask, utcnow
from workflows.timers import wake_due_timers


def whole_inbox(client) -> str:
    """Every page of the client's inbox (its "next" links followed): the suite's cases share one database,
    so a new case's task need not be on the first page."""
    pages, url = [], "/inbox/"
    for _ in range(50):
        page = client.get(url).get_data(as_text=True)
        pages.append(page)
        link = re.search(r'href="([^"]+)" id="inbox-next"', page)
        if link is None:
            return "\n".join(pages)
        url = unescape(link.group(1))
    raise AssertionError("the inbox has more than 50 pages")


def files(*names: str) -> dict:
    return {name: (io.BytesIO(PDF), f"{name}.pdf") for name in names}


def apply_public(client, code: str, form: dict) -> tuple[str, str]:
    """Public application; returns (ticket, tracking code)."""
    path = f"/layanan/{code}/ajukan"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **form},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    location = response.headers["Location"]
    return re.search(r"tiket=([A-Z0-9-]+)", location).group(1), re.search(r"kode=([A-Z0-9]+)", location).group(1)


def apply_officer(client, code: str, form: dict) -> int:
    """An officer starts a case for a resident; returns the new case's id."""
    path = f"/kantor/layanan/{code}/baru"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **form},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/kasus/(\d+)", response.headers["Location"]).group(1))


def case_by_ref(db_session, reference: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.reference == reference))


def case_by_id(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def open_task(db_session, case: Case, name: str) -> InboxTask | None:
    db_session.expire_all()
    return db_session.scalar(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.task_name == name, InboxTask.state == "open")
    )


def open_tasks(db_session, case: Case) -> list[str]:
    db_session.expire_all()
    return sorted(t.task_name for t in db_session.scalars(
        select(InboxTask).where(InboxTask.case_id == case.id, InboxTask.state == "open")))


def post_task(client, task_id: int, data: dict, upload: dict | None = None):
    token = csrf_token(client, "/inbox/")
    return client.post(f"/inbox/{task_id}", data={"csrf_token": token, **data, **(upload or {})},
                       content_type="multipart/form-data")


def complete(client, db_session, case: Case, name: str, data: dict, upload: dict | None = None,
             role: str | None = None) -> InboxTask:
    """Complete the case's open task `name` through the inbox (optionally checking its role)."""
    task = open_task(db_session, case, name)
    assert task is not None, f"no open task {name}; open: {open_tasks(db_session, case)}"
    if role:
        assert task.role == role, (name, task.role)
    response = post_task(client, task.id, data, upload)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return task


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def wait_and_wake(db_session, case: Case) -> None:
    """Sleep until the case's next timer is due, then run the scheduler's job once."""
    db_session.expire_all()
    due = db_session.get(Case, case.id).next_timer_at
    assert due is not None, "the case waits on no timer"
    delay = (due - utcnow()).total_seconds() + 0.3
    if delay > 0:
        time.sleep(delay)
    assert wake_due_timers(db_session) >= 1
