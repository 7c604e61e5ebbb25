"""Reading problems: the register, the orders that match a problem, its before/after counts."""

from datetime import datetime, timedelta
from typing import TypedDict

from django.db.models import Count, Q, QuerySet

from hotline.core import clock
from hotline.orders.models import WorkOrder

from .models import Problem
from .watch import WatchRule, weekly_counts
from .workflow import WATCHED

CHART_WEEKS = 8  # weeks shown either side of the pivot


def problems(*, status: str | None = None) -> QuerySet[Problem]:
    """The register, newest first, with what a list shows (leader, lead unit, linked orders)."""
    found = (
        Problem.objects.select_related("leader", "lead_unit", "batch")
        .annotate(linked=Count("links", filter=Q(links__unlinked_at__isnull=True)))
        .order_by("-proposed_at", "-id")  # a grouped query ignores the model's ordering
    )
    return found.filter(status=status) if status else found


def matching_orders(problem: Problem) -> QuerySet[WorkOrder]:
    """Orders about the problem: in its categories and its area (anywhere when it names none),
    and the orders linked to it."""
    about = Q(category__in=problem.categories.all())
    if problem.area_id is not None:
        area = problem.area_id
        about &= Q(district_id=area) | Q(street_id=area) | Q(community_id=area)
    linked = Q(problem_links__problem=problem, problem_links__unlinked_at__isnull=True)
    return WorkOrder.objects.filter(about | linked).distinct()


def registered_since(problem: Problem, since: datetime) -> list[datetime]:
    """When the matching orders registered from ``since`` on came in."""
    found = matching_orders(problem).filter(registered_at__gte=since)
    return list(found.values_list("registered_at", flat=True))


def pivot(problem: Problem) -> datetime:
    """Where the chart turns from before to after: the resolution, or now while it is worked."""
    return problem.resolved_at or clock.now()


def before_and_after(problem: Problem, weeks: int = CHART_WEEKS) -> tuple[list[int], list[int]]:
    """Matching orders per week for ``weeks`` before the pivot and ``weeks`` from it on."""
    turn = pivot(problem)
    moments = registered_since(problem, turn - timedelta(weeks=weeks))
    return weekly_counts(moments, turn, weeks, weeks)


def watch_rule(problem: Problem) -> WatchRule:
    return WatchRule(problem.watch_weeks, problem.watch_threshold)


def watched() -> QuerySet[Problem]:
    """Problems under watch or struck off: a matching order makes them come back."""
    return Problem.objects.filter(status__in=sorted(WATCHED))


class Row(TypedDict):
    id: int
    title: str
    status: str
    leader: str | None
    lead_unit: str | None
    batch: str | None
    source: str
    orders: int
    before: list[int]
    after: list[int]


def register_rows(*, status: str | None = None) -> list[Row]:
    """The register as ``hotline problems list --json`` prints it."""
    rows: list[Row] = []
    for p in problems(status=status):
        before, after = before_and_after(p)
        rows.append(
            Row(
                id=p.pk,
                title=p.title,
                status=p.status,
                leader=p.leader.username if p.leader else None,
                lead_unit=p.lead_unit.name if p.lead_unit else None,
                batch=p.batch.name if p.batch else None,
                source=p.source,
                orders=getattr(p, "linked", 0),
                before=before,
                after=after,
            )
        )
    return rows
