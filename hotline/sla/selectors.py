"""The calendar and policies in force, cached per process and dropped when they change."""

from datetime import datetime

from django.conf import settings

from hotline.core.cache import cached

from .models import CalendarDay, SlaPolicy
from .policy import DeadlineKind, PolicySpec, resolve_spans
from .worktime import Span, WorkCalendar


def work_calendar() -> WorkCalendar:
    def build() -> WorkCalendar:
        hours = [
            (datetime.strptime(s, "%H:%M").time(), datetime.strptime(e, "%H:%M").time())
            for s, e in settings.HOTLINE_OFFICE_HOURS
        ]
        overrides = dict(CalendarDay.objects.values_list("day", "workday"))
        return WorkCalendar(overrides, hours)

    return cached("sla.calendar", build)


def policy_specs() -> list[PolicySpec]:
    return cached("sla.policies", lambda: [p.spec() for p in SlaPolicy.objects.all()])


def spans_for(*, order_type: str, category: str, urgency: str) -> dict[DeadlineKind, Span]:
    def build() -> dict[DeadlineKind, Span]:
        chosen = resolve_spans(
            policy_specs(), order_type=order_type, category=category, urgency=urgency
        )
        return {kind: span for kind, (span, _policy) in chosen.items()}

    return cached(f"sla.spans:{order_type}:{category}:{urgency}", build)
