"""Durations, working days and UTC conversions (workflows/durations.py): no app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from workflows import durations
from workflows.durations import (
    WIT,
    WorkCalendar,
    add_duration,
    aware_utc,
    naive_utc,
    office_days_utc,
    office_midnight,
    parse_dates,
    parse_duration,
    resume_due,
    subtract_duration,
)

CAL = WorkCalendar()  # national days only, office clock WIT


def wit(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIT)


def test_working_days_skip_the_weekend():
    friday = wit(2026, 11, 20, 10, 30)
    assert friday.weekday() == 4
    assert add_duration(friday, "1 hari kerja", CAL) == wit(2026, 11, 23, 10, 30)  # Monday, same clock time
    assert add_duration(friday, "3 hari kerja", CAL) == wit(2026, 11, 25, 10, 30)


def test_a_start_on_a_weekend_counts_from_the_next_working_day():
    saturday = wit(2026, 11, 21, 10, 0)
    assert add_duration(saturday, "1 hari kerja", CAL) == add_duration(wit(2026, 11, 23, 10, 0), "1 hari kerja", CAL)
    assert add_duration(saturday, "1 hari kerja", CAL) == wit(2026, 11, 24, 10, 0)


def test_working_days_skip_a_national_holiday():
    public = holidays.Indonesia(years=2026)
    independence = date(2026, 8, 17)
    assert independence in public and independence.weekday() == 0  # the library's own data: a Monday
    friday = wit(2026, 8, 14, 9, 0)
    assert not CAL.is_working_day(independence)
    assert add_duration(friday, "1 hari kerja", CAL) == wit(2026, 8, 18, 9, 0)  # Sat, Sun, 17 Aug skipped


def test_working_days_skip_cuti_bersama():
    public = holidays.Indonesia(years=2026)
    cuti_bersama = holidays.Indonesia(years=2026, categories=("government",))
    # 24 December 2026 (Thursday) is cuti bersama, not a public holiday; 25 December is Christmas.
    christmas_eve = date(2026, 12, 24)
    assert christmas_eve in cuti_bersama and christmas_eve not in public and christmas_eve.weekday() == 3
    assert date(2026, 12, 25) in public
    assert not CAL.is_working_day(christmas_eve)
    assert add_duration(wit(2026, 12, 23, 14, 0), "1 hari kerja", CAL) == wit(2026, 12, 28, 14, 0)


def test_every_2026_and_2027_day_off_of_the_library_is_skipped():
    for year in (2026, 2027):
        days = holidays.Indonesia(years=year, categories=("public", "government"))
        assert len(holidays.Indonesia(years=year, categories=("government",))) > 0
        assert all(not CAL.is_working_day(day) for day in days)


def test_working_days_skip_an_office_holiday_from_settings():
    calendar = WorkCalendar(office_holidays=parse_dates("2026-11-24, 2026-11-25"))
    monday = wit(2026, 11, 23, 8, 0)
    assert add_duration(monday, "1 hari kerja", CAL) == wit(2026, 11, 24, 8, 0)
    assert add_duration(monday, "1 hari kerja", calendar) == wit(2026, 11, 26, 8, 0)


def test_the_default_calendar_reads_the_settings(monkeypatch):
    monkeypatch.setattr(durations.SETTINGS, "office_holidays", frozenset({date(2026, 11, 24)}))
    assert add_duration(wit(2026, 11, 23, 8, 0), "1 hari kerja") == wit(2026, 11, 25, 8, 0)


def test_office_holidays_setting_refuses_a_bad_date():
    assert parse_dates("") == frozenset()
    assert parse_dates(" 2026-10-12 ,") == {date(2026, 10, 12)}
    with pytest.raises(ValueError, match="Tanggal libur kantor tidak dikenal.*Unknown office holiday"):
        parse_dates("2026-10-12, 12/10/2026")


def test_naive_utc_in_stays_naive_utc_and_counts_on_the_office_clock():
    # Friday 20 Nov 2026 16:00 UTC is already Saturday 01:00 in WIT: the count starts on Monday.
    friday_evening_utc = datetime(2026, 11, 20, 16, 0)
    due = add_duration(friday_evening_utc, "1 hari kerja", CAL)
    assert due.tzinfo is None
    assert due == datetime(2026, 11, 23, 16, 0)  # Tuesday 01:00 WIT


def test_working_days_wording():
    assert parse_duration("  3 Hari Kerja ").working_days == 3
    assert parse_duration("3 WORKING DAYS").working_days == 3
    assert parse_duration("1 working day").working_days == 1
    assert not parse_duration("P3D").in_working_days


def test_subtracting_working_days():
    tuesday = wit(2026, 8, 18, 9, 0)
    assert subtract_duration(tuesday, "1 hari kerja", CAL) == wit(2026, 8, 14, 9, 0)


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P3D", datetime(2026, 3, 4, 12, 0)),
        ("PT72H", datetime(2026, 3, 4, 12, 0)),
        ("PT5S", datetime(2026, 3, 1, 12, 0, 5)),
        ("P1Y2M", datetime(2027, 5, 1, 12, 0)),
        ("P3M", datetime(2026, 6, 1, 12, 0)),
    ],
)
def test_iso_durations(duration, expected):
    assert add_duration(datetime(2026, 3, 1, 12, 0), duration) == expected


def test_a_month_from_31_january_is_counted_as_the_engine_counts_its_timers():
    start = datetime(2026, 1, 31)
    # Spiff adds the length of the start's month (31 days): a dueIn and a timer of P1M end together.
    spiff = start + TimerEventDefinition.get_timedelta_from_start({"months": 1}, start)
    assert add_duration(start, "P1M") == spiff == datetime(2026, 3, 3)
    # Backwards Spiff takes the month before (February 2026, 28 days), as time_before always did.
    assert subtract_duration(datetime(2026, 3, 31), "P1M") == datetime(2026, 3, 3)


def test_a_parsed_duration_can_be_used_twice():
    parsed = parse_duration("P1M")
    assert add_duration(datetime(2026, 1, 1), parsed) == add_duration(datetime(2026, 1, 1), parsed)


@pytest.mark.parametrize("text", ["abc", "", "P", "PT", "3 hari", "P3X", "tiga hari kerja", None])
def test_unknown_durations_are_refused_in_both_languages(text):
    with pytest.raises(ValueError) as refused:
        parse_duration(text)
    message = str(refused.value)
    assert f"Durasi tidak dikenal: {text!r}" in message
    assert "hari kerja" in message and "Unknown duration" in message


def test_naive_utc():
    assert naive_utc(datetime(2026, 11, 20, 9, 0, tzinfo=WIT)) == datetime(2026, 11, 20, 0, 0)
    assert naive_utc(datetime(2026, 11, 20, 9, 0)) == datetime(2026, 11, 20, 9, 0)
    assert naive_utc("2026-11-20T09:00:00+09:00") == datetime(2026, 11, 20, 0, 0)
    assert naive_utc("2026-11-20T09:00:00Z") == datetime(2026, 11, 20, 9, 0)
    assert naive_utc("2026-11-20T09:00:00") == datetime(2026, 11, 20, 9, 0)
    assert naive_utc("2026-11-20T09:00:00+09:00").tzinfo is None


def test_aware_utc():
    assert aware_utc("2026-11-20T09:00:00") == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    moment = aware_utc(datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=7))))
    assert moment == datetime(2026, 11, 20, 2, 0, tzinfo=UTC) and moment.utcoffset() == timedelta(0)


def test_working_time_between_counts_only_working_days():
    paused = wit(2026, 11, 20, 15, 0)  # Friday
    resumed = wit(2026, 11, 23, 9, 0)  # Monday
    assert CAL.working_time_between(paused, resumed) == timedelta(hours=18)
    assert CAL.working_time_between(resumed, paused) == timedelta(0)


def test_resume_due_after_a_pause_over_a_weekend():
    due = wit(2026, 11, 25, 12, 0)  # Wednesday
    paused = wit(2026, 11, 20, 15, 0)  # Friday
    resumed = wit(2026, 11, 23, 9, 0)  # Monday
    # Working-day SLA: 9 h of Friday + 9 h of Monday were paused; the weekend costs nothing.
    assert resume_due(due, paused, resumed, CAL) == wit(2026, 11, 26, 6, 0)
    # Clock SLA (PT72H): the whole 66 h pause is added.
    assert resume_due(due, paused, resumed, None) == due + timedelta(hours=66)


def test_resume_due_skips_days_off_after_the_old_due_time():
    due = wit(2026, 11, 20, 12, 0)  # Friday noon
    paused, resumed = wit(2026, 11, 19, 6, 0), wit(2026, 11, 20, 0, 0)  # 18 h of Thursday
    assert resume_due(due, paused, resumed, CAL) == wit(2026, 11, 23, 6, 0)  # Friday's last 12 h, then 6 h of Monday


def test_resume_due_with_nothing_paused_and_naive_times():
    due = datetime(2026, 11, 25, 3, 0)
    saturday, sunday = datetime(2026, 11, 21, 3, 0), datetime(2026, 11, 22, 3, 0)
    assert resume_due(due, saturday, sunday, CAL) == due  # paused only on the weekend
    assert resume_due(due, sunday, saturday, CAL) == due  # resumed before it paused
    moved = resume_due(due, datetime(2026, 11, 20, 6, 0), datetime(2026, 11, 23, 0, 0), CAL)
    assert moved.tzinfo is None and moved == datetime(2026, 11, 25, 21, 0)


def test_time_after_and_time_before_accept_working_days():
    from workflows.timeplan import time_after, time_before

    friday = "2026-08-14T11:00:00+09:00"
    assert time_after("1 hari kerja", friday) == "2026-08-18T02:00:00+00:00"
    assert time_after("P3D", friday) == "2026-08-17T02:00:00+00:00"
    assert time_before("2026-08-18T11:00:00+09:00", "1 working day") == "2026-08-14T02:00:00+00:00"


def test_office_date_is_today_on_the_office_calendar(monkeypatch):
    from workflows import timeplan

    # 23:30 UTC on 31 December is already 1 January in the office (UTC+9): a yearly quota's year turns there.
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 31, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr("workflows.issued_letters.datetime", Clock)
    assert timeplan.office_date() == "2027-01-01"


def test_office_days_as_utc_bounds():
    # Office days in Jayapura (UTC+9): 24 November starts at 23 November 15:00 UTC; the end is the next midnight.
    assert office_days_utc(date(2026, 11, 24), date(2026, 11, 25), WIT) == (datetime(2026, 11, 23, 15),
                                                                            datetime(2026, 11, 25, 15))
    assert office_days_utc(None, date(2026, 11, 24), WIT) == (None, datetime(2026, 11, 24, 15))
    assert office_days_utc(date(2026, 11, 24), None, UTC) == (datetime(2026, 11, 24), None)
    # Without a zone: the office's (WIT unless the application set another).
    assert office_midnight(date(2026, 1, 1)) == datetime(2025, 12, 31, 15)
    assert office_midnight(date(2026, 1, 1), timezone(timedelta(hours=7))) == datetime(2025, 12, 31, 17)


def test_a_duration_text_is_parsed_once_and_bad_ones_refused_as_before(monkeypatch) -> None:
    """A line's SLA and a task's dueIn repeat for every case: add_duration parses each text once per process, to
    the same Duration; a text it cannot parse, and a value that is no text (a list too), are still refused."""
    from workflows import durations

    durations._parsed_text.cache_clear()
    parsed: list[str] = []
    real = durations.parse_duration
    monkeypatch.setattr(durations, "parse_duration", lambda text: parsed.append(text) or real(text))
    start = datetime(2026, 11, 24, 10, 0)
    assert durations.add_duration(start, "P3DT4H") == durations.add_duration(start, "P3DT4H") \
        == start + timedelta(days=3, hours=4)
    assert parsed == ["P3DT4H"]
    for bad in ("tiga hari", "P", 5, ["P1D"]):
        with pytest.raises(ValueError):
            durations.add_duration(start, bad)
