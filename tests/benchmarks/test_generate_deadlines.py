"""The generator's deadline arithmetic (epoch seconds on a running count of working time) is
``WorkCalendar.deadline`` to the second, whatever moment a deadline starts at."""

from datetime import date, datetime, time, timedelta

import pytest

from hotline.benchmarks.generate import _Clock, _Deadlines, _WorkTime
from hotline.sla.worktime import SHANGHAI, Span, SpanUnit, WorkCalendar

FIRST = date(2026, 9, 20)  # National Day's holidays and the Sunday made a working day
DAYS = 30
# A Saturday made a working day, and a Wednesday made a holiday, by the centre's own calendar.
CALENDAR = WorkCalendar({date(2026, 10, 17): True, date(2026, 10, 14): False})
SPANS = [
    Span(amount, unit)
    for unit, amounts in (
        (SpanUnit.WORKING_HOURS, (1, 2, 4, 7, 8, 9, 24, 40)),
        (SpanUnit.WORKING_DAYS, (1, 3, 5, 15)),
        (SpanUnit.CALENDAR_HOURS, (2, 24)),
        (SpanUnit.CALENDAR_MINUTES, (30,)),
        (SpanUnit.CALENDAR_DAYS, (1,)),
    )
    for amount in amounts
]


def _starts() -> list[datetime]:
    """Every 7 minutes, and each second either side of every opening and closing."""
    edges = [t for pair in CALENDAR.office_hours for t in pair]
    out = []
    for i in range(DAYS - 10):
        day = FIRST + timedelta(i)
        midnight = datetime.combine(day, time(), SHANGHAI)
        out += [midnight + timedelta(minutes=m) for m in range(0, 1440, 7)]
        for edge in edges:
            at = datetime.combine(day, edge, SHANGHAI)
            out += [at + timedelta(seconds=s) for s in (-1, 0, 1)]
    return out


@pytest.fixture(scope="module")
def deadline() -> _Deadlines:
    clock = _Clock(SHANGHAI, FIRST, FIRST + timedelta(DAYS + 60), "")
    return _Deadlines(CALENDAR, clock, _WorkTime(CALENDAR, clock, FIRST, DAYS + 60))


@pytest.mark.parametrize("span", SPANS, ids=lambda s: f"{s.amount}{s.unit}")
def test_deadlines_are_the_work_calendars_to_the_second(deadline, span):
    wrong = [
        (start, due, expected)
        for start in _starts()
        if (due := deadline(int(start.timestamp()), span))
        != (expected := int(CALENDAR.deadline(start, span).timestamp()))
    ]
    assert not wrong, wrong[:5]
