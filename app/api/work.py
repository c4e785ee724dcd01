"""Inbox, task and case endpoints: the same engine calls and checks as the HTML views."""

from __future__ import annotations

import json
from typing import Any

from flask import request, url_for
from flask_appbuilder.api import BaseApi, expose, protect
from sqlalchemy import select

from workflows import cases
from workflows.db import AuditEvent, Case, InboxTask
from workflows.errors import (
    ConcurrentUpdate,
    Forbidden,
    FormInvalid,
    LigatError,
    NotFound,
    ProcessError,
    TaskUnavailable,
)
from workflows.inbox import InvalidPageKey, inbox, inbox_page, sla_badge
from workflows.messages import correlate_message
from workflows.visibility import can_view_case

from ..casedata import hidden_fields, log_case_view, without
from ..extensions import db
from ..letter_preview import PdfUnavailable, letter_choices, preview_file
from ..security import CASE, INBOX, current_principal
from ..views.berkas import LETTER_MIME, send_case_file

API_PAGE_SIZE = 200  # the most rows a page of the inbox API holds (and its size when not asked)
API_MAX_OFFSET = 1_000_000  # `offset` is the old way; far in, `after` is the way (and SQL's limit is 32-bit)
STATUS_FOR = {
    NotFound: 404, Forbidden: 403, TaskUnavailable: 409, ConcurrentUpdate: 409, FormInvalid: 422, ProcessError: 500,
}


def task_json(row: InboxTask) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "case_reference": row.case.reference,
        "task": row.task_name,
        "title": row.title,
        "role": row.role,
        "region_code": row.region_code,
        "bidang": row.bidang,
        "category": row.category,
        "priority": row.priority,
        "state": row.state,
        "claimed_by": row.claimed_by,
        "due_at": row.due_at.isoformat() + "Z" if row.due_at else None,
        "sla": sla_badge(row.due_at).code,
        "form": row.form,
    }


class _ErrorsMixin:
    def error(self, exc: LigatError):  # noqa: ANN201
        status = STATUS_FOR.get(type(exc), 400)
        body: dict[str, Any] = {"message": str(exc)}
        if isinstance(exc, FormInvalid):
            body["errors"] = exc.errors
        return self.response(status, **body)


class InboxApi(_ErrorsMixin, BaseApi):
    resource_name = "inbox"
    class_permission_name = INBOX
    # The same set as InboxView: FAB prunes permissions a view sharing the name does not list.
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"list": "read", "claim": "write", "complete": "write", "letter_preview": "read"}

    # Reads also accept the browser session; writes need a JWT, so a cookie alone
    # can never change a case through this CSRF-exempt API.
    @expose("/", methods=["GET"])
    @protect(allow_browser_login=True)
    def list(self):  # noqa: ANN201
        """Open tasks the caller may work on, most urgent first, a page at a time.
        ---
        get:
          description: >-
            Open tasks the caller may work on, most urgent first (priority, then due time, tasks without one
            last, then task id). Pages follow each other by keys: pass a page's `next` as `after` for the
            following page, its `previous` as `before` for the page before it; without either, the first page.
            A key is opaque (a row's place in the order; no personal data). When the row a key came from is
            done meanwhile, the key still holds its place: no task is listed twice or left out.
          parameters:
          - {in: query, name: after, schema: {type: string}, description: the `next` key of the page before}
          - {in: query, name: before, schema: {type: string}, description: the `previous` key of the page after}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 200, default: 200}}
          - {in: query, name: offset, schema: {type: integer, minimum: 0, maximum: 1000000, default: 0},
             description: rows skipped before the first page (the old way; slow far in, use `after`)}
          - {in: query, name: mine, schema: {type: string, enum: ["1"]}, description: only tasks I claimed}
          responses:
            200:
              description: one page
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
                      next: {type: string, nullable: true, description: "for `after`; null: the last page"}
                      previous: {type: string, nullable: true, description: "for `before`; null: the first page"}
            400:
              description: a key not made by this API, or a limit or offset out of range (message in
                Indonesian and English)
        """
        limit = request.args.get("limit", API_PAGE_SIZE, type=int)
        offset = request.args.get("offset", 0, type=int)
        if not 1 <= limit <= API_PAGE_SIZE or not 0 <= offset <= API_MAX_OFFSET:
            return self.response(400, message=f"limit: 1–{API_PAGE_SIZE}; offset: 0–{API_MAX_OFFSET}. "
                                              f"(limit: 1–{API_PAGE_SIZE}; offset: 0–{API_MAX_OFFSET}.)")
        try:
            page = inbox_page(inbox, limit, request.args.get("after"), request.args.get("before"), offset,
                              session=db.session, principal=current_principal(),
                              only_mine=request.args.get("mine") == "1")
        except InvalidPageKey as exc:
            return self.error(exc)
        return self.response(200, result=[task_json(r) for r in page.rows], next=page.next_key,
                             previous=page.previous_key)

    def _row(self, task_id: int) -> InboxTask:
        row = db.session.get(InboxTask, task_id)
        if row is None:
            raise NotFound("Tugas tidak ditemukan. (Task not found.)")
        cases.check_can_work(current_principal(), row)
        return row

    @expose("/<int:task_id>/letter-preview", methods=["GET"])
    @protect(allow_browser_login=True)
    def letter_preview(self, task_id: int):  # noqa: ANN201
        """The letter the task's completion would issue, marked as a preview: PDF (`?format=docx` for the
        .docx; `?type=` names the letter type where more than one may follow). Only for whoever may work on
        the task (403 otherwise, 404 when no letter follows it); 503 when no PDF can be made here."""
        variant = request.args.get("format", "pdf")
        if variant not in LETTER_MIME:
            return self.response(400, message="format: pdf atau docx. (format: pdf or docx.)")
        try:
            row = self._row(task_id)
            choices = [code for code, _name in letter_choices(row)]
            letter_type = request.args.get("type") or (choices[0] if choices else "")
            if not letter_type:
                raise NotFound("Tidak ada surat yang terbit setelah tugas ini. (No letter follows this task.)")
            made = preview_file(row, current_principal(), letter_type, variant)
        except PdfUnavailable as exc:
            db.session.rollback()
            return self.response(503, message=str(exc), docx=url_for("InboxApi.letter_preview", task_id=task_id,
                                                                     format="docx", type=letter_type))
        except LigatError as exc:
            db.session.rollback()
            return self.error(exc)
        return send_case_file(made.data, made.mime, made.name)

    @expose("/<int:task_id>/claim", methods=["POST"])
    @protect()
    def claim(self, task_id: int):  # noqa: ANN201
        try:
            self._row(task_id)
            row = cases.claim_task(db.session, task_id, current_principal())
        except LigatError as exc:
            return self.error(exc)
        return self.response(200, result=task_json(row))

    @expose("/<int:task_id>/complete", methods=["POST"])
    @protect()
    def complete(self, task_id: int):  # noqa: ANN201
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response(400, message="Badan permintaan harus objek JSON. (Body must be a JSON object.)")
        try:
            self._row(task_id)
            case = cases.complete_task(db.session, task_id, current_principal(), data)
        except LigatError as exc:
            return self.error(exc)
        return self.response(200, result={"case_id": case.id, "status": case.status, "completed": case.completed})


class CaseApi(_ErrorsMixin, BaseApi):
    resource_name = "cases"
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"get": "read", "message": "read", "correlate": "read"}

    @expose("/<int:case_id>", methods=["GET"])
    @protect(allow_browser_login=True)
    def get(self, case_id: int):  # noqa: ANN201
        """A case with its open tasks and full history (404 outside the caller's region)."""
        case = db.session.get(Case, case_id)
        if case is None or not can_view_case(current_principal(), case):
            return self.response(404, message="Kasus tidak ditemukan. (Case not found.)")
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
        ).all()
        tasks = db.session.scalars(select(InboxTask).where(InboxTask.case_id == case.id)).all()
        hidden = hidden_fields(case, current_principal())
        log_case_view(case, current_principal(), "api_kasus", cases.case_data(case))
        return self.response(
            200,
            result={
                "id": case.id,
                "reference": case.reference,
                "process": case.process_id,
                "version": case.definition.version,
                "status": case.status,
                "status_note": case.status_note,
                "escalated": case.escalated,
                "completed": case.completed,
                "region_code": case.region_code,
                "bidang": case.bidang,
                "data": {k: v for k, v in cases.case_data(case).items() if k not in hidden},
                "tasks": [task_json(t) for t in tasks],
                "history": [
                    {"seq": e.seq, "at": e.occurred_at.isoformat() + "Z", "actor": e.actor, "action": e.action,
                     "task": e.task_name, "data": without(json.loads(e.data_json), hidden), "hash": e.hash}
                    for e in events
                ],
            },
        )

    @expose("/<int:case_id>/messages", methods=["POST"])
    @protect()
    def message(self, case_id: int):  # noqa: ANN201
        """Deliver a named message the case waits for: {"name": "...", "data": {...}} (JWT only)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or \
                not isinstance(body.get("data", {}), dict):
            return self.response(400, message="Kirim {\"name\": nama pesan, \"data\": {...}}. "
                                              "(Send {\"name\": message name, \"data\": {...}}.)")
        try:
            case = cases.deliver_message(db.session, case_id, body["name"], body.get("data", {}), current_principal())
        except LigatError as exc:
            return self.error(exc)
        return self.response(200, result={"case_id": case.id, "status": case.status, "completed": case.completed})

    @expose("/messages/<string:name>", methods=["POST"])
    @protect()
    def correlate(self, name: str):  # noqa: ANN201
        """A named message to the case waiting for it, found by {"reference": ...} or by {"correlation": {property:
        value}}; with neither match, a process with a message start event on `name` starts a case (JWT only)."""
        body = request.get_json(silent=True)
        shapes = {"data": dict, "correlation": dict, "reference": str, "region_code": str}
        if not isinstance(body, dict) or any(key in body and not isinstance(body[key], kind)
                                             for key, kind in shapes.items()):
            return self.response(400, message="Kirim {\"data\": {...}, \"correlation\": {...}} atau "
                                              "{\"reference\": nomor kasus}. (Send {\"data\": {...}, "
                                              "\"correlation\": {...}} or {\"reference\": case reference}.)")
        try:
            result = correlate_message(db.session, name[:200], body.get("data", {}), current_principal(),
                                       correlation=body.get("correlation"), reference=body.get("reference"),
                                       region_code=body.get("region_code"))
        except LigatError as exc:
            return self.error(exc)
        case = result.case
        return self.response(201 if result.started else 200, result={
            "case_id": case.id, "reference": case.reference, "started": result.started, "status": case.status,
            "completed": case.completed})
