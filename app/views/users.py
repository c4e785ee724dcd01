"""The admin's user screens (Security → List Users) with the officer's work area.

FAB's UserDBModelView plus four fields kept in OfficerProfile: Wilayah (a Kemendagri code
of the office's area, or none = the whole office), Bidang (or none = every bidang), Jabatan
and NIP. Who sees which case is decided on region and bidang (app/security.py
principal_for), so an officer made here gets them in the same form and the same commit.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..models import OfficerProfile
from ..regions import is_office_area, office_areas, region_label
from .display import BIDANG, bidang_label

PROFILE_FIELDS = ["wilayah", "bidang", "jabatan", "nip"]
NIP_RE = re.compile(r"\d{18}")
# Shown in the list and show pages, read through the user's profile row.
REGION_COLUMN, BIDANG_COLUMN = "officer_profile.region_code", "officer_profile.bidang"
JABATAN_COLUMN, NIP_COLUMN = "officer_profile.jabatan", "officer_profile.nip"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _region_choices() -> list[tuple[str, Any]]:
    return [("", lazy_gettext("Seluruh kantor")), *office_areas(current_app.config["LIGAT_OFFICE_REGION"])]


def _bidang_choices() -> list[tuple[str, Any]]:
    return [("", lazy_gettext("Semua bidang")), *BIDANG.items()]


def _check_region(form: Any, field: Any) -> None:
    if field.data and not is_office_area(field.data, current_app.config["LIGAT_OFFICE_REGION"]):
        raise ValidationError(lazy_gettext("Kode wilayah tidak dikenal atau di luar wilayah kantor ini."))


def _check_bidang(form: Any, field: Any) -> None:
    if field.data and field.data not in BIDANG:
        raise ValidationError(lazy_gettext("Bidang tidak dikenal."))


def _check_nip(form: Any, field: Any) -> None:
    if field.data and not NIP_RE.fullmatch(field.data):
        raise ValidationError(lazy_gettext("NIP harus 18 angka."))


def _profile_form_fields() -> dict[str, Any]:
    return {
        "wilayah": SelectField(
            lazy_gettext("Wilayah"),
            description=lazy_gettext(
                "Wilayah kerja petugas. Wajib untuk peran berwilayah (Petugas Kelurahan): "
                "tanpa wilayah peran itu tidak melihat kasus apa pun."),
            choices=_region_choices,
            validate_choice=False,  # _check_region gives the message
            validators=[_check_region],
            filters=[_strip],
            widget=Select2Widget(),
        ),
        "bidang": SelectField(
            lazy_gettext("Bidang"),
            description=lazy_gettext(
                "Bidang petugas. Wajib untuk peran berbidang (Petugas Lapangan, Kepala Bidang): "
                "tanpa bidang peran itu tidak melihat kasus apa pun."),
            choices=_bidang_choices,
            validate_choice=False,
            validators=[_check_bidang],
            filters=[_strip],
            widget=Select2Widget(),
        ),
        "jabatan": StringField(
            lazy_gettext("Jabatan"),
            validators=[Optional(), Length(max=200)],
            filters=[_strip],
            widget=BS3TextFieldWidget(),
        ),
        "nip": StringField(
            lazy_gettext("NIP"),
            description=lazy_gettext("Nomor Induk Pegawai, 18 angka (boleh kosong)."),
            validators=[_check_nip],
            filters=[_strip],
            widget=BS3TextFieldWidget(),
        ),
    }


def _region_display(code: str | None) -> str:
    return f"{region_label(code)} ({code})" if code else str(lazy_gettext("Seluruh kantor"))


def _bidang_display(code: str | None) -> str:
    return bidang_label(code) if code else str(lazy_gettext("Semua bidang"))


def _insert_before(columns: list[str], before: str, new: list[str]) -> list[str]:
    index = columns.index(before) if before in columns else len(columns)
    return [*columns[:index], *new, *columns[index:]]


class LigatUserDBModelView(UserDBModelView):
    """Users with their OfficerProfile, under FAB's own permission name (can_add on UserDBModelView …)."""

    class_permission_name = "UserDBModelView"

    label_columns = {
        **UserDBModelView.label_columns,
        REGION_COLUMN: lazy_gettext("Wilayah"),
        BIDANG_COLUMN: lazy_gettext("Bidang"),
        JABATAN_COLUMN: lazy_gettext("Jabatan"),
        NIP_COLUMN: lazy_gettext("NIP"),
    }
    formatters_columns = {REGION_COLUMN: _region_display, BIDANG_COLUMN: _bidang_display}

    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, **_profile_form_fields()}
    edit_form_extra_fields = _profile_form_fields()
    add_columns = _insert_before(list(UserDBModelView.add_columns), "password", PROFILE_FIELDS)
    edit_columns = [*UserDBModelView.edit_columns, *PROFILE_FIELDS]
    list_columns = _insert_before(list(UserDBModelView.list_columns), "active", [REGION_COLUMN, BIDANG_COLUMN])
    show_fieldsets = [
        *UserDBModelView.show_fieldsets[:2],
        (lazy_gettext("Wilayah kerja"), {"fields": [REGION_COLUMN, BIDANG_COLUMN, JABATAN_COLUMN, NIP_COLUMN],
                               "expanded": True}),
        *UserDBModelView.show_fieldsets[2:],
    ]

    def prefill_form(self, form: Any, pk: Any) -> None:
        profile = self.datamodel.get(pk).officer_profile
        if profile is not None:
            form.wilayah.data = profile.region_code or ""
            form.bidang.data = profile.bidang or ""
            form.jabatan.data = profile.jabatan or ""
            form.nip.data = profile.nip or ""

    def pre_add(self, item: Any) -> None:
        super().pre_add(item)
        _write_profile(item)

    def pre_update(self, item: Any) -> None:
        super().pre_update(item)
        _write_profile(item)


def _write_profile(user: Any) -> None:
    """Copy the form's profile fields (set on the user by populate_obj) into its OfficerProfile row;
    saved with the user in the same commit."""
    profile = user.officer_profile
    if profile is None:
        profile = user.officer_profile = OfficerProfile()
    profile.region_code = getattr(user, "wilayah", None) or None
    profile.bidang = getattr(user, "bidang", None) or None
    profile.jabatan = getattr(user, "jabatan", None) or None
    profile.nip = getattr(user, "nip", None) or None
