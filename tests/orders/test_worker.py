"""The worker urges overdue orders once per missed deadline and escalates them to supervision."""

import threading
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from hotline.core import clock
from hotline.core.errors import TransitionNotAllowed
from hotline.orders import services
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Action, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.orders.threads import run_together

S = Status
DISPATCHED_AT = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)  # a Monday
ACCEPT_BY = datetime(2026, 3, 2, 12, tzinfo=SHANGHAI)  # 2 working hours later
FINISH_BY = datetime(2026, 3, 3, 17, 30, tzinfo=SHANGHAI)  # 垃圾清运 (02.01): 1 working day
AFTER = timedelta(hours=settings.HOTLINE_ESCALATE_AFTER_HOURS)
NOTHING = {"urged": 0, "supervised": 0}


def dispatched(city, state=S.DISPATCHED, **kwargs):
    with clock.frozen_at(DISPATCHED_AT):
        return factories.order_in(state, city, **kwargs)


def sweep(moment, **kwargs):
    with clock.frozen_at(moment):
        return services.sweep_overdue(**kwargs)


def reloaded(order):
    return WorkOrder.objects.get(pk=order.pk)


def test_an_order_not_accepted_by_its_deadline_is_urged_by_the_system(city):
    order = dispatched(city)
    late = ACCEPT_BY + timedelta(minutes=1)
    assert sweep(late) == {"urged": 1, "supervised": 0}
    order = reloaded(order)
    assert (order.status, order.urge_count, order.last_urged_at, order.urged_deadline) == (
        S.DISPATCHED,
        1,
        late,
        ACCEPT_BY,
    )
    assert order.sweep_at == late + AFTER  # next: escalation, if nothing happens
    event = order.events.get(seq=order.version)
    assert (event.action, event.actor, event.actor_role, event.at) == (
        Action.URGE,
        None,
        Role.SYSTEM,
        late,
    )
    assert event.payload["auto"] is True
    assert datetime.fromisoformat(event.payload["deadline"]) == ACCEPT_BY


def test_an_order_is_not_urged_twice_for_the_same_deadline(city):
    order = dispatched(city)
    sweep(ACCEPT_BY + timedelta(minutes=1))
    events = Event.objects.count()
    assert sweep(ACCEPT_BY + timedelta(minutes=1)) == NOTHING
    assert sweep(ACCEPT_BY + AFTER - timedelta(minutes=1)) == NOTHING
    assert Event.objects.count() == events
    assert reloaded(order).urge_count == 1


def test_the_system_refuses_to_urge_again_for_a_deadline_it_already_urged(city):
    order = dispatched(city)
    sweep(ACCEPT_BY + timedelta(minutes=1))
    order = reloaded(order)
    with clock.frozen_at(ACCEPT_BY + timedelta(hours=1)), pytest.raises(TransitionNotAllowed):
        services.urge_order(order=order, actor=None)
    # People may urge as often as they like.
    order = services.urge_order(order=order, actor=city.supervisor, note="请今天内签收")
    assert order.urge_count == 2


def test_an_urged_order_still_overdue_is_put_under_supervision_after_the_configured_hours(city):
    order = dispatched(city)
    urged_at = ACCEPT_BY + timedelta(minutes=1)
    sweep(urged_at)
    assert sweep(urged_at + AFTER - timedelta(seconds=1)) == NOTHING
    assert sweep(urged_at + AFTER + timedelta(seconds=1)) == {"urged": 0, "supervised": 1}
    order = reloaded(order)
    assert order.supervised and order.sweep_at is None
    assert str(settings.HOTLINE_ESCALATE_AFTER_HOURS) in order.supervision_note
    event = order.events.get(seq=order.version)
    assert (event.action, event.actor, event.actor_role) == (Action.SUPERVISE, None, Role.SYSTEM)
    assert sweep(urged_at + 10 * AFTER) == NOTHING
    assert reloaded(order).urge_count == 1


def test_an_order_accepted_after_the_urge_is_not_escalated_for_the_missed_acceptance(city):
    order = dispatched(city)
    urged_at = ACCEPT_BY + timedelta(minutes=1)
    sweep(urged_at)
    with clock.frozen_at(urged_at + timedelta(hours=1)):
        order = services.accept_order(order=reloaded(order), actor=city.handler())
    assert reloaded(order).sweep_at == FINISH_BY
    assert sweep(urged_at + AFTER + timedelta(seconds=1)) == NOTHING  # before the finish deadline
    assert not reloaded(order).supervised


def test_a_new_deadline_missed_after_acceptance_is_urged_again(city):
    order = dispatched(city)
    sweep(ACCEPT_BY + timedelta(minutes=1))
    with clock.frozen_at(ACCEPT_BY + timedelta(hours=2)):
        order = services.accept_order(order=reloaded(order), actor=city.handler())
    assert sweep(FINISH_BY) == NOTHING  # due at 17:30, not yet overdue
    assert sweep(FINISH_BY + timedelta(minutes=5)) == {"urged": 1, "supervised": 0}
    order = reloaded(order)
    assert (order.urge_count, order.urged_deadline) == (2, FINISH_BY)
    assert (
        datetime.fromisoformat(order.events.get(seq=order.version).payload["deadline"]) == FINISH_BY
    )


def test_an_order_not_yet_due_is_left_alone(city):
    order = dispatched(city)
    assert sweep(ACCEPT_BY - timedelta(minutes=1)) == NOTHING
    assert sweep(ACCEPT_BY) == NOTHING  # at the deadline the unit is still on time
    assert reloaded(order).urge_count == 0
    assert sweep(ACCEPT_BY + timedelta(seconds=1)) == {"urged": 1, "supervised": 0}


def test_finished_orders_are_left_alone(city):
    for state in (S.CLOSED, S.CANCELLED, S.MERGED):
        dispatched(city, state)
    before = Event.objects.count()
    assert sweep(DISPATCHED_AT + timedelta(days=60)) == NOTHING
    assert Event.objects.count() == before


def test_orders_waiting_for_the_centre_are_not_urged_on_the_unit(city):
    for state in (S.RETURNED, S.REPLIED, S.PENDING_VISIT):
        dispatched(city, state)
    assert sweep(DISPATCHED_AT + timedelta(days=60)) == NOTHING


def test_the_worker_command_prints_what_it_did(city):
    for _ in range(3):
        dispatched(city)
    out = StringIO()
    with clock.frozen_at(ACCEPT_BY + timedelta(minutes=1)):
        call_command("worker", "--once", "--batch", "2", stdout=out)  # drains in two batches
        call_command("worker", "--once", stdout=out)
    with clock.frozen_at(ACCEPT_BY + timedelta(minutes=2) + AFTER):
        call_command("worker", "--once", stdout=out)
    # The three receipts to the callers go out with the first round; the events of the three
    # orders (registered, dispatched, urged) reach the rollup then, the supervisions with the last.
    assert out.getvalue().splitlines() == [
        "urged 3, supervised 0, sent 3, retrying 0, failed 0, rolled up 9, "
        "problems verified 0, problems recurred 0, call-ins urged 0",
        "urged 0, supervised 0, sent 0, retrying 0, failed 0, rolled up 0, "
        "problems verified 0, problems recurred 0, call-ins urged 0",
        "urged 0, supervised 3, sent 0, retrying 0, failed 0, rolled up 3, "
        "problems verified 0, problems recurred 0, call-ins urged 0",
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_sweeping_at_once_urge_each_overdue_order_exactly_once(city):
    orders = [dispatched(city) for _ in range(50)]

    def drain():
        total = 0
        while done := services.sweep_overdue(limit=7)["urged"]:
            total += done
        return total

    results = run_together([drain, drain], frozen_at=ACCEPT_BY + timedelta(minutes=1))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 50
    urges = Event.objects.filter(action=Action.URGE, order__in=orders)
    assert sorted(urges.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert set(
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("urge_count", flat=True)
    ) == {1}


HOUR_START = datetime(
    2026, 3, 3, 17, tzinfo=SHANGHAI
)  # Tuesday, the half hour before office hours end
SWEEPS = [
    HOUR_START + timedelta(minutes=m) for m in range(61)
]  # every minute of the hour, both ends


def first_sweep_after(moment: datetime) -> datetime | None:
    """When a worker sweeping every minute of the hour acts on what falls due at ``moment``."""
    return next((t for t in SWEEPS if t > moment), None)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_over_an_hour_urge_each_missed_deadline_once_within_a_sweep_and_nothing_early(
    city, settings
):
    settings.HOTLINE_ESCALATE_AFTER_HOURS = 1  # so an urge before the hour escalates inside it
    tuesday = HOUR_START.replace(hour=15)
    orders = {
        # acceptance due at 17:00, 17:01, ... 17:29: two working hours after dispatch
        "accept": [dispatched_at(city, tuesday + timedelta(minutes=m)) for m in range(30)],
        # accepted on Monday: one working day to finish, due when office hours end (17:30)
        "finish": [dispatched(city, S.ACCEPTED) for _ in range(5)],
        # dispatched after 15:30: acceptance due tomorrow morning, after the hour
        "tomorrow": [dispatched_at(city, tuesday + timedelta(minutes=m)) for m in (31, 45, 59)],
        # urged at 16:30 for a deadline at 16:00: supervision due at 17:30
        "escalate": [dispatched_at(city, tuesday - timedelta(hours=1)) for _ in range(4)],
    }
    assert sweep(HOUR_START - timedelta(minutes=30)) == {"urged": 4, "supervised": 0}
    everything = [o for group in orders.values() for o in group]
    due = {o.pk: reloaded(o).sweep_at for o in everything}
    assert {due[o.pk] for o in orders["accept"]} == {
        HOUR_START + timedelta(minutes=m) for m in range(30)
    }
    assert {due[o.pk] for o in orders["finish"] + orders["escalate"]} == {
        HOUR_START + timedelta(minutes=30)
    }
    assert min(due[o.pk] for o in orders["tomorrow"]) > SWEEPS[-1]
    before = Event.objects.filter(at__gte=HOUR_START).count()
    barrier = threading.Barrier(2)

    def worker():
        out = StringIO()
        for moment in SWEEPS:
            barrier.wait(timeout=30)  # both workers sweep the same minute, racing for the same rows
            with clock.frozen_at(moment):
                call_command("worker", "--once", "--batch", "4", stdout=out)
        return out.getvalue()

    results = run_together([worker, worker])
    assert all(isinstance(r, str) for r in results), results

    expected = {
        o.pk: [(Action.URGE, first_sweep_after(due[o.pk]))]
        for o in orders["accept"] + orders["finish"]
    }
    expected |= {
        o.pk: [(Action.SUPERVISE, first_sweep_after(due[o.pk]))] for o in orders["escalate"]
    }
    expected |= {o.pk: [] for o in orders["tomorrow"]}
    done = {o.pk: [] for o in everything}
    for order_id, action, at in (
        Event.objects.filter(at__gte=HOUR_START)
        .order_by("at")
        .values_list("order_id", "action", "at")
    ):
        done[order_id].append((action, at))
    assert done == expected
    assert Event.objects.filter(at__gte=HOUR_START).count() - before == 35 + 4
    assert [reloaded(o).urge_count for o in everything] == [1] * 35 + [0] * 3 + [1] * 4
    assert [reloaded(o).supervised for o in everything] == [False] * 38 + [True] * 4
    # Each worker printed its rounds: between them every urge and supervision once.
    counted = Counter()
    for line in "".join(results).splitlines():
        counted.update({k: int(n) for k, n in (part.rsplit(" ", 1) for part in line.split(", "))})
    assert (counted["urged"], counted["supervised"]) == (35, 4)


def dispatched_at(city, moment):
    with clock.frozen_at(moment):
        return factories.order_in(S.DISPATCHED, city)
