"""Who may see and work on what: region prefixes, bidang, read-all roles; SLA badges."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.db import Case
from workflows.inbox import sla_badge
from workflows.principal import AUDITOR, FIELD_OFFICER, KELURAHAN_OFFICER, OPERATOR, Principal
from workflows.visibility import can_view_case


def case(region: str, bidang: str | None = None) -> Case:
    return Case(region_code=region, bidang=bidang)


def test_region_prefix_follows_the_kemendagri_hierarchy():
    district = Principal("d", frozenset({KELURAHAN_OFFICER}), region_code="91.71.01")
    assert district.in_region("91.71.01.1001")
    assert district.in_region("91.71.01")
    assert not district.in_region("91.71.011.1001")  # a prefix of digits is not a parent region
    assert not district.in_region("91.71.03.1001")
    assert not district.in_region(None)


def test_scope_decides_what_a_role_covers():
    officer = Principal("k", frozenset({KELURAHAN_OFFICER}), region_code="91.71.01.1001",
                        scopes=((KELURAHAN_OFFICER, "region"),))
    assert officer.covers(KELURAHAN_OFFICER, "91.71.01.1001", None)
    assert not officer.covers(KELURAHAN_OFFICER, "91.71.01.1002", None)
    field = Principal("f", frozenset({FIELD_OFFICER}), bidang="rehsos", scopes=((FIELD_OFFICER, "bidang"),))
    assert field.covers(FIELD_OFFICER, "91.71.01.1001", "rehsos")
    assert not field.covers(FIELD_OFFICER, "91.71.01.1001", "linjamsos")
    assert not field.covers(FIELD_OFFICER, "91.71.01.1001", None)  # not yet dispatched to a bidang
    operator = Principal("o", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    assert operator.covers(OPERATOR, "91.71.03.1001", "dayasos")
    assert not operator.covers(FIELD_OFFICER, "91.71.03.1001", "dayasos")  # a role the person lacks


def test_scoped_roles_without_their_scope_cover_nothing():
    no_region = Principal("k", frozenset({KELURAHAN_OFFICER}), scopes=((KELURAHAN_OFFICER, "region"),))
    assert not no_region.covers(KELURAHAN_OFFICER, "91.71.01.1001", None)
    no_bidang = Principal("f", frozenset({FIELD_OFFICER}), scopes=((FIELD_OFFICER, "bidang"),))
    assert not no_bidang.covers(FIELD_OFFICER, "91.71.01.1001", "rehsos")
    both = Principal("x", frozenset({"Tim Gabungan"}), region_code="91.71.01", bidang="rehsos",
                     scopes=(("Tim Gabungan", "region_bidang"),))
    assert both.covers("Tim Gabungan", "91.71.01.1001", "rehsos")
    assert not both.covers("Tim Gabungan", "91.71.02.1001", "rehsos")
    assert not both.covers("Tim Gabungan", "91.71.01.1001", "dayasos")
    # A role no deployed package declares covers nothing, whatever the person's region.
    assert not Principal("u", frozenset({OPERATOR}), scopes=()).covers(OPERATOR, "91.71.01", None)


def test_citizen_scope_covers_only_the_applicants_own_case():
    applicant = Principal("pemohon:LKS-1", frozenset({"Pemohon"}), scopes=(("Pemohon", "citizen"),), case_id=7)
    assert applicant.covers("Pemohon", None, None, case_id=7)
    assert not applicant.covers("Pemohon", None, None, case_id=8)
    assert not applicant.can_work


def test_read_all_roles_see_every_case_and_nobody_sees_without_roles():
    assert can_view_case(Principal("a", frozenset({AUDITOR})), Case(region_code="91.71.03.1001", bidang="dayasos"))
    assert not can_view_case(Principal("nobody"), Case(region_code="91.71.03.1001"))


def test_sla_badges():
    now = datetime(2026, 11, 23, 12, 0)
    assert sla_badge(None, now).code == "none"
    assert sla_badge(now - timedelta(minutes=1), now).code == "overdue"
    assert sla_badge(now + timedelta(hours=3), now).code == "due_soon"
    assert sla_badge(now + timedelta(days=2), now).code == "on_time"


def test_a_scoped_role_without_its_scope_may_not_start_a_case_either():
    without = Principal("baru", frozenset({KELURAHAN_OFFICER}), scopes=((KELURAHAN_OFFICER, "region"),))
    assert not without.holds_scope(KELURAHAN_OFFICER)
    assert Principal("k", frozenset({KELURAHAN_OFFICER}), region_code="91.71.01",
                     scopes=((KELURAHAN_OFFICER, "region"),)).holds_scope(KELURAHAN_OFFICER)
    assert Principal("o", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),)).holds_scope(OPERATOR)
    no_bidang = Principal("f", frozenset({FIELD_OFFICER}), scopes=((FIELD_OFFICER, "bidang"),))
    assert not no_bidang.holds_scope(FIELD_OFFICER)
