"""Display helpers the lists use on every row: they must say what the slower general forms say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.views.display import BULAN, OFFICE_TZ, format_dt


def test_office_dates_are_wit_calendar_dates():
    assert format_dt(datetime(2026, 11, 21, 10, 0)) == "21 November 2026 19:00 WIT"
    # Across the day, month and year boundary in office time.
    assert format_dt(datetime(2026, 12, 31, 15, 30, 59)) == "1 Januari 2027 00:30 WIT"
    assert format_dt(datetime(2026, 6, 30, 14, 59, 59, 999999), with_time=False) == "30 Juni 2026"
    assert format_dt(None) == "–"
    for hours in range(0, 24 * 400, 7):
        value = datetime(2026, 1, 1) + timedelta(hours=hours, minutes=hours % 60)
        local = value.replace(tzinfo=UTC).astimezone(OFFICE_TZ)
        assert format_dt(value) == f"{local.day} {BULAN[local.month - 1]} {local.year} {local:%H:%M} WIT"


def test_row_links_joined_from_one_prefix_are_the_routes_links(app):
    from flask import url_for

    from app.views.display import id_url

    with app.test_request_context():
        for endpoint, key in (("InboxView.task", "task_id"), ("InboxView.claim", "task_id"),
                              ("CaseView.show", "case_id")):
            before, after = id_url(endpoint, key)
            for value in (1, 42, 2**31 - 1):
                assert f"{before}{value}{after}" == url_for(endpoint, **{key: value})
