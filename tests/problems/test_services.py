"""The problems' services: bad input is refused with a clear message and changes nothing, and
linking orders never touches them."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.analytics.selectors import contributions_of
from hotline.core import clock
from hotline.core.errors import Conflict, InvalidInput
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Status as OrderStatus
from hotline.problems import services
from hotline.problems.models import CallIn, Measure, Problem, ProblemEvent, Source
from hotline.problems.workflow import Status
from tests import factories

from .make import problem_in

pytestmark = pytest.mark.django_db


def _unchanged(p: Problem) -> tuple[int, int]:
    p.refresh_from_db()
    return p.version, ProblemEvent.objects.filter(problem=p).count()


def test_a_measure_without_a_unit_is_refused_and_changes_nothing(city):
    p = problem_in(Status.IN_PROGRESS, city)
    before = _unchanged(p)
    with pytest.raises(InvalidInput) as refused:
        services.add_measure(
            problem=p, actor=city.supervisor, text="拆除", unit=None, due=date(2099, 1, 1)
        )
    assert "unit" in refused.value.errors
    assert _unchanged(p) == before and not Measure.objects.exists()


def test_a_measure_due_in_the_past_is_refused(city):
    p = problem_in(Status.IN_PROGRESS, city)
    with pytest.raises(InvalidInput) as refused:
        services.add_measure(
            problem=p,
            actor=city.supervisor,
            text="拆除",
            unit=city.streets[0],
            due=date(2020, 1, 1),
        )
    assert "due" in refused.value.errors


def test_calling_in_the_lead_unit_itself_is_refused_and_changes_nothing(city):
    p = problem_in(Status.IN_PROGRESS, city)
    before = _unchanged(p)
    with pytest.raises(InvalidInput, match="牵头单位"):
        services.call_in(problem=p, actor=city.lead(), unit=city.streets[0], reason="请协助")
    assert _unchanged(p) == before and not CallIn.objects.exists()


def test_accepting_with_a_deadline_in_the_past_is_refused_and_changes_nothing(city):
    p = problem_in(Status.PROPOSED, city)
    before = _unchanged(p)
    with pytest.raises(InvalidInput) as refused:
        services.accept_problem(
            problem=p, actor=city.supervisor, leader=city.supervisor, lead_unit=city.streets[0],
            deadline=clock.now() - timedelta(hours=1),
        )  # fmt: skip
    assert set(refused.value.errors) == {"deadline"}
    assert _unchanged(p) == before and p.status == Status.PROPOSED


def test_linking_an_order_the_actor_cannot_see_is_refused_and_changes_nothing(city):
    p = problem_in(Status.IN_PROGRESS, city)
    elsewhere = factories.order_in(
        OrderStatus.DISPATCHED, city, address="西城2路", category_code="01.01"
    )
    assert elsewhere.unit_id != city.streets[0].pk
    before = _unchanged(p)
    with pytest.raises(InvalidInput, match=elsewhere.number):
        services.link_order(problem=p, actor=city.lead(), order=elsewhere, reason="同一问题")
    assert _unchanged(p) == before and not p.links.exists()


def test_a_stale_copy_is_refused_with_both_versions(city):
    p = problem_in(Status.IN_PROGRESS, city)
    services.note_progress(problem=p, actor=city.supervisor, text="已约谈物业")
    with pytest.raises(Conflict, match="第 4 版"):
        services.note_progress(problem=p, actor=city.supervisor, text="又一次")


def test_a_problem_of_a_set_of_orders_needs_its_orders(city):
    with pytest.raises(InvalidInput) as refused:
        services.propose_problem(actor=city.dispatcher, title="某小区噪音", source=Source.ORDERS)
    assert "orders" in refused.value.errors and not Problem.objects.exists()


def test_resolving_with_a_measure_still_open_is_refused(city):
    p = problem_in(Status.IN_PROGRESS, city)
    services.add_measure(
        problem=p, actor=city.supervisor, text="改造", unit=city.streets[0], due=date(2099, 1, 1)
    )
    p.refresh_from_db()
    with pytest.raises(Exception, match="未完成的措施"):
        services.resolve_problem(problem=p, actor=city.supervisor, note="已解决")


def test_a_called_unit_reports_in_on_time_within_working_hours(city):
    p = problem_in(Status.IN_PROGRESS, city)
    department = next(iter(city.departments.values()))
    call = services.call_in(problem=p, actor=city.lead(), unit=department, reason="请派员到场")
    assert call.report_deadline > call.called_at
    p.refresh_from_db()
    services.report_in(problem=p, actor=city.lead(department), call=call, part="负责管线检测")
    event = ProblemEvent.objects.filter(problem=p, action="report_in").get()
    assert event.payload["on_time"] is True
    call.refresh_from_db()
    assert call.part == "负责管线检测" and call.reported_at is not None


def _order_facts(ids: list[int]) -> tuple[object, ...]:
    rows = list(WorkOrder.objects.filter(pk__in=ids).order_by("pk").values())
    events = list(Event.objects.filter(order_id__in=ids).order_by("pk").values())
    return rows, events, sorted(map(repr, contributions_of(ids)))


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_linking_and_unlinking_leave_every_orders_row_events_and_rates_unchanged(data):
    with transaction.atomic():
        try:
            c = factories.city()
            states = [OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.CLOSED]
            orders = [factories.order_in(data.draw(st.sampled_from(states)), c) for _ in range(3)]
            ids = [o.pk for o in orders]
            p = problem_in(data.draw(st.sampled_from([Status.IN_PROGRESS, Status.RESOLVED])), c)
            before = _order_facts(ids)
            linked: set[int] = set()
            for _ in range(data.draw(st.integers(1, 6))):
                order = data.draw(st.sampled_from(orders))
                p.refresh_from_db()
                if order.pk in linked:
                    services.unlink_order(problem=p, actor=c.lead(), order=order, reason="无关")
                    linked.discard(order.pk)
                else:
                    services.link_order(problem=p, actor=c.lead(), order=order, reason="同一问题")
                    linked.add(order.pk)
            assert _order_facts(ids) == before
            assert (
                set(p.links.filter(unlinked_at=None).values_list("order_id", flat=True)) == linked
            )
        finally:
            transaction.set_rollback(True)
