"""Working-time arithmetic on the official calendar, office hours 09:00-12:00 and 13:30-17:30.

The 2026 dates were checked against chinese_calendar 1.11:
Spring Festival rest 2026-02-15..02-23, make-up workdays Sat 02-14 and Sat 02-28;
National Day rest 10-01..10-07, make-up workdays Sun 09-20 and Sat 10-10
(and the Mid-Autumn rest Fri 09-25..Sun 09-27).
"""

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.sla import worktime
from hotline.sla.worktime import SHANGHAI, Span, SpanUnit, WorkCalendar

CAL = WorkCalendar()


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def close(y, m, d) -> datetime:
    return at(y, m, d, 17, 30)


# -- the calendar itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day", [date(2026, 2, d) for d in range(15, 24)] + [date(2026, 10, d) for d in range(1, 8)]
)
def test_official_holidays_are_not_working_days(day) -> None:
    assert not CAL.is_workday(day)


@pytest.mark.parametrize(
    "day", [date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]
)
def test_weekend_make_up_days_are_working_days(day) -> None:
    assert day.weekday() >= 5
    assert CAL.is_workday(day)


def test_an_ordinary_weekend_is_not_a_working_day_and_an_ordinary_weekday_is() -> None:
    assert not CAL.is_workday(date(2026, 3, 7))  # Saturday
    assert not CAL.is_workday(date(2026, 3, 8))  # Sunday
    assert CAL.is_workday(date(2026, 3, 9))  # Monday


# -- N working days -----------------------------------------------------------------------------


def test_one_working_day_ends_at_the_close_of_office_hours_on_the_next_working_day() -> None:
    assert CAL.add_working_days(at(2026, 3, 3, 10), 1) == close(2026, 3, 4)


def test_the_hour_of_the_start_does_not_matter_for_a_working_day_deadline() -> None:
    early, late = (
        CAL.add_working_days(at(2026, 3, 3, 0, 5), 2),
        CAL.add_working_days(at(2026, 3, 3, 23, 50), 2),
    )
    assert early == late == close(2026, 3, 5)


def test_one_working_day_from_a_friday_ends_on_monday() -> None:
    assert CAL.add_working_days(at(2026, 3, 6, 16), 1) == close(2026, 3, 9)


def test_a_start_on_a_weekend_counts_from_the_next_working_day() -> None:
    assert CAL.add_working_days(at(2026, 3, 7, 10), 1) == close(2026, 3, 9)


def test_five_working_days_skip_the_spring_festival_and_count_the_make_up_saturday() -> None:
    # Thu 02-12 → Fri 13 (1), Sat 14 make-up (2), rest 15..23, Tue 24 (3), Wed 25 (4), Thu 26 (5).
    assert CAL.add_working_days(at(2026, 2, 12, 10), 5) == close(2026, 2, 26)


def test_a_start_on_the_make_up_saturday_counts_from_after_the_festival() -> None:
    assert CAL.add_working_days(at(2026, 2, 14, 10), 1) == close(2026, 2, 24)


def test_the_make_up_saturday_after_the_spring_festival_is_counted() -> None:
    # Thu 02-26 → Fri 27 (1), Sat 28 make-up (2), Mon 03-02 (3).
    assert CAL.add_working_days(at(2026, 2, 26, 10), 2) == close(2026, 2, 28)
    assert CAL.add_working_days(at(2026, 2, 26, 10), 3) == close(2026, 3, 2)


def test_five_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    # Wed 09-30 → rest 10-01..07, Thu 08 (1), Fri 09 (2), Sat 10 make-up (3), Mon 12 (4),
    # Tue 13 (5).
    assert CAL.add_working_days(at(2026, 9, 30, 15), 5) == close(2026, 10, 13)


def test_the_make_up_sunday_before_national_day_is_the_next_working_day_after_a_saturday() -> None:
    assert CAL.add_working_days(at(2026, 9, 19, 11), 1) == close(2026, 9, 20)


def test_working_days_are_counted_on_the_shanghai_date_of_the_start() -> None:
    # 2026-02-13 20:00 UTC is already Saturday 02-14 04:00 in Shanghai (a make-up workday).
    start = datetime(2026, 2, 13, 20, 0, tzinfo=UTC)
    assert CAL.add_working_days(start, 1) == close(2026, 2, 24)


def test_working_days_end_at_the_close_of_custom_office_hours() -> None:
    cal = WorkCalendar(office_hours=[(time(8, 30), time(17))])
    assert cal.add_working_days(at(2026, 3, 3, 10), 1) == at(2026, 3, 4, 17)


# -- working hours --------------------------------------------------------------------------------


def test_working_hours_inside_the_morning_run_on_the_clock() -> None:
    assert CAL.deadline(at(2026, 3, 3, 10), Span(2, SpanUnit.WORKING_HOURS)) == at(2026, 3, 3, 12)


def test_working_hours_skip_the_lunch_break() -> None:
    assert CAL.deadline(at(2026, 3, 3, 11), Span(2, SpanUnit.WORKING_HOURS)) == at(
        2026, 3, 3, 14, 30
    )


def test_working_hours_started_in_the_lunch_break_start_counting_at_half_past_one() -> None:
    assert CAL.deadline(at(2026, 3, 3, 12, 30), Span(1, SpanUnit.WORKING_HOURS)) == at(
        2026, 3, 3, 14, 30
    )


def test_working_hours_carry_over_the_evening_into_the_next_morning() -> None:
    assert CAL.deadline(at(2026, 3, 3, 16, 30), Span(2, SpanUnit.WORKING_HOURS)) == at(
        2026, 3, 4, 10
    )


def test_working_hours_started_in_the_evening_start_the_next_morning() -> None:
    assert CAL.deadline(at(2026, 3, 3, 19), Span(2, SpanUnit.WORKING_HOURS)) == at(2026, 3, 4, 11)


def test_working_hours_carry_over_the_weekend() -> None:
    assert CAL.deadline(at(2026, 3, 6, 16, 30), Span(2, SpanUnit.WORKING_HOURS)) == at(
        2026, 3, 9, 10
    )


def test_working_hours_carry_over_national_day() -> None:
    assert CAL.deadline(at(2026, 9, 30, 17), Span(2, SpanUnit.WORKING_HOURS)) == at(
        2026, 10, 8, 10, 30
    )


def test_working_hours_run_on_a_make_up_sunday() -> None:
    assert CAL.deadline(at(2026, 9, 20, 10), Span(1, SpanUnit.WORKING_HOURS)) == at(2026, 9, 20, 11)


def test_working_hours_ending_exactly_at_noon_end_at_noon() -> None:
    assert CAL.add_working_minutes(at(2026, 3, 3, 11), 60) == at(2026, 3, 3, 12)


# -- calendar spans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "due"),
    [
        (Span(30, SpanUnit.CALENDAR_MINUTES), at(2026, 3, 6, 17, 20)),
        (Span(2, SpanUnit.CALENDAR_HOURS), at(2026, 3, 6, 18, 50)),
        (Span(1, SpanUnit.CALENDAR_DAYS), at(2026, 3, 7, 16, 50)),
    ],
)
def test_calendar_spans_run_on_the_clock_past_office_hours_and_into_the_weekend(span, due) -> None:
    assert CAL.deadline(at(2026, 3, 6, 16, 50), span) == due


def test_calendar_spans_run_through_a_public_holiday_at_night() -> None:
    assert CAL.deadline(at(2026, 10, 1, 23, 55), Span(10, SpanUnit.CALENDAR_MINUTES)) == at(
        2026, 10, 2, 0, 5
    )
    assert CAL.deadline(at(2026, 10, 1, 10), Span(1, SpanUnit.CALENDAR_DAYS)) == at(2026, 10, 2, 10)


# -- overrides entered by the centre ---------------------------------------------------------------


def test_a_local_rest_day_entered_as_data_is_skipped() -> None:
    cal = WorkCalendar({date(2026, 3, 4): False})
    assert not cal.is_workday(date(2026, 3, 4))
    assert cal.add_working_days(at(2026, 3, 3, 10), 1) == close(2026, 3, 5)


def test_an_extra_workday_entered_as_data_is_counted() -> None:
    cal = WorkCalendar({date(2026, 3, 7): True})
    assert cal.add_working_days(at(2026, 3, 6, 10), 1) == close(2026, 3, 7)
    assert cal.deadline(at(2026, 3, 6, 17), Span(1, SpanUnit.WORKING_HOURS)) == at(
        2026, 3, 7, 9, 30
    )


def test_an_override_beats_the_official_holiday_and_the_official_make_up_day() -> None:
    cal = WorkCalendar({date(2026, 10, 5): True, date(2026, 2, 14): False})
    assert cal.is_workday(date(2026, 10, 5))
    assert not cal.is_workday(date(2026, 2, 14))
    assert cal.add_working_days(at(2026, 2, 13, 10), 1) == close(2026, 2, 24)


def test_overrides_of_one_calendar_do_not_leak_into_another() -> None:
    WorkCalendar({date(2026, 3, 4): False}).is_workday(date(2026, 3, 4))
    assert WorkCalendar().is_workday(date(2026, 3, 4))


# -- years the official calendar does not cover ----------------------------------------------------


def test_a_year_the_official_calendar_does_not_cover_falls_back_to_monday_to_friday(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worktime, "_warned_years", set())
    cal = WorkCalendar()
    week = [date(2031, 3, 3) + timedelta(days=i) for i in range(7)]  # Monday 2031-03-03 .. Sunday
    assert [cal.is_workday(d) for d in week] == [True] * 5 + [False] * 2
    assert cal.add_working_days(at(2031, 3, 7, 10), 1) == close(2031, 3, 10)


def test_an_uncovered_year_is_warned_about_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(worktime, "_warned_years", set())
    caplog.set_level(logging.WARNING, logger="hotline.sla.worktime")
    for cal in (WorkCalendar(), WorkCalendar()):
        cal.add_working_days(at(2031, 5, 1, 10), 20)
        cal.working_minutes_between(at(2031, 1, 1), at(2031, 2, 1))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2031" in warnings[0].getMessage()


# -- working minutes between two moments -----------------------------------------------------------


def test_a_full_working_day_has_seven_working_hours() -> None:
    assert CAL.working_minutes_between(at(2026, 3, 3), at(2026, 3, 4)) == 420


def test_working_minutes_between_leave_out_the_lunch_break() -> None:
    assert CAL.working_minutes_between(at(2026, 3, 3, 11), at(2026, 3, 3, 14)) == 90


def test_working_minutes_between_leave_out_the_weekend() -> None:
    assert CAL.working_minutes_between(at(2026, 3, 6, 17), at(2026, 3, 9, 9, 30)) == 60


def test_working_minutes_between_count_the_make_up_saturday_and_leave_out_the_festival() -> None:
    # Fri 02-13 17:00-17:30, all of Sat 02-14, Tue 02-24 09:00-10:00.
    assert CAL.working_minutes_between(at(2026, 2, 13, 17), at(2026, 2, 24, 10)) == 30 + 420 + 60


def test_working_minutes_between_an_end_before_the_start_are_zero() -> None:
    assert CAL.working_minutes_between(at(2026, 3, 3, 15), at(2026, 3, 3, 10)) == 0


def test_working_minutes_between_do_not_depend_on_the_timezone_of_the_arguments() -> None:
    start, end = (
        at(2026, 3, 3, 11),
        at(2026, 3, 4, 10),
    )  # 11-12, 13:30-17:30, then 9-10 the next day
    assert CAL.working_minutes_between(start, end) == 60 + 240 + 60
    assert CAL.working_minutes_between(start.astimezone(UTC), end.astimezone(UTC)) == 60 + 240 + 60


# -- the 80 % warning point ------------------------------------------------------------------------


def test_the_warning_point_of_working_hours_is_not_brought_forward_by_a_weekend() -> None:
    start = at(2026, 3, 6, 16, 30)  # Friday; 2 working hours → Monday 10:00
    due = CAL.deadline(start, Span(2, SpanUnit.WORKING_HOURS))
    # 96 of 120 working minutes: 60 on Friday, 36 on Monday.
    assert CAL.warning_point(start, due, on_working_time=True) == at(2026, 3, 9, 9, 36)


def test_the_warning_point_of_working_days_falls_at_80_percent_of_the_working_minutes() -> None:
    start = at(2026, 3, 4, 10)  # Wednesday; 5 working days → Wednesday 03-11 17:30
    due = CAL.deadline(start, Span(5, SpanUnit.WORKING_DAYS))
    assert due == close(2026, 3, 11)
    # (360 + 5 × 420) × 0.8 = 1968 minutes: Wed 360, Thu 420, Fri 420, Mon 420, Tue 348 → 16:18.
    assert CAL.warning_point(start, due, on_working_time=True) == at(2026, 3, 10, 16, 18)


def test_the_warning_point_of_a_calendar_span_runs_on_the_clock() -> None:
    start = at(2026, 3, 6, 17)  # Friday; 1 day → Saturday 17:00
    due = CAL.deadline(start, Span(1, SpanUnit.CALENDAR_DAYS))
    assert CAL.warning_point(start, due, on_working_time=False) == at(2026, 3, 7, 12, 12)


def test_the_warning_point_of_a_deadline_already_due_is_the_deadline() -> None:
    due = at(2026, 3, 3, 10)
    assert CAL.warning_point(at(2026, 3, 3, 11), due, on_working_time=True) == due


def test_the_warning_point_follows_the_fraction_asked_for() -> None:
    start, due = at(2026, 3, 3, 9), at(2026, 3, 3, 11)
    assert CAL.warning_point(start, due, on_working_time=True, fraction=0.5) == at(2026, 3, 3, 10)


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, -30])
def test_a_span_refuses_an_amount_that_is_not_positive(amount) -> None:
    with pytest.raises(ValueError, match="positive"):
        Span(amount, SpanUnit.WORKING_DAYS)


def test_only_working_day_and_working_hour_spans_run_on_working_time() -> None:
    assert {u for u in SpanUnit if Span(1, u).on_working_time} == {
        SpanUnit.WORKING_DAYS,
        SpanUnit.WORKING_HOURS,
    }


def test_a_span_reads_in_chinese() -> None:
    assert str(Span(5, SpanUnit.WORKING_DAYS)) == "5个工作日"
    assert str(Span(30, SpanUnit.CALENDAR_MINUTES)) == "30分钟"


@pytest.mark.parametrize(
    "hours",
    [
        [],
        [(time(9), time(9))],
        [(time(12), time(9))],
        [(time(13, 30), time(17, 30)), (time(9), time(12))],
        [(time(9), time(13)), (time(12), time(17))],
    ],
    ids=["none", "empty-interval", "reversed", "out-of-order", "overlapping"],
)
def test_invalid_office_hours_are_refused(hours) -> None:
    with pytest.raises(ValueError, match="office hours"):
        WorkCalendar(office_hours=hours)


# -- properties ------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 31, 23, 59),
    timezones=st.just(SHANGHAI),
)
spans = st.builds(Span, st.integers(min_value=1, max_value=40), st.sampled_from(list(SpanUnit)))
props = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@props
@given(start=moments, span=spans)
def test_a_deadline_is_never_before_its_start(start, span) -> None:
    assert CAL.deadline(start, span) > start


@props
@given(
    start=moments,
    n=st.integers(min_value=1, max_value=30),
    more=st.integers(min_value=1, max_value=10),
)
def test_more_working_days_end_later(start, n, more) -> None:
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + more)


@props
@given(
    start=moments,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    n=st.integers(min_value=1, max_value=30),
)
def test_a_later_start_never_ends_earlier(start, later, n) -> None:
    assert CAL.add_working_days(start, n) <= CAL.add_working_days(start + later, n)


@props
@given(start=moments, minutes=st.integers(min_value=1, max_value=5 * 420))
def test_working_minutes_between_undo_adding_working_minutes(start, minutes) -> None:
    end = CAL.add_working_minutes(start, minutes)
    assert abs(CAL.working_minutes_between(start, end) - minutes) < 1 / 60


@props
@given(start=moments, span=spans)
def test_the_warning_point_lies_between_the_start_and_the_deadline(start, span) -> None:
    due = CAL.deadline(start, span)
    assert start <= CAL.warning_point(start, due, span.on_working_time) <= due
