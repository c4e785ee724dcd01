"""Public pages of every service line that takes applications (mobile-first, portal style, no login):

    /layanan/<code>/ajukan                apply: the line's start form, its checks and document checklist
    /permohonan/terkirim                  receipt: ticket number and tracking code
    /permohonan/perbaiki/<ref>/<token>    fix a returned file, through the single-use link sent by SMS/WA

An officer of one of the line's start roles may fill the same form for an applicant who comes
to the office; the case then records the officer as the one who started it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext

from workflows import applicant_links, cases, documents
from workflows.db import Case, InboxTask
from workflows.errors import FormInvalid, LigatError
from workflows.packages import package_of_case

from ..extensions import db
from ..formfields import fields_for, form_data, schemas_of
from ..portal.views import find_case
from ..ratelimit import limiter, sent_only, setting
from ..security import current_principal
from ..uploads import file_fields, take_task_uploads
from . import start
from .start import Line

public = Blueprint("permohonan", __name__)


def _line_or_404(code: str) -> Line:
    found = start.line(code)
    if found is None or not (found.descriptor.public_start or found.may_start(current_principal())):
        abort(404)
    return found


def _render_apply(line: Line, values: dict | None = None, errors: dict | None = None, status: int = 200,
                  staged: dict | None = None):  # noqa: ANN202
    officer = current_principal() if line.may_start(current_principal()) else None
    fields = start.form_fields(line, values, errors, officer, staged)
    form_error = (errors or {}).get("_form")
    return render_template("layanan/apply.html", line=line, fields=fields, form_error=form_error,
                           checklist=line.descriptor.documents), status


@public.get("/layanan/<code>/ajukan")
def apply_form(code: str):  # noqa: ANN201
    line = _line_or_404(code)
    # The catalogue links here with a variant chosen (e.g. ?jenis_izin=tanda_daftar): only form fields.
    props = line.schema.get("properties", {})
    preset = {k: v for k, v in request.args.items() if k in props and not props[k].get("x-berkas")}
    return _render_apply(line, preset)


@public.post("/layanan/<code>/ajukan")
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"), deduct_when=sent_only)
def apply_submit(code: str):  # noqa: ANN201
    line = _line_or_404(code)
    principal = current_principal()
    officer = principal if line.may_start(principal) else None
    data = form_data(line.schema, request.form)
    uploads, file_errors = start.collect_uploads(line, data, request.files)
    cleaned, errors = start.validate(line, data, officer)
    errors.update(file_errors)
    if errors:
        staged = start.keep_uploads(uploads, officer.username if officer else "pemohon")
        return _render_apply(line, data, errors, 422, staged)
    try:
        case = start.start(line, cleaned, uploads, principal)
    except LigatError as exc:
        return _render_apply(line, data, {"_form": str(exc)}, 409)
    if officer is not None:
        return redirect(url_for("CaseView.show", case_id=case.id))
    return redirect(url_for("permohonan.receipt", tiket=case.reference, kode=case.tracking_code))


@public.get("/permohonan/terkirim")
def receipt():  # noqa: ANN201
    case = find_case(request.args.get("tiket", ""), request.args.get("kode", ""))
    if case is None:
        return render_template("layanan/message.html", title=gettext("Tidak ditemukan"),
                               message=gettext("Nomor permohonan atau kode lacak tidak cocok.")), 404
    return render_template("layanan/receipt.html", case=case)


def _link_or_error(reference: str, token: str) -> tuple[Case | None, Any, Any]:
    """(case, link, open task) or a rendered error page as the third item."""
    try:
        case, link = applicant_links.find(db.session, reference, token)
    except applicant_links.LinkInvalid as exc:
        db.session.rollback()
        return None, None, (render_template("layanan/message.html", title=gettext("Tautan tidak berlaku"),
                                            message=str(exc)), 410)
    task = applicant_links.open_task(db.session, case)
    if task is None:
        return None, None, (render_template(
            "layanan/message.html", title=gettext("Tidak ada yang perlu diperbaiki"),
            message=gettext("Permohonan ini sedang tidak menunggu perbaikan dari Anda.")), 410)
    return case, link, task


def flagged_documents(case: Case) -> list[str]:
    """Documents the officer marked as needing a new upload (process variable `berkas_bermasalah`)."""
    flagged = cases.case_data(case).get("berkas_bermasalah") or []
    return [str(item) for item in flagged] if isinstance(flagged, list) else []


def _render_resubmit(case: Case, task: InboxTask, values: dict | None = None, errors: dict | None = None,
                     status: int = 200):  # noqa: ANN202
    schema, ui = schemas_of(case, task.form, task.ui_form)
    values = dict(values or {})
    for name in file_fields(schema):
        values.pop(name, None)
    fields = fields_for(schema, ui, values, errors)
    earlier = documents.latest_by_kind(db.session, case.id)
    labels = {d.field: d.label["id"] for d in package_of_case(db.session, case).descriptor.documents}
    flagged = [(name, labels.get(name) or schema.get("properties", {}).get(name, {}).get("title", name))
               for name in flagged_documents(case)]
    return render_template("layanan/resubmit.html", case=case, task=task, fields=fields,
                           flagged=flagged, earlier=earlier), status


@public.get("/permohonan/perbaiki/<reference>/<token>")
def resubmit_form(reference: str, token: str):  # noqa: ANN201
    case, _, task = _link_or_error(reference, token)
    if case is None:
        return task
    html, status = _render_resubmit(case, task)
    return html, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@public.post("/permohonan/perbaiki/<reference>/<token>")
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"), deduct_when=sent_only)
def resubmit(reference: str, token: str):  # noqa: ANN201
    case, link, task = _link_or_error(reference, token)
    if case is None:
        return task
    principal = applicant_links.applicant_principal(db.session, case)
    schema, _ = schemas_of(case, task.form, task.ui_form)
    data = form_data(schema, request.form)
    # Files, the spent link and the completed task are one transaction: all or nothing.
    # A document the officer flagged must come back anew: the engine refuses the step otherwise.
    file_errors = take_task_uploads(db.session, schema, case.id, principal.username, data, request.files)
    try:
        if file_errors:
            raise FormInvalid(file_errors)
        applicant_links.consume(db.session, link)
        cases.complete_task(db.session, task.id, principal, data)
    except FormInvalid as exc:
        db.session.rollback()
        return _render_resubmit(case, task, data, {**exc.errors, **file_errors}, 422)
    except LigatError as exc:
        db.session.rollback()
        return render_template("layanan/message.html", title=gettext("Perbaikan tidak tersimpan"),
                               message=str(exc)), 409
    return render_template("layanan/message.html", title=gettext("Perbaikan terkirim"),
                           message=gettext("Terima kasih. Perbaikan berkas %(ref)s sudah kami terima dan akan "
                                           "diperiksa kembali. Tautan ini tidak dapat dipakai lagi.",
                                           ref=case.reference),
                           case=case)
