"""The calendar and policies in force, cached per process and dropped when they change."""

import time
from datetime import datetime

from django.conf import settings

from .models import CalendarDay, SlaPolicy
from .policy import DeadlineKind, PolicySpec, resolve_spans
from .worktime import Span, WorkCalendar

_TTL_SECONDS = 60
_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, build):
    hit = _cache.get(key)
    if hit is None or time.monotonic() - hit[0] > _TTL_SECONDS:
        hit = (time.monotonic(), build())
        _cache[key] = hit
    return hit[1]


def forget() -> None:
    _cache.clear()


def work_calendar() -> WorkCalendar:
    def build() -> WorkCalendar:
        hours = [(datetime.strptime(s, "%H:%M").time(), datetime.strptime(e, "%H:%M").time())
                 for s, e in settings.HOTLINE_OFFICE_HOURS]
        overrides = dict(CalendarDay.objects.values_list("day", "workday"))
        return WorkCalendar(overrides, hours)

    return _cached("calendar", build)


def policy_specs() -> list[PolicySpec]:
    return _cached("policies", lambda: [p.spec() for p in SlaPolicy.objects.all()])


def spans_for(*, order_type: str, category: str, urgency: str) -> dict[DeadlineKind, Span]:
    chosen = resolve_spans(policy_specs(), order_type=order_type, category=category, urgency=urgency)
    return {kind: span for kind, (span, _policy) in chosen.items()}
