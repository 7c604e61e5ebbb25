"""Reading problems: the register, the orders that match a problem, its before/after counts."""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext

from hotline.analytics.rates import CALL_IN_RATE
from hotline.catalog.models import Category
from hotline.core import clock
from hotline.orders.models import WorkOrder
from hotline.orders.selectors import units_in_view, visible_orders
from hotline.orders.workflow import Status as OrderStatus
from hotline.org.models import User

from .models import Batch, CallIn, Campaign, LinkedOrder, Problem, ProblemEvent
from .watch import CampaignProgress, WatchRule, weekly_counts
from .workflow import OPEN, WATCHED, Action

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


LAST_YEAR, WEEKS_BEFORE = "去年同期", "整治前同样周数"


def _baseline(start: datetime, length: timedelta) -> tuple[datetime, str]:
    """Where a campaign's comparison starts: the same days a year before (52 weeks back, so
    that weekdays line up), or, in an installation that took no order in those days or earlier
    (younger than a year), the same length just before the campaign."""
    year_before = start - timedelta(weeks=52)
    if WorkOrder.objects.filter(registered_at__lt=year_before + length).exists():
        return year_before, LAST_YEAR
    return start - length, WEEKS_BEFORE


def campaign_weeks(campaign: Campaign, today: date) -> tuple[list[int], list[int], str]:
    """Orders of the campaign per week from its start through ``today`` (or its end), the same
    in its baseline's weeks (``_baseline``), and the baseline's name."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(campaign.starts, time(), zone)
    cutoff = datetime.combine(min(today, campaign.ends) + timedelta(days=1), time(), zone)
    weeks = max(0, -(-(cutoff - start).days // 7))
    orders = WorkOrder.objects.filter(_about(campaign))

    def weekly(since: datetime) -> list[int]:
        found = orders.filter(registered_at__gte=since, registered_at__lt=since + (cutoff - start))
        return weekly_counts(found.values_list("registered_at", flat=True), since, 0, weeks)[1]

    base, name = _baseline(start, cutoff - start)
    return weekly(start), weekly(base), name


def campaign_progress(campaign: Campaign, today: date) -> CampaignProgress:
    this, before, baseline = campaign_weeks(campaign, today)
    return CampaignProgress(sum(this), sum(before), campaign.target_drop, baseline)


class CallInRow(TypedDict):
    unit: str
    called_in: int
    reported_in_on_time: int
    call_in_answer_rate: float | None


def _call_ins_grouped(first: date, last: date, *by: str) -> QuerySet:
    zone = timezone.get_default_timezone()
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    return (
        CallIn.objects.filter(called_at__gte=since, called_at__lt=until)
        .values(*by)
        .annotate(
            called_in=Count("id"),
            reported_in_on_time=Count("id", filter=Q(reported_at__lte=F("report_deadline"))),
        )
    )


def call_in_tallies(first: date, last: date) -> dict[int, dict[str, int]]:
    """Per unit id, the calls it received between ``first`` and ``last`` (local days, inclusive)
    and those it reported in on by their deadline: the counts of ``CALL_IN_RATE``."""
    return {
        row["unit_id"]: {k: row[k] for k in ("called_in", "reported_in_on_time")}
        for row in _call_ins_grouped(first, last, "unit_id").order_by()
    }


def call_in_counts(first: date, last: date) -> list[CallInRow]:
    """一呼即应 per unit called in between ``first`` and ``last`` (local days, inclusive): the
    calls it received, those it reported in on by their deadline, and the rate
    (``analytics.rates.CALL_IN_RATE``), most called first."""
    grouped = _call_ins_grouped(first, last, "unit__name").order_by("-called_in", "unit__name")
    return [
        CallInRow(
            unit=row["unit__name"],
            called_in=row["called_in"],
            reported_in_on_time=row["reported_in_on_time"],
            call_in_answer_rate=CALL_IN_RATE.of(row),
        )
        for row in grouped
    ]


def register(
    user: User,
    *,
    leader: User | None = None,
    batch: Batch | None = None,
    campaign: Campaign | None = None,
    status: str | None = None,
    overdue: bool = False,
) -> QuerySet[Problem]:
    """The register as the console filters it (``problems``, given the objects chosen)."""
    return problems(
        status=status,
        user=user,
        leader=leader.pk if leader else None,
        batch=batch.pk if batch else None,
        campaign=campaign.pk if campaign else None,
        overdue=overdue,
    )


def overdue(problem: Problem) -> bool:
    """Still open with its deadline passed."""
    return (
        problem.status in OPEN and problem.deadline is not None and problem.deadline < clock.now()
    )


def live_links(problem: Problem) -> QuerySet[LinkedOrder]:
    """The orders linked to the problem now, oldest link first."""
    return (
        problem.links.filter(unlinked_at__isnull=True)
        .select_related("order")
        .order_by("linked_at", "id")
    )


class Finding(TypedDict):
    """Something the analysis found that may be taken on as a problem (立为难题)."""

    kind: str
    label: str
    orders: int
    title: str
    area: int | None
    categories: list[int]
    source_ref: str
    numbers: list[str]  # the orders behind it, to be linked when it is proposed (at most 50)


def _most_common(values: Iterable[int | None]) -> int | None:
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def _of_category(kind: str, key: int, name: str, orders: int, title: str, ref: str) -> Finding:
    """A finding about a category anywhere in view (a rise, a 每月一题 candidate)."""
    return Finding(
        kind=kind, label=name, orders=orders, title=title, area=None, categories=[key],
        source_ref=ref, numbers=[],
    )  # fmt: skip


def findings(user: User, *, days: int = 30, top: int = 5) -> list[Finding]:
    """What the dashboard offers to take on as a problem, from the orders ``user`` may see: the
    addresses called about again and again (hot spots, with their orders), the categories whose
    last week rose suddenly, and the 每月一题 candidates of the last ``days``. The source notes
    are recorded, so they stay in Chinese."""
    # scipy comes with the findings: loaded when a dashboard is drawn, not when Django starts.
    from hotline.analytics import findings as analysis

    now = clock.now()
    seen = visible_orders(user).exclude(status=OrderStatus.CANCELLED)
    recent = seen.filter(registered_at__gte=now - timedelta(days=days))
    names = dict(Category.objects.values_list("pk", "name"))
    found: list[Finding] = []

    # Only the addresses written alike three times or more are read back, not the month's orders.
    repeated = (
        recent.exclude(address="")
        .values_list("address")
        .annotate(n=Count("pk"))
        .filter(n__gte=3)
        .values_list("address", flat=True)
    )
    spots = recent.filter(address__in=list(repeated[:1_000]))
    about: dict[Hashable, tuple[int | None, int | None]] = {
        number: (street, category)
        for number, street, category in spots.values_list("number", "street_id", "category_id")
    }
    places = spots.values_list("address", "number")
    for spot in analysis.hot_spots(places)[:top]:
        found.append(
            Finding(
                kind=gettext("重复地址"),
                label=spot.label,
                orders=spot.orders,
                title=gettext("%(place)s 反复诉求") % {"place": spot.label},
                area=_most_common(about[pk][0] for pk in spot.order_ids),
                categories=sorted({c for pk in spot.order_ids if (c := about[pk][1]) is not None}),
                source_ref=f"重复地址：{spot.label}（近 {days} 天 {spot.orders} 件）",
                numbers=[str(n) for n in spot.order_ids[:50]],
            )
        )

    weeks = 27  # the week under review (this one) and half a year before it
    monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    first = monday - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, time(), timezone.get_default_timezone())
    weekly: dict[int, list[int]] = defaultdict(lambda: [0] * weeks)
    counted = (
        seen.filter(registered_at__gte=start, category__isnull=False)
        .annotate(week=TruncWeek("registered_at"))
        .values_list("week", "category_id")
        .annotate(n=Count("pk"))
    )
    for week, category, n in counted:
        weekly[category][(timezone.localdate(week) - first).days // 7] += n
    for rise in analysis.sudden_rises(weekly)[:top]:
        name = names.get(rise.key, "")
        ref = f"突增诉求：{name}（近一周 {rise.current} 件，此前周均 {rise.expected:.1f}）"
        title = gettext("%(category)s 诉求突增") % {"category": name}
        found.append(_of_category(gettext("突增诉求"), rise.key, name, rise.current, title, ref))

    spread = recent.filter(category__isnull=False).values_list(
        "category_id", "unit_id", "street_id"
    )
    themes = analysis.monthly_theme_candidates(
        (c, u, s, n) for c, u, s, n in spread.annotate(n=Count("pk"))
    )
    for theme in themes[:top]:
        name = names.get(theme.key, "")
        ref = f"每月一题候选：{name}（近 {days} 天 {theme.orders} 件，{theme.units} 个单位）"
        title = gettext("%(category)s 多发问题治理") % {"category": name}
        kind = gettext("每月一题候选")
        found.append(_of_category(kind, theme.key, name, theme.orders, title, ref))
    return found


def proposal(finding: Finding) -> dict[str, object]:
    """What proposing a problem of ``finding`` starts from (the propose form's fields)."""
    return {
        "title": finding["title"],
        "area": finding["area"] or "",
        "categories": finding["categories"],
        "source_ref": finding["source_ref"],
        "orders": ",".join(finding["numbers"]),
    }


# What the monthly analysis counts of problems, by the action that marks it.
TALLIED = {
    "accepted": Action.ACCEPT,
    "resolved": Action.RESOLVE,
    "verified": Action.VERIFY,
    "recurred": Action.RECUR,
}


def period_tallies(first: date, last: date, by: str) -> dict[str, Counter[str]]:
    """Per leader (``by="leader"``: their username) or per batch (``"batch"``: its name; "—"
    for none), the problems taken on (立项), resolved, struck off and come back between
    ``first`` and ``last`` (local days, inclusive), and ``overdue``: those still open whose
    deadline passed before the period's end. Sorted by name."""
    key = {"leader": "leader__username", "batch": "batch__name"}[by]
    zone = timezone.get_default_timezone()
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    events = (
        ProblemEvent.objects.filter(at__gte=since, at__lt=until, action__in=TALLIED.values())
        .values(f"problem__{key}", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    named = {action: field for field, action in TALLIED.items()}
    for row in events:
        tallies[row[f"problem__{key}"] or "—"][named[row["action"]]] += row["n"]
    late = Problem.objects.filter(status__in=sorted(OPEN), deadline__lt=until)
    for name in late.values_list(key, flat=True):
        tallies[name or "—"]["overdue"] += 1
    return dict(sorted(tallies.items()))


def campaigns_during(first: date, last: date) -> QuerySet[Campaign]:
    """The campaigns running at some time between ``first`` and ``last``."""
    return Campaign.objects.filter(starts__lte=last, ends__gte=first).order_by("starts", "name")
