"""Files of a case (uploaded documents, issued letters), letter revocation, and a
person's page (every service a NIK received). Every download and every view of a
person's record is logged; all checks are made on the server."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from workflows import documents, issued_letters, persons
from workflows.db import Case
from workflows.errors import LigatError, NotFound
from workflows.visibility import can_view_case

from ..extensions import db
from ..security import CASE, INBOX, current_principal

LETTER_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def send_case_file(data: bytes, mime: str, name: str, attachment: bool = True):  # noqa: ANN201
    """A case's file, never cached; `attachment=False` shows it in the browser (an embedded PDF)."""
    response = send_file(BytesIO(data), mimetype=mime, as_attachment=attachment, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class BerkasView(BaseView):
    """Read access to a case's files and to people's records (the Case read permission)."""

    route_base = "/berkas"
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"document": "read", "letter": "read", "person_of_case": "read", "person_search": "read"}
    default_view = "person_search"

    @expose("/dokumen/<int:document_id>")
    @has_access
    def document(self, document_id: int):  # noqa: ANN201
        try:
            doc, data = documents.download(db.session, document_id, current_principal())
        except NotFound:
            abort(404)
        return send_case_file(data, doc.mime, f"{doc.kind}-{doc.id}.{doc.storage_key.rsplit('.', 1)[-1]}")

    @expose("/surat/<int:letter_id>/<variant>")
    @has_access
    def letter(self, letter_id: int, variant: str):  # noqa: ANN201
        if variant not in LETTER_MIME:
            abort(404)
        try:
            letter, data = issued_letters.download(db.session, letter_id, current_principal(), variant)
        except NotFound as exc:
            db.session.rollback()
            abort(404, description=str(exc))
        safe_number = letter.number.replace("/", "-")
        return send_case_file(data, LETTER_MIME[variant], f"surat-{safe_number}.{variant}")

    def _person_page(self, nik: str, context: str):  # noqa: ANN202
        principal = current_principal()
        records = persons.services_of(db.session, nik, principal)
        persons.log_view(db.session, principal, nik, context)
        db.session.commit()
        return self.render_template("ligat/warga.html", nik=nik, records=records, check=persons.check_nik(nik))

    @expose("/warga/kasus/<int:case_id>")
    @has_access
    def person_of_case(self, case_id: int):  # noqa: ANN201
        # Reached from a case page: the NIK never appears in the address (and so not in access logs).
        case = db.session.get(Case, case_id)
        if case is None or not case.subject_nik or not can_view_case(current_principal(), case):
            abort(404)
        return self._person_page(case.subject_nik, f"halaman_warga:{case.reference}")

    @expose("/warga/", methods=["GET", "POST"])
    @has_access
    def person_search(self):  # noqa: ANN201
        if request.method == "GET":
            return self.render_template("ligat/warga.html", nik=None, records=[], check=None)
        nik = "".join(ch for ch in request.form.get("nik", "") if ch.isdigit())
        if len(nik) != 16:
            flash(_("NIK harus 16 digit angka."), "danger")
            return self.render_template("ligat/warga.html", nik=None, records=[], check=None), 422
        return self._person_page(nik, "pencarian_warga")


class SuratView(BaseView):
    """Revocation of an issued letter by the head of office or an admin."""

    route_base = "/surat"
    class_permission_name = INBOX
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"revoke": "write"}

    @expose("/<int:letter_id>/cabut", methods=["POST"])
    @has_access
    def revoke(self, letter_id: int):  # noqa: ANN201
        principal = current_principal()
        letter = db.session.get(issued_letters.Letter, letter_id)
        case = db.session.get(Case, letter.case_id) if letter else None
        if case is None or not can_view_case(principal, case):
            abort(404)
        if not issued_letters.can_revoke(principal):
            abort(403, description=_("Hanya Kepala Dinas atau Admin yang dapat mencabut surat."))
        try:
            issued_letters.revoke(db.session, letter_id, principal, request.form.get("alasan", ""))
        except LigatError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Surat %(number)s telah dicabut.", number=letter.number), "success")
        return redirect(url_for("CaseView.show", case_id=case.id))
