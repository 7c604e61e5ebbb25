"""Working-time arithmetic on the official Chinese calendar (pure: no database, no clock).

A day is a working day when the data entered by the centre says so, else when the official
calendar (holidays and 调休 make-up workdays, from ``chinese_calendar``) says so; for a year the
official calendar does not cover yet, plain Monday-Friday is assumed and a warning is logged once.
Working time runs only inside the office hours of working days.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_MAX_DAYS_AHEAD = 3660  # a deadline further than ten years away is a configuration error


class SpanUnit(StrEnum):
    """How a deadline's amount is counted."""

    WORKING_DAYS = (
        "wd"  # ends at the close of office hours on the Nth working day after the start day
    )
    WORKING_HOURS = "wh"  # counted inside office hours only
    CALENDAR_DAYS = "d"  # on the clock (urgent orders)
    CALENDAR_HOURS = "h"
    CALENDAR_MINUTES = "min"


@dataclass(frozen=True)
class Span:
    amount: int
    unit: SpanUnit

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError(f"a deadline must be positive, got {self.amount} {self.unit}")

    @property
    def on_working_time(self) -> bool:
        return self.unit in (SpanUnit.WORKING_DAYS, SpanUnit.WORKING_HOURS)

    def __str__(self) -> str:
        label = {"wd": "个工作日", "wh": "个工作小时", "d": "天", "h": "小时", "min": "分钟"}[
            self.unit
        ]
        return f"{self.amount}{label}"


_warned_years: set[int] = set()


def official_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "The official calendar does not cover %s yet: "
                "treating Monday-Friday as working days. "
                "Enter that year's holidays and make-up workdays as calendar days.",
                day.year,
            )
        return day.weekday() < 5


class WorkCalendar:
    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        office_hours: Sequence[tuple[time, time]] = (
            (time(9), time(12)),
            (time(13, 30), time(17, 30)),
        ),
        tz: ZoneInfo = SHANGHAI,
    ):
        if not office_hours or any(s >= e for s, e in office_hours):
            raise ValueError("office hours must be non-empty (start, end) pairs with start < end")
        if any(a[1] > b[0] for a, b in zip(office_hours, office_hours[1:], strict=False)):
            raise ValueError("office hours must be in order and must not overlap")
        self.overrides = dict(overrides or {})
        self.office_hours = tuple(office_hours)
        self.tz = tz
        self.is_workday = lru_cache(maxsize=8192)(self._is_workday)

    def _is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return official_workday(day)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, s, self.tz), datetime.combine(day, e, self.tz))
            for s, e in self.office_hours
        ]

    def close_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.office_hours[-1][1], self.tz)

    def nth_workday_after(self, day: date, n: int) -> date:
        for _ in range(_MAX_DAYS_AHEAD):
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
                if n == 0:
                    return day
        raise ValueError("no working day within ten years")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        return self.close_of_day(self.nth_workday_after(start.astimezone(self.tz).date(), days))

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        start = start.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        day = start.date()
        for _ in range(_MAX_DAYS_AHEAD):
            if self.is_workday(day):
                for open_, close in self._intervals(day):
                    begin = max(start, open_)
                    if begin >= close:
                        continue
                    if remaining <= close - begin:
                        return begin + remaining
                    remaining -= close - begin
            day += timedelta(days=1)
        raise ValueError("no working time within ten years")

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes in [start, end); 0 when end is not after start."""
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                for open_, close in self._intervals(day):
                    lo, hi = max(start, open_), min(end, close)
                    if hi > lo:
                        total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def deadline(self, start: datetime, span: Span) -> datetime:
        """When a deadline of ``span`` that starts at ``start`` falls due."""
        match span.unit:
            case SpanUnit.WORKING_DAYS:
                return self.add_working_days(start, span.amount)
            case SpanUnit.WORKING_HOURS:
                return self.add_working_minutes(start, span.amount * 60)
            case SpanUnit.CALENDAR_DAYS:
                return start + timedelta(days=span.amount)
            case SpanUnit.CALENDAR_HOURS:
                return start + timedelta(hours=span.amount)
            case SpanUnit.CALENDAR_MINUTES:
                return start + timedelta(minutes=span.amount)
        raise ValueError(f"unknown unit {span.unit!r}")

    def warning_point(
        self, start: datetime, due: datetime, on_working_time: bool, fraction: float = 0.8
    ) -> datetime:
        """The moment ``fraction`` of the time from ``start`` to ``due`` has passed (黄牌 at 80 %).

        Measured in working time for working-time deadlines, so a weekend in between does not
        turn an order yellow early.
        """
        if due <= start:
            return due
        if on_working_time:
            minutes = self.working_minutes_between(start, due)
            if minutes > 0:
                return min(self.add_working_minutes(start, minutes * fraction), due)
        return start + (due - start) * fraction
