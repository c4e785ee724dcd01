"""Checks of a start form beyond its JSON Schema, chosen by a package from this documented set
(`start.validators` in service.json). Each names the form field it checks; an error is a
field-level message in Bahasa Indonesia and English.

    {"check": "nik", "field": "nik", "birth_date": "tanggal_lahir", "sex": "L"}
        NIK structure (region codes, birth date with +40 for women); optionally that it agrees
        with a birth-date field and with a sex ("L"/"P", or a field name holding it).
    {"check": "kk", "field": "no_kk"}                       family card number: 16 digits, known district
    {"check": "phone", "field": "telepon"}                  Indonesian or WhatsApp form; stored as +62…
    {"check": "village", "field": "kode_wilayah"}           a village the office serves; for an officer,
                                                            one inside the officer's own region
    {"check": "age_range", "field": "tanggal_lahir", "min": 30, "max": 55}
                                                            full years on a date, within bounds
    {"check": "not_future", "field": "tanggal_kejadian"}    the date is not after today
    {"check": "not_past", "field": "tanggal_kunjungan", "min_days": 1}
                                                            the date is today or later; with `min_days`,
                                                            at least that many days after today (a booking)
    {"check": "years_since", "field": "tanggal_menikah", "min": 5}
                                                            at least N full years since the date
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import forms

from .persons import check_kk, check_nik


@dataclass
class Context:
    """What a check may need beyond the form: the office's villages and the officer's region."""

    today: date
    office_villages: dict[str, str] = field(default_factory=dict)
    in_officer_region: Callable[[str], bool] | None = None  # None: a citizen applying


def full_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _nik(rule: dict, data: dict, ctx: Context) -> str | None:
    checked = check_nik(str(data[rule["field"]]))
    if not checked.valid:
        return checked.message or "NIK tidak valid. (Invalid NIK.)"
    sex = rule.get("sex")
    if sex and sex not in ("L", "P"):
        sex = data.get(sex)
    if sex in ("L", "P") and checked.gender != sex:
        wanted, other = ("laki-laki", "perempuan") if sex == "L" else ("perempuan", "laki-laki")
        return f"NIK ini milik seorang {other}, bukan {wanted}. (The NIK belongs to someone of the other sex.)"
    born = _date(data.get(rule.get("birth_date", ""))) if rule.get("birth_date") else None
    if born is not None and born != checked.birth_date:
        return (f"Tanggal lahir tidak sesuai dengan NIK (menurut NIK: {checked.birth_date:%d-%m-%Y}). "
                "(Birth date does not match the NIK.)")
    return None


def _kk(rule: dict, data: dict, ctx: Context) -> str | None:
    return check_kk(str(data[rule["field"]]))


def _phone(rule: dict, data: dict, ctx: Context) -> str | None:
    errors: dict[str, str] = {}
    forms.normalize_phone(data, errors, rule["field"])  # the one phone check, shared with the report form
    return errors.get(rule["field"])


def _village(rule: dict, data: dict, ctx: Context) -> str | None:
    code = str(data[rule["field"]])
    if code not in ctx.office_villages:
        return "Kelurahan tidak berada di wilayah layanan kantor ini. (Village outside the office's area.)"
    if ctx.in_officer_region is not None and not ctx.in_officer_region(code):
        return "Kelurahan tidak berada di wilayah kerja Anda. (Village outside your region.)"
    return None


def _age_range(rule: dict, data: dict, ctx: Context) -> str | None:
    born = _date(data[rule["field"]])
    if born is None:
        return "Tanggal tidak sah. (Invalid date.)"
    age = full_years(born, ctx.today)
    low, high = rule.get("min", 0), rule.get("max", 200)
    if not low <= age <= high:
        return f"Umur {age} tahun; syaratnya {low} sampai {high} tahun. (Age is {age}; it must be {low} to {high}.)"
    return None


def _not_future(rule: dict, data: dict, ctx: Context) -> str | None:
    moment = _date(data[rule["field"]])
    if moment is not None and moment > ctx.today:
        return "Tanggal tidak boleh di masa depan. (The date cannot be in the future.)"
    return None


def _not_past(rule: dict, data: dict, ctx: Context) -> str | None:
    moment = _date(data[rule["field"]])
    if moment is None:
        return "Tanggal tidak sah. (Invalid date.)"
    days = int(rule.get("min_days", 0))
    if (moment - ctx.today).days >= days:
        return None
    if days <= 0:
        return "Tanggal tidak boleh sebelum hari ini. (The date cannot be in the past.)"
    return (f"Tanggal paling cepat {days} hari setelah hari ini. "
            f"(The date must be at least {days} day(s) after today.)")


def _years_since(rule: dict, data: dict, ctx: Context) -> str | None:
    moment = _date(data[rule["field"]])
    if moment is None:
        return "Tanggal tidak sah. (Invalid date.)"
    if moment > ctx.today:
        return "Tanggal tidak boleh di masa depan. (The date cannot be in the future.)"
    years, wanted = full_years(moment, ctx.today), rule.get("min", 0)
    if years < wanted:
        return (f"Baru {years} tahun; syaratnya paling singkat {wanted} tahun. "
                f"(Only {years} years; at least {wanted} are required.)")
    return None


CHECKS: dict[str, tuple[Callable[[dict, dict, Context], str | None], tuple[str, ...]]] = {
    "nik": (_nik, ("birth_date",)),
    "kk": (_kk, ()),
    "phone": (_phone, ()),
    "village": (_village, ()),
    "age_range": (_age_range, ()),
    "not_future": (_not_future, ()),
    "not_past": (_not_past, ()),
    "years_since": (_years_since, ()),
}


def declaration_errors(rule: dict, properties: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with one declared check (deploy time): unknown check, field not in the form."""
    check = rule.get("check")
    if check not in CHECKS:
        return [(f"pemeriksaan '{check}' tidak dikenal; yang tersedia: {', '.join(CHECKS)}",
                 f"unknown check '{check}'; available: {', '.join(CHECKS)}")]
    out = []
    for key in ("field", *CHECKS[check][1]):
        name = rule.get(key)
        if key == "field" and not name:
            out.append(("'field' wajib diisi", "'field' is required"))
        elif name and name not in properties:
            out.append((f"isian '{name}' tidak ada di formulir awal", f"field '{name}' is not in the start form"))
    return out


def run(rules: list[dict], data: dict[str, Any], errors: dict[str, str], ctx: Context) -> None:
    """Apply the declared checks to schema-cleaned data; a field already in error is left alone."""
    for rule in rules:
        name = rule["field"]
        if not data.get(name) or name in errors:
            continue
        message = CHECKS[rule["check"]][0](rule, data, ctx)
        if message:
            errors[name] = message
