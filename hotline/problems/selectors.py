"""Reading problems: the register, the orders that match a problem, its before/after counts."""

from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from hotline.analytics.rates import CALL_IN_RATE
from hotline.core import clock
from hotline.orders.models import WorkOrder
from hotline.orders.selectors import units_in_view
from hotline.org.models import User

from .models import CallIn, Campaign, Problem
from .watch import CampaignProgress, WatchRule, weekly_counts
from .workflow import OPEN, WATCHED

CHART_WEEKS = 8  # weeks shown either side of the pivot


def visible_problems(user: User | None) -> QuerySet[Problem]:
    """The problems ``user`` may see: every problem for the centre (and the system); otherwise
    those the user leads (包案), and those whose lead unit, area or a called-in unit is the
    user's unit or one below it (``units_in_view``)."""
    found = Problem.objects.all()
    units = units_in_view(user)
    if units is None:
        return found
    ids = sorted(units)
    called = CallIn.objects.filter(unit_id__in=ids).values("problem_id")
    return found.filter(
        Q(leader=user) | Q(lead_unit_id__in=ids) | Q(area_id__in=ids) | Q(pk__in=called)
    )


def visible_problem(user: User | None, pk: int) -> Problem:
    """The problem ``pk`` if ``user`` may see it; raises Problem.DoesNotExist otherwise, so that
    a problem out of view and a missing one look alike."""
    return visible_problems(user).select_related("leader", "lead_unit", "batch", "area").get(pk=pk)


def problems(
    *,
    status: str | None = None,
    user: User | None = None,
    leader: int | None = None,
    batch: int | None = None,
    campaign: int | None = None,
    overdue: bool = False,
) -> QuerySet[Problem]:
    """The register (of what ``user`` may see; None: all), newest first, with what a list shows
    (leader, lead unit, linked orders). ``leader``, ``batch`` and ``campaign`` (their ids) narrow
    it; ``overdue`` keeps the open problems whose deadline has passed."""
    found = (
        visible_problems(user)
        .select_related("leader", "lead_unit", "batch")
        .annotate(linked=Count("links", filter=Q(links__unlinked_at__isnull=True)))
        .order_by("-proposed_at", "-id")  # a grouped query ignores the model's ordering
    )
    if status:
        found = found.filter(status=status)
    if leader is not None:
        found = found.filter(leader_id=leader)
    if batch is not None:
        found = found.filter(batch_id=batch)
    if campaign is not None:
        found = found.filter(campaigns__id=campaign)
    if overdue:
        found = found.filter(status__in=sorted(OPEN), deadline__lt=clock.now())
    return found


def _about(subject: Problem | Campaign) -> Q:
    """Orders in the subject's categories and its area (anywhere when it names none)."""
    about = Q(category__in=subject.categories.all())
    if (area := subject.area_id) is not None:
        about &= Q(district_id=area) | Q(street_id=area) | Q(community_id=area)
    return about


def matching_orders(problem: Problem) -> QuerySet[WorkOrder]:
    """Orders about the problem (its categories and area) and the orders linked to it."""
    linked = Q(problem_links__problem=problem, problem_links__unlinked_at__isnull=True)
    return WorkOrder.objects.filter(_about(problem) | linked).distinct()


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


def campaign_weeks(campaign: Campaign, today: date) -> tuple[list[int], list[int]]:
    """Orders of the campaign per week from its start through ``today`` (or its end), and in
    the same days a year before (52 weeks back, so that weekdays line up)."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(campaign.starts, time(), zone)
    cutoff = datetime.combine(min(today, campaign.ends) + timedelta(days=1), time(), zone)
    weeks = max(0, -(-(cutoff - start).days // 7))
    year = timedelta(weeks=52)
    orders = WorkOrder.objects.filter(_about(campaign))

    def weekly(since: datetime) -> list[int]:
        found = orders.filter(registered_at__gte=since, registered_at__lt=since + (cutoff - start))
        return weekly_counts(found.values_list("registered_at", flat=True), since, 0, weeks)[1]

    return weekly(start), weekly(start - year)


def campaign_progress(campaign: Campaign, today: date) -> CampaignProgress:
    this, before = campaign_weeks(campaign, today)
    return CampaignProgress(sum(this), sum(before), campaign.target_drop)


class CallInRow(TypedDict):
    unit: str
    called_in: int
    reported_in_on_time: int
    call_in_answer_rate: float | None


def call_in_counts(first: date, last: date) -> list[CallInRow]:
    """一呼即应 per unit called in between ``first`` and ``last`` (local days, inclusive): the
    calls it received, those it reported in on by their deadline, and the rate
    (``analytics.rates.CALL_IN_RATE``), most called first."""
    zone = timezone.get_default_timezone()
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    grouped = (
        CallIn.objects.filter(called_at__gte=since, called_at__lt=until)
        .values("unit__name")
        .annotate(
            called_in=Count("id"),
            reported_in_on_time=Count("id", filter=Q(reported_at__lte=F("report_deadline"))),
        )
        .order_by("-called_in", "unit__name")
    )
    return [
        CallInRow(
            unit=row["unit__name"],
            called_in=row["called_in"],
            reported_in_on_time=row["reported_in_on_time"],
            call_in_answer_rate=CALL_IN_RATE.of(
                {"called_in": row["called_in"], "reported_in_on_time": row["reported_in_on_time"]}
            ),
        )
        for row in grouped
    ]
