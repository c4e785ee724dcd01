"""Start-form checks a package may declare (workflows/validators.py): the date checks on a fixed day."""

from __future__ import annotations

from datetime import date

from workflows import validators

TODAY = date(2026, 11, 24)


def run(rules: list[dict], data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    validators.run(rules, data, errors, validators.Context(today=TODAY))
    return errors


def test_not_past_accepts_today_and_later_and_refuses_earlier() -> None:
    rule = [{"check": "not_past", "field": "tanggal"}]
    assert run(rule, {"tanggal": "2026-11-24"}) == {}
    assert run(rule, {"tanggal": "2027-01-02"}) == {}
    assert "sebelum hari ini" in run(rule, {"tanggal": "2026-11-23"})["tanggal"]
    assert run(rule, {"tanggal": "kemarin"})["tanggal"].startswith("Tanggal tidak sah")
    assert run(rule, {}) == {}  # an optional field left empty is not checked


def test_not_past_with_days_ahead() -> None:
    rule = [{"check": "not_past", "field": "tanggal", "min_days": 2}]
    assert run(rule, {"tanggal": "2026-11-26"}) == {}
    message = run(rule, {"tanggal": "2026-11-25"})["tanggal"]
    assert "paling cepat 2 hari" in message and "at least 2 day" in message


def test_not_past_is_a_declarable_check() -> None:
    assert validators.declaration_errors({"check": "not_past", "field": "tanggal"}, {"tanggal": {}}) == []
