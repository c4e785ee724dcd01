"""Public pages for citizens (no login): report a problem with photos and a map
position, see similar reports nearby, track a ticket, read the service catalogue,
call for help. Works offline through a service worker (app/static/portal/sw.js)
and a queue in the phone's IndexedDB (outbox.js) that posts here with an
idempotency key (`client_id`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

import forms
from workflows.db import Case
from workflows.errors import ConcurrentUpdate

from ..extensions import db
from ..formfields import fields_for
from ..ratelimit import global_reports, limiter, setting, wants_json
from ..regions import check_office_village, region_label, villages
from ..views.display import ui_lang
from . import catalogue, media, reports
from .models import PortalReport

portal = Blueprint("portal", __name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TOO_LARGE = lazy_gettext("Kiriman terlalu besar. Kirim paling banyak 5 foto atau satu video pendek.")
BUSY = lazy_gettext("Server sedang sibuk. Laporan Anda belum terkirim; coba lagi sebentar.")


@portal.errorhandler(413)
def too_large(_error: Exception):  # noqa: ANN201
    if wants_json():
        return jsonify({"errors": {"foto": str(TOO_LARGE)}}), 413
    return render_template("portal/error.html", message=TOO_LARGE, code=413), 413


def report_schema() -> dict:
    """The report form of the newest complaint package, its package looked up once per request. The
    request keeps the package (g): the session's identity map holds objects only while someone does,
    and the case start asks for the same package again, which then costs no query."""
    if not has_request_context():
        return reports.report_schema(db.session)
    if "complaint_package" not in g:
        first_report(None)
    return reports.report_schema(db.session, g.complaint_package)


def first_report(client_key: str | None) -> Case | None:
    """The case a report with this client key already started (a phone re-sending its queue, a partner
    retrying), read with the newest complaint package in one statement; the package is kept for the
    request's form check and case start (report_schema)."""
    g.complaint_package, case_id = reports.package_for_new_report(db.session, (client_key or "").strip())
    return None if case_id is None else db.session.get(Case, case_id)


def _report_fields(values: dict | None = None, errors: dict | None = None) -> dict:
    office = current_app.config["LIGAT_OFFICE_REGION"]
    fields = fields_for(report_schema(), None, values, errors,
                        choices={"kode_wilayah": villages(office)})
    return {f.name: f for f in fields}


def _render_form(values: dict | None = None, errors: dict | None = None, status: int = 200):  # noqa: ANN202
    return render_template(
        "portal/report.html", fields=_report_fields(values, errors), errors=errors or {},
        categories=catalogue.categories(), client_id=secrets.token_urlsafe(16),
    ), status


@portal.get("/")
def home():  # noqa: ANN201
    return render_template("portal/home.html", counts=reports.public_counts(db.session))


@portal.get("/statistik.json")
def counts():  # noqa: ANN201
    response = jsonify(reports.public_counts(db.session))
    response.headers["Cache-Control"] = "no-store"
    return response


@portal.get("/lapor")
def report_form():  # noqa: ANN201
    return _render_form()


@portal.get("/lapor/token")
def report_token():  # noqa: ANN201
    """A fresh CSRF token for the offline queue: a page cached days ago holds a stale one.
    Readable only by same-origin script (no CORS), so it gives another site nothing."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def validate_report(data: dict) -> tuple[dict, dict[str, str]]:
    """Schema check plus what a schema cannot know: the region, the phone number, coordinate pairs."""
    cleaned, errors = forms.validate(report_schema(), data)
    office = current_app.config["LIGAT_OFFICE_REGION"]
    check_office_village(cleaned, errors, office)
    if ("lintang" in cleaned) != ("bujur" in cleaned) and not ({"lintang", "bujur"} & set(errors)):
        errors["lintang"] = "Isi lintang dan bujur bersama, atau kosongkan keduanya. (Give both coordinates.)"
    if cleaned.get("anonim"):
        cleaned.pop("nama", None)
        cleaned.pop("telepon", None)
    else:
        forms.normalize_phone(cleaned, errors)
    return cleaned, errors


def media_limits() -> media.Limits:
    config = current_app.config
    return media.Limits(
        max_photos=config["LIGAT_MAX_PHOTOS"], photo_bytes=config["LIGAT_PHOTO_MAX_BYTES"],
        video_bytes=config["LIGAT_VIDEO_MAX_BYTES"], video_seconds=config["LIGAT_VIDEO_MAX_SECONDS"],
    )


def read_uploads(photo_field: str = "foto", video_field: str = "video") -> list[media.CleanMedia]:
    """The request's photos/video, checked by content (MediaRejected otherwise); photos are
    re-encoded after the answer (app/portal/cleaning.py), videos cleaned now (a cheap byte edit)."""
    limits = media_limits()
    photos = [f.read(limits.photo_bytes + 1) for f in request.files.getlist(photo_field) if f and f.filename]
    upload = request.files.get(video_field)
    video = upload.read(limits.video_bytes + 1) if upload and upload.filename else None
    return media.clean_uploads(photos, video, limits, defer_photos=True)


def submit_report(cleaned: dict, attachments: list[media.CleanMedia] | None = None, source: str = "web",
                  actor: str = "warga") -> tuple[Case, bool]:
    """Start the complaint case (once per client_id); returns (case, created)."""
    report = reports.NewReport(fields=cleaned, actor=actor, source=source, client_key=cleaned.get("client_id"),
                               media=attachments or [])
    return reports.create_report(db.session, report)


@portal.post("/lapor")
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"))
@global_reports
def report_submit():  # noqa: ANN201
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    # A phone re-sending its queue gets its first ticket back, even if the form would be refused now:
    # nothing of the post is checked or stored again. Two posts of one key at once both pass here; the
    # key's unique index refuses the second case and create_report answers the first.
    existing = first_report(data.get("client_id"))
    if existing is None:
        cleaned, errors = validate_report(data)
        attachments: list[media.CleanMedia] = []
        try:
            attachments = read_uploads()  # checks only (cheap): photos are re-encoded after the answer
        except media.MediaRejected as exc:
            errors["foto"] = str(exc)
        if errors:
            if wants_json():
                return jsonify({"errors": errors}), 422
            return _render_form(data, errors, 422)
    try:
        case, created = (existing, False) if existing else submit_report(
            cleaned, attachments, source="antrian" if data.get("dikirim_dari") == "antrian" else "web")
    except ConcurrentUpdate:
        if wants_json():
            return jsonify({"error": str(BUSY)}), 503, {"Retry-After": "10"}
        return render_template("portal/error.html", message=BUSY, code=503), 503
    g.report_created = created
    receipt_url, track_url = ticket_urls(case.reference, case.tracking_code)
    if wants_json():
        body = {"tiket": case.reference, "kode": case.tracking_code, "url": receipt_url,
                "lacak": track_url, "baru": created}
        return jsonify(body), 201 if created else 200
    return redirect(receipt_url)


# Werkzeug's query encoding (werkzeug.urls._urlencode: the WHATWG set left unescaped).
QUERY_SAFE = "!$'()*,/:;?@"


@lru_cache(maxsize=32)
def _route_path(endpoint: str, script_root: str) -> str:
    """The path of a route without arguments under this script root: the same for the process's life."""
    return url_for(endpoint)


def ticket_urls(reference: str, code: str) -> tuple[str, str]:
    """The receipt's and the tracking page's addresses of a ticket, as `url_for` writes them (the ticket
    and its code in the query), from each route's path kept per process: `url_for` built each anew
    (about 100 Python calls each)."""
    query = urlencode((("tiket", reference), ("kode", code)), safe=QUERY_SAFE)
    root = request.script_root
    return f"{_route_path('portal.receipt', root)}?{query}", f"{_route_path('portal.track', root)}?{query}"


@portal.get("/lapor/serupa.json")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def similar():  # noqa: ANN201
    """Open reports of the same category nearby in the last week, so a citizen can follow one."""
    category = request.args.get("kategori", "")
    try:
        lat, lon = float(request.args["lintang"]), float(request.args["bujur"])
    except (KeyError, ValueError):
        return jsonify({"error": str(lazy_gettext("Lintang dan bujur wajib diisi."))}), 400
    if catalogue.category(category) is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return jsonify({"error": str(lazy_gettext("Kategori atau koordinat tidak sah."))}), 400
    config = current_app.config
    found = reports.similar_nearby(db.session, category, lat, lon, config["LIGAT_SIMILAR_RADIUS_M"],
                                   config["LIGAT_SIMILAR_DAYS"])
    from ..views.display import format_dt

    return jsonify({"radius_m": config["LIGAT_SIMILAR_RADIUS_M"], "laporan": [
        {"tiket": item["case"].reference, "status": item["case"].status, "jarak_m": item["distance"],
         "kategori": catalogue.category_name(item["case"].category),
         "tanggal": format_dt(item["case"].created_at),
         "uraian": _public_view(item["case"], item["report"]).summary,
         "url": url_for("portal.public_report", tiket=item["case"].reference)}
        for item in found
    ]})


def find_case(reference: str, code: str) -> Case | None:
    if not reference or not code:
        return None
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or not secrets.compare_digest(case.tracking_code.encode(), code.strip().upper().encode()):
        return None
    return case


@portal.get("/lapor/terkirim")
def receipt():  # noqa: ANN201
    case = find_case(request.args.get("tiket", ""), request.args.get("kode", ""))
    if case is None:
        return render_template("portal/track.html", error=lazy_gettext("Tiket tidak ditemukan.")), 404
    return render_template("portal/receipt.html", case=case)


def public_timeline(case: Case) -> list[dict]:
    """Public status changes only: no officer names, no internal notes."""
    return reports.public_timeline(db.session, case)


def _status_page(case: Case, template: str, **extra):  # noqa: ANN202
    return render_template(
        template, case=case, timeline=public_timeline(case),
        stages=reports.tracking_stages(db.session, case, ui_lang()),
        expected=reports.expected_completion(db.session, case), category=reports.line_name(db.session, case, ui_lang()),
        region=region_label(case.region_code), **extra,
    )


@portal.get("/lacak")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def track():  # noqa: ANN201
    reference, code = request.args.get("tiket", ""), request.args.get("kode", "")
    if not reference and not code:
        return render_template("portal/track.html")
    case = find_case(reference, code)
    if case is None:
        return (
            render_template(
                "portal/track.html", error=lazy_gettext("Tiket atau kode lacak tidak cocok."),
                tiket=reference,
            ),
            404,
        )
    return track_page(case, tiket=reference)


def track_page(case: Case, **extra):  # noqa: ANN201
    """The citizen's own page of a case: its status, and once it is closed the survey and reopening."""
    from .survey import after_closing  # survey.py builds on this module

    return _status_page(case, "portal/track.html", **after_closing(case), **extra)


@portal.get("/laporan/<tiket>")
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def public_report(tiket: str):  # noqa: ANN201
    """What anyone may follow of a non-confidential report (no tracking code needed, no personal data)."""
    case = db.session.scalar(select(Case).where(Case.reference == tiket.strip().upper()))
    if case is None or case.confidential or case.process_id != reports.PROCESS_ID:
        abort(404)
    return _status_page(case, "portal/public_report.html", public=_public_view(case))


def _public_view(case: Case, where: PortalReport | None = None) -> reports.PublicView:
    where = where if where is not None else reports.location_of(db.session, case)
    return reports.public_view(case, where, current_app.config["LIGAT_PUBLIC_COORD_DECIMALS"])


@portal.get("/layanan")
def catalogue_index():  # noqa: ANN201
    return render_template("portal/services.html", services=catalogue.services(db.session, ui_lang()))


@portal.get("/layanan/<kode>")
def catalogue_service(kode: str):  # noqa: ANN201
    service = catalogue.service(db.session, kode, ui_lang())
    if service is None:
        abort(404)
    return render_template("portal/service.html", service=service)


@portal.get("/offline")
def offline():  # noqa: ANN201
    return render_template("portal/offline.html")


@portal.get("/manifest.webmanifest")
def manifest():  # noqa: ANN201
    config = current_app.config
    body = {
        "name": f"LIGAT · {config['LIGAT_OFFICE_NAME']}",
        "short_name": "LIGAT",
        "description": "Lapor masalah sosial dan lacak tindak lanjutnya.",
        "lang": "id",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5394",
        "icons": [
            {"src": url_for("static", filename="portal/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="portal/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="portal/icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@lru_cache(maxsize=1)
def _asset_version() -> str:
    """Hash of the offline assets: a change makes a new sw.js, hence a fresh cache on phones."""
    digest = hashlib.sha256()
    for path in sorted((STATIC_DIR / "portal").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@portal.get("/sw.js")
def service_worker():  # noqa: ANN201
    # Served from the root so its scope covers the portal pages; it leaves officers' pages alone.
    script = (STATIC_DIR / "portal" / "sw.js").read_text(encoding="utf-8")
    response = Response(script.replace("__VERSION__", _asset_version()), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
