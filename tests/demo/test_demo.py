"""The demo city and its history: built once through the real services, with real patterns."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Count

from hotline.catalog.models import Category, Routing
from hotline.demo.city import build_city
from hotline.demo.history import History
from hotline.demo.problems import Problems
from hotline.orders.models import Event, WorkOrder
from hotline.orders.projection import project
from hotline.orders.workflow import Action, Status
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.problems.models import Problem, Source
from hotline.problems.selectors import before_and_after, registered_since
from hotline.problems.workflow import Status as ProblemStatus
from hotline.sla.worktime import SHANGHAI

END = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small year of history (1,500 orders), built once for the module and rolled back after
    it."""
    with django_db_blocker.unblock(), transaction.atomic():
        city = build_city()
        refused = History(city, orders=1500, end=END, days=365, seed=7).run()
        refused += Problems(city, end=END, days=365).run()
        yield city, refused
        transaction.set_rollback(True)


def actions() -> Counter:
    return Counter(dict(Event.objects.order_by().values_list("action").annotate(n=Count("id"))))


def test_the_city_has_districts_streets_and_communities_enough(demo):
    counts = Counter(Unit.objects.values_list("kind", flat=True))
    assert (
        counts[Unit.Kind.DISTRICT] >= 3
        and counts[Unit.Kind.STREET] >= 12
        and counts[Unit.Kind.COMMUNITY] >= 60
    )


def test_every_department_and_company_the_taxonomy_routes_to_exists(demo):
    routed = set(
        Category.objects.filter(routing__in=[Routing.DEPARTMENT, Routing.ENTERPRISE]).values_list(
            "default_unit", flat=True
        )
    )
    present = set(
        Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COMPANY]).values_list(
            "name", flat=True
        )
    )
    assert routed <= present


@pytest.mark.parametrize(
    "role", ["operator", "dispatcher", "handler", "lead", "visitor", "supervisor", "admin"]
)
def test_each_role_has_a_user_named_after_it(demo, role):
    user = User.objects.get(username=role)
    assert user.role == role and user.check_password("hotline-demo")


def test_every_unit_that_handles_orders_has_a_handler(demo):
    units = Unit.objects.exclude(kind__in=[Unit.Kind.CENTRE, Unit.Kind.DISTRICT])
    assert not units.exclude(users__role=Role.HANDLER).exists()


def test_the_history_takes_no_step_the_services_refuse(demo):
    _, refused = demo
    assert not refused


def test_the_history_holds_the_orders_asked_for_over_twelve_months(demo):
    assert WorkOrder.objects.count() == 1500
    first = WorkOrder.objects.order_by("registered_at").first().registered_at
    assert END - first > timedelta(days=360)


@pytest.mark.parametrize(
    "action",
    [
        Action.ANSWER_ON_THE_SPOT,
        Action.REVIEW,
        Action.DISPATCH,
        Action.ACCEPT,
        Action.PASS_DOWN,
        Action.RECORD_CONTACT,
        Action.REQUEST_RETURN,
        Action.APPROVE_RETURN,
        Action.REQUEST_EXTENSION,
        Action.APPROVE_EXTENSION,
        Action.STAGE_REPLY,
        Action.REPLY,
        Action.REJECT_REPLY,
        Action.APPROVE_REPLY,
        Action.VISIT,
        Action.REOPEN,
        Action.CLOSE,
        Action.MERGE,
        Action.CANCEL,
        Action.URGE,
        Action.SUPERVISE,
        Action.CONVERT_TO_CASE,
    ],
)
def test_the_history_contains_every_common_kind_of_step(demo, action):
    assert actions()[action] > 0


def test_late_units_are_urged_by_the_worker_during_the_history(demo):
    assert Event.objects.filter(action=Action.URGE, actor_role=Role.SYSTEM).exists()


def test_some_citizens_are_unsatisfied_and_most_are_not(demo):
    grades = Counter(
        Event.objects.filter(action=Action.VISIT).values_list("payload__satisfaction", flat=True)
    )
    assert 0.03 < grades["unsatisfied"] / sum(grades.values()) < 0.25


def test_heating_complaints_come_in_winter(demo):
    months = Counter(
        d.astimezone(SHANGHAI).month
        for d in WorkOrder.objects.filter(category__code="04.04").values_list(
            "registered_at", flat=True
        )
    )
    assert sum(months[m] for m in (12, 1, 2)) > 4 * sum(months[m] for m in (6, 7, 8))


def test_fewer_calls_come_at_night_than_in_the_morning(demo):
    hours = Counter(
        d.astimezone(SHANGHAI).hour
        for d in WorkOrder.objects.values_list("registered_at", flat=True)
    )
    assert hours[10] > 5 * hours[3]


def test_the_night_market_is_a_hot_spot_for_street_vendors_until_its_campaign(demo):
    # The requests of a year at the demo's full size (made in memory): enough to tell spots apart.
    city, _ = demo
    requests = History(city, orders=30000, end=END, days=365, seed=7).requests()
    campaign = END - timedelta(days=90)

    def vendors(since, until):
        return Counter(
            r.community.name for r in requests if r.code == "01.01" and since <= r.at < until
        )

    before = vendors(campaign - timedelta(days=90), campaign)
    during = vendors(campaign, END)
    assert before.most_common(1)[0][0] == "茉莉社区"
    assert during["茉莉社区"] < 0.8 * before["茉莉社区"]


def test_the_slow_street_misses_more_deadlines_than_the_model_street(demo):
    def urged_share(name):
        orders = WorkOrder.objects.filter(unit__name=name)
        return orders.filter(urge_count__gt=0).count() / max(orders.count(), 1)

    assert urged_share("金沙街道") > 2 * urged_share("滨江街道")


def test_duplicates_are_merged_into_an_order_at_the_same_place(demo):
    merged = WorkOrder.objects.filter(status=Status.MERGED).select_related("duplicate_of")
    assert merged.exists()
    for order in merged:
        assert order.address == order.duplicate_of.address
        assert (
            timedelta(0)
            < order.registered_at - order.duplicate_of.registered_at
            < timedelta(hours=36)
        )


def test_every_order_is_the_projection_of_its_events(demo):
    events: dict[int, list] = {}
    for event in Event.objects.order_by("order_id", "seq"):
        events.setdefault(event.order_id, []).append(event)
    for order in WorkOrder.objects.all():
        folded = project(events[order.pk])
        assert (folded.status, folded.version) == (order.status, order.version), order.number


def test_every_order_is_open_or_finished_as_of_the_end_and_none_later(demo):
    assert not Event.objects.filter(at__gt=END).exists()
    assert WorkOrder.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED]).exists()


# --- the hard problems (难题) -------------------------------------------------------------------


def _problem(title_start: str) -> Problem:
    return Problem.objects.get(title__startswith=title_start)


def test_every_demo_problem_is_owned_by_the_leader(demo):
    problems = list(Problem.objects.select_related("leader"))
    assert len(problems) >= 3  # those from findings and by hand need no particular orders
    assert {Source.FINDING, Source.MANUAL} <= {p.source for p in problems}
    assert all(p.leader is not None and p.leader.username == "leader" for p in problems)


def test_the_replaced_heating_network_is_struck_off_after_a_quiet_watch(demo):
    heating = _problem("碧水")
    assert heating.status == ProblemStatus.VERIFIED
    assert heating.resolved_at is not None and heating.verified_at is not None
    assert heating.verified_at - heating.resolved_at >= timedelta(weeks=heating.watch_weeks)
    before, after = before_and_after(heating)
    assert sum(before) > 0 and sum(after) == 0  # the calls stopped


def test_the_property_problem_comes_back_exactly_when_its_watch_sees_an_order(demo):
    found = Problem.objects.filter(source=Source.REPEATS)
    if not found:  # a short history: it is proposed only from three repeats
        repeats = WorkOrder.objects.filter(community__name="幸福社区", category__code="05.01")
        assert repeats.filter(registered_at__lt=END - timedelta(days=200)).count() < 3
        return
    property_problem = found.get()
    assert property_problem.resolved_at is not None
    during = registered_since(property_problem, property_problem.resolved_at)
    came_back = any(at <= END for at in during)
    assert (property_problem.status == ProblemStatus.RECURRED) == came_back


def test_a_street_called_in_departments_some_on_time_some_late_one_not_yet(demo):
    market = _problem("茉莉")
    calls = {c.unit.name: c for c in market.call_ins.select_related("unit")}
    assert calls["城市管理局"].reported_at <= calls["城市管理局"].report_deadline
    assert calls["生态环境局"].reported_at > calls["生态环境局"].report_deadline
    assert calls["市场监督管理局"].reported_at is None
    assert market.meetings.count() == 1 and market.campaigns.count() == 1
