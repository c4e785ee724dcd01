"""Who may see and work on what: region prefixes, bidang, read-all roles; SLA badges."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.db import Case
from workflows.inbox import can_view_case, sla_badge
from workflows.principal import AUDITOR, FIELD_OFFICER, KELURAHAN_OFFICER, OPERATOR, Principal


def case(region: str, bidang: str | None = None) -> Case:
    return Case(region_code=region, bidang=bidang)


def test_region_prefix_follows_the_kemendagri_hierarchy():
    district = Principal("d", frozenset({KELURAHAN_OFFICER}), region_code="91.71.01")
    assert district.in_region("91.71.01.1001")
    assert district.in_region("91.71.01")
    assert not district.in_region("91.71.011.1001")  # a prefix of digits is not a parent region
    assert not district.in_region("91.71.03.1001")
    assert not district.in_region(None)


def test_case_visibility():
    officer = Principal("k", frozenset({KELURAHAN_OFFICER}), region_code="91.71.01.1001")
    assert can_view_case(officer, case("91.71.01.1001"))
    assert not can_view_case(officer, case("91.71.01.1002"))
    field = Principal("f", frozenset({FIELD_OFFICER}), bidang="rehsos")
    assert can_view_case(field, case("91.71.01.1001", "rehsos"))
    assert not can_view_case(field, case("91.71.01.1001", "linjamsos"))
    assert can_view_case(Principal("o", frozenset({OPERATOR})), case("91.71.03.1001"))
    assert can_view_case(Principal("a", frozenset({AUDITOR})), case("91.71.03.1001", "dayasos"))
    assert not can_view_case(Principal("nobody"), case("91.71.03.1001"))


def test_sla_badges():
    now = datetime(2026, 11, 23, 12, 0)
    assert sla_badge(None, now).code == "none"
    assert sla_badge(now - timedelta(minutes=1), now).code == "overdue"
    assert sla_badge(now + timedelta(hours=3), now).code == "due_soon"
    assert sla_badge(now + timedelta(days=2), now).code == "on_time"
