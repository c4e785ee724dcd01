"""PBI-JKN recommendation letters: the kelurahan officer's "Buat permohonan" page
and the information the verifier, approver and kelurahan see beside their forms.

The flow itself is bpmn/pbi_jkn.bpmn; this module only starts it (with the KTP,
KK and SKTM files) and draws panels.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

import forms
from letters import mask_nik
from workflows import dtks, persons
from workflows.cases import Reporter
from workflows.db import Case, InboxTask
from workflows.errors import LigatError
from workflows.intake import start_case_with_documents
from workflows.principal import KELURAHAN_OFFICER, Principal

from ..extensions import db
from ..formfields import fields_for
from ..panels import Panel, register_panels
from ..regions import villages
from ..security import INBOX, current_principal
from ..uploads import collect_new_case_uploads, file_fields
from .display import format_dt

PROCESS = "pbi_jkn"
START_FORM = "pbi_permohonan.schema.json"
START_UI = "pbi_permohonan.uischema.json"
LETTER_TYPE = "pbi_jkn"


def officer_villages(principal: Principal) -> list[tuple[str, str]]:
    """Villages of the office area inside the officer's own region."""
    office = current_app.config["LIGAT_OFFICE_REGION"]
    return [(code, label) for code, label in villages(office) if principal.in_region(code)]


def validate_request(data: dict[str, Any], principal: Principal) -> tuple[dict[str, Any], dict[str, str]]:
    """Schema, then what a schema cannot know: NIK and KK structure, birth date in the NIK, region, phone."""
    cleaned, errors = forms.validate(START_FORM, data)
    if cleaned.get("nik") and "nik" not in errors:
        check = persons.check_nik(cleaned["nik"])
        if not check.valid:
            errors["nik"] = check.message or "NIK tidak valid."
        elif cleaned.get("tanggal_lahir") and "tanggal_lahir" not in errors:
            if date.fromisoformat(cleaned["tanggal_lahir"]) != check.birth_date:
                errors["tanggal_lahir"] = (
                    f"Tanggal lahir tidak sesuai dengan NIK (menurut NIK: {check.birth_date:%d-%m-%Y}). "
                    "(Birth date does not match the NIK.)"
                )
    if cleaned.get("no_kk") and "no_kk" not in errors:
        message = persons.check_kk(cleaned["no_kk"])
        if message:
            errors["no_kk"] = message
    if cleaned.get("kode_wilayah") and "kode_wilayah" not in errors:
        if cleaned["kode_wilayah"] not in dict(officer_villages(principal)):
            errors["kode_wilayah"] = "Kelurahan tidak berada di wilayah kerja Anda. (Village outside your region.)"
    forms.normalize_phone(cleaned, errors)
    return cleaned, errors


class PbiJknView(BaseView):
    route_base = "/layanan/pbi-jkn"
    # Same permission set as the inbox (FAB: views sharing a permission name list the same set);
    # the role and region are checked on the server below.
    class_permission_name = INBOX
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"new": "read", "create": "write"}
    default_view = "new"

    def _officer(self) -> Principal:
        principal = current_principal()
        if not principal.has_role(KELURAHAN_OFFICER):
            abort(403, description="Hanya Petugas Kelurahan yang dapat membuat permohonan.")
        return principal

    def _render(self, principal: Principal, values: dict | None = None, errors: dict | None = None,
                status: int = 200):  # noqa: ANN202
        fields = fields_for(START_FORM, START_UI, values, errors,
                            choices={"kode_wilayah": officer_villages(principal)})
        return self.render_template("ligat/pbi_baru.html", fields=fields), status

    @expose("/baru")
    @has_access
    def new(self):  # noqa: ANN201
        return self._render(self._officer())

    @expose("/baru", methods=["POST"])
    @has_access
    def create(self):  # noqa: ANN201
        principal = self._officer()
        data = request.form.to_dict()
        data.pop("csrf_token", None)
        uploads, file_errors = collect_new_case_uploads(START_FORM, data, request.files)
        cleaned, errors = validate_request(data, principal)
        errors.update(file_errors)
        if errors:
            for name in file_fields(START_FORM):
                data.pop(name, None)
            return self._render(principal, data, errors, 422)
        for name in file_fields(START_FORM):
            cleaned.pop(name, None)
        village = dict(officer_villages(principal))[cleaned["kode_wilayah"]]
        process_data = {
            **cleaned,
            "nama_kelurahan": village.split(",")[0],
            "pengaju": principal.username,
            "delegasi_kabid": bool(current_app.config.get("LIGAT_PBI_DELEGASI_KABID")),
        }
        process_data.pop("telepon", None)  # contact details live in the case's own columns
        try:
            case = start_case_with_documents(
                db.session, PROCESS, process_data, principal.username, uploads,
                region_code=cleaned["kode_wilayah"], category=PROCESS,
                title=f"Rekomendasi PBI-JKN · {village}",
                reporter=Reporter(name=cleaned["nama"], phone=cleaned.get("telepon"), anonymous=False),
                priority=1 if cleaned.get("darurat") else 0,
                subject_nik=cleaned["nik"],
            )
        except LigatError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._render(principal, data, {}, 409)
        flash(f"Permohonan {case.reference} terkirim ke Dinas Sosial untuk diverifikasi.", "success")
        return redirect(url_for("CaseView.show", case_id=case.id))


# --- panels beside the forms -----------------------------------------------------------------------------

def _applicant_panel(data: dict[str, Any]) -> Panel:
    nik = str(data.get("nik", ""))
    check = persons.check_nik(nik)
    rows = [("Nama", str(data.get("nama", "–"))), ("NIK", nik), ("Nomor KK", str(data.get("no_kk", "–"))),
            ("Tempat, tanggal lahir", f"{data.get('tempat_lahir', '–')}, {data.get('tanggal_lahir', '–')}"),
            ("Alamat", f"{data.get('alamat', '–')} ({data.get('nama_kelurahan', '–')})"),
            ("Alasan", str(data.get("alasan", "–")))]
    if check.valid:
        gender = "perempuan" if check.gender == "P" else "laki-laki"
        rows.append(("Pemeriksaan NIK", f"sah: {gender}, lahir {check.birth_date:%d-%m-%Y}, distrik {check.district}"))
    else:
        rows.append(("Pemeriksaan NIK", check.message or "tidak sah"))
    return Panel("Data pemohon", rows, "default", html_id="pbi-pemohon")


def _dtks_panel(data: dict[str, Any]) -> Panel:
    row = dtks.lookup(db.session, str(data.get("nik", "")))
    if row is None:
        return Panel("DTKS", [("Status", "Tidak terdaftar di DTKS")], "warning", html_id="pbi-dtks",
                     note="NIK ini tidak ditemukan di Data Terpadu Kesejahteraan Sosial.")
    rows = [("Status", "Terdaftar di DTKS"), ("Desil", str(row.desil or "–"))]
    if row.no_kk != data.get("no_kk"):
        rows.append(("Nomor KK di DTKS", f"berbeda ({mask_nik(row.no_kk)})"))
    return Panel("DTKS", rows, "success", html_id="pbi-dtks")


def _history_panel(case: Case, principal: Principal) -> Panel:
    nik = case.subject_nik or ""
    records = [r for r in persons.services_of(db.session, nik) if r.case.id != case.id]
    duplicates = persons.recent_letters(db.session, nik, LETTER_TYPE, exclude_case_id=case.id)
    items = []
    for record in records:
        letters_text = ", ".join(f"{letter.number} ({letter.status})" for letter in record.letters)
        items.append(f"{record.case.reference} · {record.case.definition.name} · {record.case.status} · "
                     f"{format_dt(record.case.created_at, with_time=False)}"
                     + (f" · surat {letters_text}" if letters_text else ""))
    panel = Panel("Layanan sebelumnya untuk NIK ini", kind="default", html_id="pbi-riwayat", items=items)
    if not items:
        panel.note = "Belum pernah menerima layanan LIGAT."
    if duplicates:
        panel.kind = "danger"
        panel.note = ("Kemungkinan ganda: surat rekomendasi PBI-JKN " + ", ".join(d.number for d in duplicates)
                      + " terbit dalam 12 bulan terakhir.")
    return panel


def _return_panel(data: dict[str, Any]) -> Panel | None:
    if not data.get("putaran_pengembalian"):
        return None
    missing = data.get("berkas_bermasalah") or []
    return Panel(
        f"Dikembalikan oleh verifikator (putaran ke-{data['putaran_pengembalian']})",
        [("Alasan", str(data.get("alasan_pengembalian", "–")))],
        "warning", html_id="pbi-pengembalian", items=[f"Perlu diperbaiki: {m}" for m in missing],
    )


@register_panels(PROCESS)
def pbi_panels(row: InboxTask | None, case: Case, principal: Principal) -> list[Panel]:
    from workflows.cases import case_data

    data = case_data(case)
    panels: list[Panel] = []
    task = row.task_name if row else "kasus"
    if task in ("perbaiki_berkas", "verifikasi"):
        returned = _return_panel(data)
        if returned and task == "perbaiki_berkas":
            panels.append(returned)
    if task == "verifikasi" and data.get("catatan_persetujuan") and data.get("keputusan_persetujuan") == "kembalikan":
        panels.append(Panel("Catatan dari penyetuju", [("Catatan", str(data["catatan_persetujuan"]))], "warning",
                            html_id="pbi-catatan-penyetuju"))
    if task == "terima_penolakan":
        panels.append(Panel("Permohonan ditolak", [("Alasan", str(data.get("alasan_penolakan", "–")))], "danger",
                            html_id="pbi-penolakan"))
    panels.append(_applicant_panel(data))
    if task in ("verifikasi", "persetujuan", "persetujuan_kabid", "kasus"):
        panels.append(_dtks_panel(data))
        panels.append(_history_panel(case, principal))
    if case.subject_nik:
        persons.log_view(db.session, principal, case.subject_nik, f"tugas:{task}:{case.reference}")
        db.session.commit()
    return panels
