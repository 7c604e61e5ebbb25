"""The rollup stays equal to the events while orders change and refreshes run at the same time
(PostgreSQL: row locks, advisory lock, concurrent commits)."""

from datetime import date

import pytest
from django.db import connection

from hotline.analytics import selectors, services
from hotline.analytics.selectors import Period
from hotline.orders import services as orders
from hotline.orders.workflow import Status
from tests import factories
from tests.orders.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"),
]
EVERYTHING = Period(date(2000, 1, 1), date(2100, 1, 1))


def test_refreshes_racing_with_actions_lose_nothing_and_count_nothing_twice(city):
    dispatched = [factories.order_in(Status.DISPATCHED, city) for _ in range(12)]
    handler = city.handler()

    def handle():
        for order in dispatched:
            order = orders.accept_order(order=order, actor=handler)
            orders.reply_order(order=order, actor=handler, result="已处理", solved=True)
        return "handled"

    def refresh():
        rounds = 0
        while rounds < 200:
            services.refresh_rollup(limit=5)
            rounds += 1
        return rounds

    results = run_together([handle, refresh, refresh])
    assert results[0] == "handled", results
    while services.refresh_rollup()["rolled up"]:
        pass
    assert selectors.counters(EVERYTHING, by=("unit_id",)) == selectors.recomputed_counters(
        EVERYTHING
    )


def test_a_rebuild_beside_actions_leaves_their_marks_for_the_next_refresh(city):
    dispatched = [factories.order_in(Status.DISPATCHED, city) for _ in range(8)]
    handler = city.handler()

    def handle():
        for order in dispatched:
            orders.accept_order(order=order, actor=handler)
        return "handled"

    results = run_together([handle, services.rebuild_rollup])
    assert results[0] == "handled", results
    while services.refresh_rollup()["rolled up"]:
        pass
    assert selectors.counters(EVERYTHING, by=("unit_id",)) == selectors.recomputed_counters(
        EVERYTHING
    )
