"""COTA (calon orang tua angkat): adoption between Indonesian citizens.

What the application form can check before a case exists (PP 54/2007 Pasal 13):
both prospective parents 30 to 55 years old, married at least 5 years, NIKs that
are well formed and agree with the birth dates and sexes given. Everything else
(documents, religion, means, home visits) is checked by people in `bpmn/cota.bpmn`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .issued_letters import LetterType, office_today, register_letter_type
from .persons import check_nik

MIN_AGE, MAX_AGE, MIN_YEARS_MARRIED = 30, 55, 5

register_letter_type(
    LetterType("rekomendasi_cota", "Surat Rekomendasi Pengangkatan Anak (COTA)",
               "400.9.3/{seq:04d}/COTA/DINSOS/{bulan_romawi}/{tahun}")
)


def full_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def eligibility_errors(data: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """Field errors for the rules the form can check; empty when they all hold.

    `data` is the schema-cleaned application (dates as ISO strings); fields the schema already
    refused are left alone.
    """
    today = today or office_today()
    errors: dict[str, str] = {}
    for who, sex, label in (("ayah", "L", "laki-laki"), ("ibu", "P", "perempuan")):
        born_field, nik_field = f"tanggal_lahir_calon_{who}", f"nik_calon_{who}"
        born = _date(data.get(born_field))
        if born is not None:
            age = full_years(born, today)
            if not MIN_AGE <= age <= MAX_AGE:
                errors[born_field] = (
                    f"Calon {who} angkat berumur {age} tahun; syaratnya {MIN_AGE} sampai {MAX_AGE} tahun. "
                    f"(Age must be {MIN_AGE} to {MAX_AGE}.)"
                )
        nik = data.get(nik_field)
        if nik:
            checked = check_nik(nik)
            if not checked.valid:
                errors[nik_field] = checked.message or "NIK tidak valid. (Invalid NIK.)"
            elif checked.gender != sex:
                errors[nik_field] = f"NIK ini milik seorang {'perempuan' if sex == 'L' else 'laki-laki'}, " \
                                    f"bukan {label}. (NIK does not match the sex.)"
            elif born is not None and checked.birth_date != born:
                errors[nik_field] = "Tanggal lahir di NIK tidak sama dengan tanggal lahir yang diisi. " \
                                    "(NIK birth date differs.)"
    married = _date(data.get("tanggal_menikah"))
    if married is not None:
        years = full_years(married, today)
        if married > today:
            errors["tanggal_menikah"] = "Tanggal menikah tidak boleh di masa depan. (Date is in the future.)"
        elif years < MIN_YEARS_MARRIED:
            errors["tanggal_menikah"] = (
                f"Baru menikah {years} tahun; syaratnya paling singkat {MIN_YEARS_MARRIED} tahun. "
                f"(Married at least {MIN_YEARS_MARRIED} years.)"
            )
    return errors


def summary(data: dict[str, Any], today: date | None = None) -> dict[str, int]:
    """Ages and years married at application, kept as process variables for the operator and Tim PIPA."""
    today = today or office_today()
    out = {}
    for key, field in (("umur_calon_ayah", "tanggal_lahir_calon_ayah"), ("umur_calon_ibu", "tanggal_lahir_calon_ibu"),
                       ("lama_menikah_tahun", "tanggal_menikah")):
        value = _date(data.get(field))
        if value is not None:
            out[key] = full_years(value, today)
    return out


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
