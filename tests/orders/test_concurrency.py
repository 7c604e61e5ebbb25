"""Two people acting on the same order at the same moment never both succeed (PostgreSQL: real
row locks between real connections)."""

from datetime import datetime

import pytest
from django.db import connection

from hotline.core.errors import Conflict
from hotline.orders import services
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Action, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.orders.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = Status


def _one_wins(order, results, actions):
    """Exactly one call succeeded, the other got Conflict, and the order has one new event."""
    winners = [r for r in results if isinstance(r, WorkOrder)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, len(results) - 1), results
    assert losers[0].order == order.number
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.version == order.version + 1 == winners[0].version
    events = list(Event.objects.filter(order=order).order_by("seq"))
    assert len(events) == fresh.version
    assert events[-1].action in actions
    return winners[0], fresh


def test_two_handlers_accepting_the_same_order_at_once_one_wins_the_other_gets_a_conflict(city):
    order = factories.order_in(S.DISPATCHED, city)
    first, second = city.handler(), factories.user(Role.HANDLER, city.streets[0])
    copies = [WorkOrder.objects.get(pk=order.pk) for _ in range(2)]
    results = run_together(
        [
            lambda: services.accept_order(order=copies[0], actor=first),
            lambda: services.accept_order(order=copies[1], actor=second),
        ]
    )
    _, fresh = _one_wins(order, results, {Action.ACCEPT})
    assert fresh.status == S.ACCEPTED


def test_a_dispatch_and_a_cancel_of_the_same_order_at_once_do_not_both_happen(city):
    order = factories.order_in(S.REGISTERED, city)
    one, other = city.dispatcher, factories.user(Role.DISPATCHER, city.centre)
    copies = [WorkOrder.objects.get(pk=order.pk) for _ in range(2)]
    results = run_together(
        [
            lambda: services.dispatch_order(order=copies[0], actor=one),
            lambda: services.cancel_order(order=copies[1], actor=other, reason="重复来电"),
        ]
    )
    winner, fresh = _one_wins(order, results, {Action.DISPATCH, Action.CANCEL})
    assert fresh.status == winner.status
    if fresh.status == S.DISPATCHED:
        assert fresh.unit == city.streets[0] and fresh.close_reason == ""
    else:
        assert fresh.status == S.CANCELLED and fresh.unit is None and fresh.accept_deadline is None


def test_a_stale_copy_is_refused_even_without_a_race(city):
    order = factories.order_in(S.DISPATCHED, city)
    stale = WorkOrder.objects.get(pk=order.pk)
    services.accept_order(order=order, actor=city.handler())
    with pytest.raises(Conflict):
        services.request_return(order=stale, actor=city.handler(), reason="不属于本单位")
    assert WorkOrder.objects.get(pk=order.pk).status == S.ACCEPTED


def test_order_numbers_stay_unique_when_eight_calls_are_registered_at_once(city):
    operators = [factories.user(Role.OPERATOR, city.centre) for _ in range(8)]
    results = run_together(
        [lambda op=op: factories.register(city, actor=op) for op in operators],
        frozen_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
    )
    assert all(isinstance(r, WorkOrder) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"20260302{i:05d}" for i in range(1, 9)]
    assert WorkOrder.objects.filter(number__in=numbers).count() == Event.objects.count() == 8
