"""Public pages of the LKS and COTA lines (mobile-first, portal style, no login):

    /izin-lks/ajukan, /cota/ajukan        apply, with the documents each line requires
    /permohonan/terkirim                  receipt: ticket number and tracking code
    /permohonan/perbaiki/<ref>/<token>    fix a returned file, through the single-use link sent by SMS/WA

An officer may fill the same form for an applicant who comes to the office; the
case then records the officer as the one who started it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

import forms
from workflows import applicant_links, cases, cota
from workflows.cases import Reporter
from workflows.db import Case
from workflows.errors import FormInvalid, LigatError
from workflows.intake import start_case_with_documents
from workflows.lks import PERMIT_TYPES

from ..extensions import db
from ..formfields import fields_for
from ..portal.views import find_case
from ..ratelimit import limiter, setting
from ..regions import check_office_village, villages
from ..security import current_principal
from ..uploads import collect_new_case_uploads, file_fields, take_task_uploads

public = Blueprint("permohonan", __name__)


@dataclass(frozen=True)
class Line:
    """One public application: its process, form, and what the form checks beyond the schema."""

    code: str
    process: str
    form: str
    ui: str
    heading: str
    intro: str
    name_field: str  # the applicant's name (case reporter)
    title: Callable[[dict[str, Any]], str]
    extra_checks: Callable[[dict[str, Any]], dict[str, str]] = lambda data: {}
    extra_data: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: {}
    subject_nik: str | None = None
    confidential: bool = False
    # Process variables a caller may not set through the form (timers, validity): never from the request.
    keep_out: tuple[str, ...] = field(default=("telepon", "nama_pemohon"))


LINES = {
    "lks": Line(
        "lks", "izin_lks", "lks_permohonan.schema.json", "lks_permohonan.uischema.json",
        "Permohonan Izin / Tanda Daftar LKS",
        "Untuk yayasan atau perkumpulan yang menyelenggarakan kesejahteraan sosial. Unggah berkas dalam PDF, JPEG "
        "atau PNG. Bila berkas belum lengkap, tautan perbaikan dikirim ke nomor HP pengurus.",
        "nama_pemohon",
        lambda d: f"{PERMIT_TYPES[d['jenis_izin']]} · {d['nama_lks']}",
        extra_data=lambda d: lks_validity_settings(),
    ),
    "cota": Line(
        "cota", "cota", "cota_permohonan.schema.json", "cota_permohonan.uischema.json",
        "Permohonan Pengangkatan Anak (COTA)",
        "Untuk pasangan suami-istri WNI berumur 30–55 tahun yang telah menikah paling singkat 5 tahun. Data dan "
        "berkas Anda hanya dibaca petugas Dinas Sosial dan Tim PIPA.",
        "nama_calon_ayah",
        lambda d: f"Pengangkatan anak · {d['nama_calon_ayah']} & {d['nama_calon_ibu']}",
        extra_checks=cota.eligibility_errors,
        extra_data=cota.summary,
        subject_nik="nik_calon_ayah",
        confidential=True,
    ),
}


def lks_validity_settings() -> dict[str, Any]:
    """LIGAT_LKS_MASA_BERLAKU, e.g. "izin_operasional=P3Y,tanda_daftar=P5Y,izin_sumbangan=P3M": validity per
    permit type; types left out keep the defaults written in bpmn/izin_lks.bpmn."""
    raw = current_app.config.get("LIGAT_LKS_MASA_BERLAKU") or ""
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    periods = {k.strip(): v.strip().upper() for k, v in pairs if k.strip() in PERMIT_TYPES}
    settings: dict[str, Any] = {"masa_berlaku_per_jenis": periods} if periods else {}
    reminder = (current_app.config.get("LIGAT_LKS_PENGINGAT_SEBELUM") or "").strip().upper()
    if reminder:
        settings["pengingat_sebelum"] = reminder  # how long before the end the reminder goes out (P30D)
    return settings


def _choices() -> dict[str, list[tuple[str, str]]]:
    return {"kode_wilayah": villages(current_app.config["LIGAT_OFFICE_REGION"])}


def _render_apply(line: Line, values: dict | None = None, errors: dict | None = None, status: int = 200):  # noqa: ANN202
    for name in file_fields(line.form):
        (values or {}).pop(name, None)  # a file input is never refilled
    fields = fields_for(line.form, line.ui, values, errors, choices=_choices())
    form_error = (errors or {}).get("_form")
    return render_template("lks/apply.html", line=line, fields=fields, form_error=form_error), status


def validate_application(line: Line, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Schema, the region, the phone number (needed: returns are sent there), and the line's own rules."""
    cleaned, errors = forms.validate(line.form, data)
    office = current_app.config["LIGAT_OFFICE_REGION"]
    check_office_village(cleaned, errors, office)
    forms.normalize_phone(cleaned, errors)
    for name, message in line.extra_checks(cleaned).items():
        errors.setdefault(name, message)
    return cleaned, errors


@public.get("/izin-lks/ajukan", defaults={"code": "lks"})
@public.get("/cota/ajukan", defaults={"code": "cota"})
def apply_form(code: str):  # noqa: ANN201
    # The service catalogue links here with the permit type chosen (?jenis_izin=...).
    preset = {k: v for k, v in request.args.items() if k == "jenis_izin"}
    return _render_apply(LINES[code], preset)


@public.post("/izin-lks/ajukan", defaults={"code": "lks"})
@public.post("/cota/ajukan", defaults={"code": "cota"})
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"))
def apply_submit(code: str):  # noqa: ANN201
    line = LINES[code]
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    uploads, file_errors = collect_new_case_uploads(line.form, data, request.files)
    cleaned, errors = validate_application(line, data)
    errors.update(file_errors)
    if errors:
        return _render_apply(line, data, errors, 422)
    for name in file_fields(line.form):
        cleaned.pop(name, None)
    principal = current_principal()
    actor = principal.username if principal.can_work else "pemohon"
    process_data = {k: v for k, v in cleaned.items() if k not in line.keep_out}
    process_data.update(line.extra_data(cleaned))
    try:
        case = start_case_with_documents(
            db.session, line.process, process_data, actor, uploads,
            region_code=cleaned["kode_wilayah"], category=line.process, title=line.title(cleaned),
            reporter=Reporter(name=cleaned[line.name_field], phone=cleaned["telepon"], anonymous=False),
            subject_nik=cleaned.get(line.subject_nik) if line.subject_nik else None,
            confidential=line.confidential,
        )
    except LigatError as exc:
        db.session.rollback()
        return _render_apply(line, data, {"_form": str(exc)}, 409)
    return redirect(url_for("permohonan.receipt", tiket=case.reference, kode=case.tracking_code))


@public.get("/permohonan/terkirim")
def receipt():  # noqa: ANN201
    case = find_case(request.args.get("tiket", ""), request.args.get("kode", ""))
    if case is None or case.process_id not in {line.process for line in LINES.values()}:
        return render_template("lks/message.html", title="Tidak ditemukan",
                               message="Nomor permohonan atau kode lacak tidak cocok."), 404
    return render_template("lks/receipt.html", case=case)


def _link_or_error(reference: str, token: str) -> tuple[Case | None, Any, Any]:
    """(case, link, open task) or a rendered error page as the third item."""
    try:
        case, link = applicant_links.find(db.session, reference, token)
    except applicant_links.LinkInvalid as exc:
        db.session.rollback()
        return None, None, (render_template("lks/message.html", title="Tautan tidak berlaku", message=str(exc)), 410)
    task = applicant_links.open_task(db.session, case)
    if task is None:
        return None, None, (render_template(
            "lks/message.html", title="Tidak ada yang perlu diperbaiki",
            message="Permohonan ini sedang tidak menunggu perbaikan dari Anda."), 410)
    return case, link, task


def _render_resubmit(case: Case, task: Any, values: dict | None = None, errors: dict | None = None,
                     status: int = 200):  # noqa: ANN202
    for name in file_fields(task.form):
        (values or {}).pop(name, None)
    fields = fields_for(task.form, task.ui_form, values, errors)
    return render_template("lks/resubmit.html", case=case, task=task, fields=fields), status


@public.get("/permohonan/perbaiki/<reference>/<token>")
def resubmit_form(reference: str, token: str):  # noqa: ANN201
    case, _, task = _link_or_error(reference, token)
    if case is None:
        return task
    html, status = _render_resubmit(case, task)
    return html, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@public.post("/permohonan/perbaiki/<reference>/<token>")
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"))
def resubmit(reference: str, token: str):  # noqa: ANN201
    case, link, task = _link_or_error(reference, token)
    if case is None:
        return task
    principal = applicant_links.applicant_principal(case)
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    # Files, the spent link and the completed task are one transaction: all or nothing.
    file_errors = take_task_uploads(db.session, task.form, case.id, principal.username, data, request.files)
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
        return render_template("lks/message.html", title="Perbaikan tidak tersimpan", message=str(exc)), 409
    return render_template("lks/message.html", title="Perbaikan terkirim",
                           message=f"Terima kasih. Perbaikan berkas {case.reference} sudah kami terima dan akan "
                                   "diperiksa kembali. Tautan ini tidak dapat dipakai lagi.",
                           case=case)
