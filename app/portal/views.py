"""Public pages for citizens (no login): report a complaint, track it."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from lokal import parse_phone
from sqlalchemy import select

import forms
from workflows import cases
from workflows.db import AuditEvent, Case

from ..extensions import db
from ..formfields import fields_for
from ..regions import is_village_of, villages

portal = Blueprint("portal", __name__)

REPORT_FORM = "pengaduan_lapor.schema.json"
PUBLIC_STAGES = ["Diterima", "Verifikasi", "Tindak Lanjut Lapangan", "Selesai"]


def _report_fields(values: dict | None = None, errors: dict | None = None) -> list:
    office = current_app.config["LIGAT_OFFICE_REGION"]
    return fields_for(REPORT_FORM, None, values, errors, choices={"kode_wilayah": villages(office)})


@portal.get("/")
def home():  # noqa: ANN201
    return render_template("portal/home.html")


@portal.get("/lapor")
def report_form():  # noqa: ANN201
    return render_template("portal/report.html", fields=_report_fields())


def validate_report(data: dict) -> tuple[dict, dict[str, str]]:
    """Schema check plus what a schema cannot know: the region and the phone number."""
    cleaned, errors = forms.validate(REPORT_FORM, data)
    office = current_app.config["LIGAT_OFFICE_REGION"]
    if cleaned.get("kode_wilayah") and "kode_wilayah" not in errors:
        if not is_village_of(cleaned["kode_wilayah"], office):
            errors["kode_wilayah"] = "Kelurahan tidak berada di wilayah layanan kantor ini."
    if cleaned.get("anonim"):
        cleaned.pop("nama", None)
        cleaned.pop("telepon", None)
    elif cleaned.get("telepon") and "telepon" not in errors:
        phone = parse_phone(cleaned["telepon"])
        if not phone.valid:
            errors["telepon"] = "Nomor HP tidak valid, contoh: 0812 3456 7890. (Invalid phone number.)"
        else:
            cleaned["telepon"] = phone.e164
    return cleaned, errors


def submit_report(cleaned: dict) -> Case:
    reporter = cases.Reporter(
        name=cleaned.get("nama"), phone=cleaned.get("telepon"), anonymous=bool(cleaned.get("anonim"))
    )
    # Contact details stay in the case's own columns, not in process variables.
    data = {k: cleaned[k] for k in ("kategori", "deskripsi", "lokasi", "kode_wilayah")}
    return cases.start_case(
        db.session, "pengaduan", data, "warga",
        region_code=cleaned["kode_wilayah"], category=cleaned["kategori"],
        title=cleaned["deskripsi"][:120], reporter=reporter,
    )


@portal.post("/lapor")
def report_submit():  # noqa: ANN201
    data = request.form.to_dict()
    cleaned, errors = validate_report(data)
    if errors:
        return render_template("portal/report.html", fields=_report_fields(data, errors)), 422
    case = submit_report(cleaned)
    return redirect(url_for("portal.receipt", tiket=case.reference, kode=case.tracking_code))


def find_case(reference: str, code: str) -> Case | None:
    if not reference or not code:
        return None
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or case.tracking_code != code.strip().upper():
        return None
    return case


@portal.get("/lapor/terkirim")
def receipt():  # noqa: ANN201
    case = find_case(request.args.get("tiket", ""), request.args.get("kode", ""))
    if case is None:
        return render_template("portal/track.html", error="Tiket tidak ditemukan."), 404
    return render_template("portal/receipt.html", case=case)


def public_timeline(case: Case) -> list[dict]:
    """Public status changes only: no officer names, no internal notes."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action.in_(["case_started", "status_changed"]))
        .order_by(AuditEvent.seq)
    ).all()
    timeline = []
    for event in events:
        data = json.loads(event.data_json)
        status = "Diterima" if event.action == "case_started" else data.get("status")
        timeline.append({"status": status, "at": event.occurred_at, "note": data.get("catatan")})
    return timeline


@portal.get("/lacak")
def track():  # noqa: ANN201
    reference, code = request.args.get("tiket", ""), request.args.get("kode", "")
    if not reference and not code:
        return render_template("portal/track.html")
    case = find_case(reference, code)
    if case is None:
        return (
            render_template(
                "portal/track.html", error="Tiket atau kode lacak tidak cocok. (Ticket or tracking code not found.)",
                tiket=reference,
            ),
            404,
        )
    return render_template(
        "portal/track.html", case=case, timeline=public_timeline(case), stages=PUBLIC_STAGES, tiket=reference
    )
