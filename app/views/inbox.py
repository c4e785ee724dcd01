"""Role inboxes: list, claim, release, open the form, complete."""

from __future__ import annotations

import functools
import re

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Row, select

import forms
from workflows import cases
from workflows.db import InboxTask, utcnow
from workflows.errors import FormInvalid, LigatError, NotFound
from workflows.inbox import DUE_CHOICES, InboxFilter, InboxRow, InvalidPageKey, inbox_page, inbox_rows, sla_badge

from ..casedata import log_case_view
from ..extensions import db
from ..formfields import fields_for, form_data, prefill, schemas_of
from ..hardening import allow_same_origin_framing
from ..letter_preview import PdfUnavailable, letter_choices, pdf_on_offer, preview_file
from ..models import SavedInboxFilter
from ..regions import is_office_area
from ..security import INBOX, current_principal
from ..uploads import take_task_uploads
from .berkas import LETTER_MIME, send_case_file
from .display import id_url, request_packages, ui_lang
from .errors import abort_for, flash_error
from .inbox_filter import area_choices, category_choices, line_choices, options_html
from .inbox_rows import row_texts, rows_html

PAGE_SIZE = 50
MAX_PAGE_NUMBER = 10_000  # `hal` beyond it is read as this (an offset must stay a 32-bit number in SQL)


def _filter_from(args, lines: list | None = None) -> InboxFilter:  # noqa: ANN001
    """The inbox filter of a request; a value that is not one of the choices is ignored (no filter).
    `lines`: the latest packages, when the caller has them already."""
    region = args.get("wilayah") or None
    if region and not is_office_area(region, current_app.config["LIGAT_OFFICE_REGION"]):
        region = None
    category = args.get("kategori") or None
    if category and not re.fullmatch(r"[a-z0-9_]{1,100}", category):
        category = None
    due = args.get("tenggat") if args.get("tenggat") in DUE_CHOICES else None
    line = args.get("layanan") or None
    if line and line not in {p.code for p in (lines if lines is not None else request_packages())}:
        line = None
    return InboxFilter(line=line, region=region, category=category, due=due)


def _args_of(narrow: InboxFilter) -> dict[str, str]:
    """The inbox URL's query arguments of a filter."""
    pairs = (("layanan", narrow.line), ("wilayah", narrow.region), ("kategori", narrow.category),
             ("tenggat", narrow.due))
    return {k: v for k, v in pairs if v}


def _saved_filters(username: str) -> list[tuple[Row, dict[str, str]]]:
    """The officer's saved filters (id, name) and each one's query arguments: plain rows, no ORM objects."""
    f = SavedInboxFilter
    rows = db.session.execute(select(f.id, f.name, f.line, f.region_code, f.category, f.due)
                              .where(f.username == username).order_by(f.name))
    return [(row, _args_of(InboxFilter(row.line, row.region_code, row.category, row.due))) for row in rows]


@functools.lru_cache(maxsize=1)
def _sensitive_categories() -> frozenset[str]:
    return frozenset(c["kode"] for c in forms.pmks_categories() if c.get("sensitif"))


def _rows_html(rows: list[InboxRow], username: str) -> Markup:
    """The table's rows: links from one prefix each, labels translated once, the page's language read once."""
    texts = row_texts(ui_lang(), username, generate_csrf(), task_url=id_url("InboxView.task", "task_id"),
                      case_url=id_url("CaseView.show", "case_id"), claim_url=id_url("InboxView.claim", "task_id"),
                      sensitive=_sensitive_categories())
    now = utcnow()
    return rows_html(rows, {row.id: sla_badge(row.due_at, now).code for row in rows}, texts)


class InboxView(BaseView):
    route_base = "/inbox"
    class_permission_name = INBOX
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {
        "index": "read",
        "save_filter": "read",
        "delete_filter": "read",
        "task": "read",
        "claim": "write",
        "release": "write",
        "complete": "write",
        "letter_preview": "read",
    }
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):  # noqa: ANN201
        principal = current_principal()
        only_mine = request.args.get("milik") == "saya"
        lines = request_packages()
        narrow = _filter_from(request.args, lines)
        # Pages follow each other by the place of a row (`setelah`/`sebelum`: after/before it), not by an offset
        # that would read every row before the page; `hal` (a page number) is the links of earlier versions.
        query = {"session": db.session, "principal": principal, "only_mine": only_mine, "narrow": narrow}
        offset = (min(max(request.args.get("hal", 1, type=int), 1), MAX_PAGE_NUMBER) - 1) * PAGE_SIZE
        try:
            page = inbox_page(inbox_rows, PAGE_SIZE, request.args.get("setelah"), request.args.get("sebelum"),
                              offset, **query)
        except InvalidPageKey:
            flash(_("Tautan halaman kotak tugas tidak valid; ditampilkan halaman pertama."), "warning")
            page = inbox_page(inbox_rows, PAGE_SIZE, **query)
        rows = page.rows
        lang = ui_lang()
        return self.render_template(
            "ligat/inbox.html", rows=rows, only_mine=only_mine, principal=principal, page=page, narrow=narrow,
            line_options=options_html(line_choices(lines, lang), narrow.line),
            area_options=options_html(area_choices(current_app.config["LIGAT_OFFICE_REGION"]), narrow.region),
            category_options=options_html(category_choices(lang), narrow.category),
            args=_args_of(narrow), saved=_saved_filters(principal.username),
            rows_html=_rows_html(rows, principal.username) if rows else "",
        )

    # Saving a filter is reading the inbox in a narrower way: the same permission as the inbox itself.
    @expose("/saringan", methods=["POST"])
    @has_access
    def save_filter(self):  # noqa: ANN201
        principal = current_principal()
        narrow = _filter_from(request.form)
        name = (request.form.get("nama") or "").strip()
        if not name or len(name) > 100 or narrow == InboxFilter():
            flash(_("Beri nama dan pilih setidaknya satu saringan."), "danger")
            return redirect(url_for("InboxView.index", **_args_of(narrow)))
        row = db.session.scalar(select(SavedInboxFilter).where(SavedInboxFilter.username == principal.username,
                                                               SavedInboxFilter.name == name))
        if row is None:
            row = SavedInboxFilter(username=principal.username, name=name)
            db.session.add(row)
        row.line, row.region_code, row.category, row.due = narrow.line, narrow.region, narrow.category, narrow.due
        db.session.commit()
        flash(_("Saringan disimpan."), "success")
        return redirect(url_for("InboxView.index", **_args_of(narrow)))

    @expose("/saringan/<int:filter_id>/hapus", methods=["POST"])
    @has_access
    def delete_filter(self, filter_id: int):  # noqa: ANN201
        row = db.session.get(SavedInboxFilter, filter_id)
        if row is None or row.username != current_principal().username:
            abort_for(NotFound("Saringan tidak ditemukan. (Filter not found.)"))
        db.session.delete(row)
        db.session.commit()
        flash(_("Saringan dihapus."), "success")
        return redirect(url_for("InboxView.index"))

    def _row(self, task_id: int) -> InboxTask:
        row = db.session.get(InboxTask, task_id)
        if row is None:
            abort_for(NotFound("Tugas tidak ditemukan."))
        try:
            cases.check_can_work(current_principal(), row)
        except LigatError as exc:
            abort_for(exc)
        return row

    @expose("/<int:task_id>")
    @has_access
    def task(self, task_id: int):  # noqa: ANN201
        row = self._row(task_id)
        schema, ui = schemas_of(row.case, row.form, row.ui_form)
        data = cases.case_data(row.case)
        values = prefill(schema, ui, data) if row.form else {}
        fields = fields_for(schema, ui, values) if row.form else []
        return self._render_task(row, fields, data=data, schema=schema)

    def _render_task(self, row: InboxTask, fields: list, status: int = 200,  # noqa: ANN202
                     data: dict | None = None, schema: dict | None = None):
        """`data`, `schema`: the case's variables and the task's form schema, when the caller has them."""
        # The task page shows the case's fields and panels (NIK, KK, DTKS, earlier services): logged once.
        data = data if data is not None else cases.case_data(row.case)
        if schema is None and row.form:
            schema = schemas_of(row.case, row.form, row.ui_form)[0]
        # The task's own fields are in its form; the data panel leaves them out (no earlier round's answer).
        own = set(schema.get("properties", {})) if row.form else set()
        log_case_view(row.case, current_principal(), f"tugas:{row.task_name}", data)
        return (
            self.render_template("ligat/task.html", row=row, case=row.case, fields=fields, data=data,
                                 own_fields=own, principal=current_principal(), previews=letter_choices(row),
                                 pdf_on_offer=pdf_on_offer()),
            status,
        )

    @expose("/<int:task_id>/pratinjau-surat/<letter_type>/<variant>")
    @has_access
    def letter_preview(self, task_id: int, letter_type: str, variant: str):  # noqa: ANN201
        """The letter this task's completion would issue, marked as a preview (PDF shown in the task page,
        `?unduh=1` to download; .docx). Who may work on the task may see it; nobody else."""
        if variant not in LETTER_MIME:
            abort(404)
        row = self._row(task_id)
        inline = variant == "pdf" and not request.args.get("unduh")
        try:
            made = preview_file(row, current_principal(), letter_type, variant)
        except (PdfUnavailable, LigatError) as exc:
            db.session.rollback()
            if isinstance(exc, NotFound):
                abort_for(exc)
            # Shown in the task page's frame: a short page of its own with the way to the .docx.
            response = current_app.make_response((self.render_template(
                "ligat/letter_preview_message.html", message=str(exc), row=row, letter_type=letter_type,
                docx=isinstance(exc, PdfUnavailable)), 503 if isinstance(exc, PdfUnavailable) else 422))
            return allow_same_origin_framing(response)
        response = send_case_file(made.data, made.mime, made.name, attachment=not inline)
        return allow_same_origin_framing(response) if inline else response

    @expose("/<int:task_id>/ambil", methods=["POST"])
    @has_access
    def claim(self, task_id: int):  # noqa: ANN201
        self._row(task_id)
        try:
            cases.claim_task(db.session, task_id, current_principal())
        except LigatError as exc:
            flash_error(exc)
            return redirect(url_for("InboxView.index"))
        return redirect(url_for("InboxView.task", task_id=task_id))

    @expose("/<int:task_id>/lepas", methods=["POST"])
    @has_access
    def release(self, task_id: int):  # noqa: ANN201
        self._row(task_id)
        try:
            cases.release_task(db.session, task_id, current_principal())
        except LigatError as exc:
            flash_error(exc)
        return redirect(url_for("InboxView.index"))

    @expose("/<int:task_id>", methods=["POST"])
    @has_access
    def complete(self, task_id: int):  # noqa: ANN201
        row = self._row(task_id)
        principal = current_principal()
        schema, ui = schemas_of(row.case, row.form, row.ui_form)
        data = form_data(schema, request.form)
        # Files are stored in this request's transaction: committed with the step, removed if it fails.
        file_errors = take_task_uploads(db.session, schema, row.case_id, principal.username, data, request.files)
        try:
            if file_errors:
                raise FormInvalid(file_errors)
            case = cases.complete_task(db.session, task_id, principal, data)
        except FormInvalid as exc:
            db.session.rollback()
            errors = {**exc.errors, **file_errors}
            return self._render_task(row, fields_for(schema, ui, data, errors), 422, schema=schema)
        except LigatError as exc:
            db.session.rollback()
            flash_error(exc)
            return redirect(url_for("InboxView.index"))
        flash(
            _("Tugas '%(task)s' selesai. Kasus %(ref)s: %(status)s.", task=row.title, ref=case.reference,
              status=case.status),
            "success",
        )
        return redirect(url_for("InboxView.index"))
