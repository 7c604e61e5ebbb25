"""Random sequences of actions by random people at random times never break the order's
invariants: the row is the fold of its events, deadlines only move with an event, refusals
change nothing, a closed order says why it closed."""

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.orders import projection, services, workflow
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Action, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.orders.calls import CALLS, SYSTEM_ACTIONS, Scene, snapshot

A, S = Action, Status
START = datetime(2026, 2, 11, 9, 30, tzinfo=SHANGHAI)  # the week before the Spring Festival
SWEEP = "sweep"  # the worker's pass, taken as a step of its own
DUE_BY_STATUS = {S.DISPATCHED: "accept", S.ACCEPTED: "finish", S.PENDING_VISIT: "visit"}
WITH_A_UNIT = {S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.REPLIED, S.PENDING_VISIT}
TEXTS = st.sampled_from(
    ["已处理", "需协调物业", "情况属实，已安排", "已联系市民", "已清运", "", "\x00"]
)


def _people(city):
    """Everyone who may act, made before any example (examples are rolled back)."""
    dept = city.departments["城市管理局"]
    people = [
        city.staff(role, city.centre)
        for role in (Role.OPERATOR, Role.DISPATCHER, Role.VISITOR, Role.SUPERVISOR, Role.ADMIN)
    ]
    for unit in (city.streets[0], city.streets[1], city.team, dept, city.districts[0]):
        people += [city.handler(unit), city.lead(unit)]
    return [*people, None]  # None: the system


def _arguments(action, data, city, order, master):
    """Arguments for ``action``: mostly valid, sometimes not."""
    dept = city.departments["城市管理局"]
    units = [
        city.streets[0],
        city.streets[1],
        dept,
        city.team,
        city.communities[0],
        city.districts[0],
        city.centre,
    ]
    draw = data.draw
    match action:
        case A.DISPATCH:
            return dict(
                unit=draw(st.sampled_from([None, None, *units])),
                cohandlers=draw(
                    st.lists(
                        st.sampled_from([dept, city.streets[1], city.team]), max_size=2, unique=True
                    )
                ),
                category_code=draw(st.sampled_from([None, "01.01", "02.01", "06.03"])),
                urgency=draw(st.sampled_from([None, "normal", "urgent", "critical"])),
            )
        case A.REVIEW:
            return dict(
                category_code=draw(st.sampled_from([None, "01.02", "99.99"])),
                urgency=draw(st.sampled_from([None, "urgent", "bad"])),
            )
        case A.REASSIGN:
            return dict(unit=draw(st.sampled_from(units)), reason=draw(TEXTS))
        case A.PASS_DOWN:
            below = [
                u
                for u in (city.team, city.communities[0])
                if order.unit_id and u.is_within(order.unit)
            ]
            return dict(sub_unit=draw(st.sampled_from([*below, *below, *units])))
        case A.REQUEST_EXTENSION:
            return dict(
                days=draw(st.one_of(st.integers(1, 10), st.integers(-1, 65))), reason=draw(TEXTS)
            )
        case A.REPLY:
            return dict(result=draw(TEXTS), solved=draw(st.booleans()))
        case A.VISIT:
            return dict(
                resolved=draw(st.booleans()),
                satisfaction=draw(st.sampled_from(["satisfied", "basically", "unsatisfied", "?"])),
            )
        case A.MERGE:
            return dict(master=draw(st.sampled_from([master, order])))
        case A.CANCEL | A.CLOSE | A.REOPEN | A.REQUEST_RETURN | A.REJECT_RETURN | A.REJECT_REPLY:
            return dict(reason=draw(TEXTS))
    return None  # the valid arguments of calls.CALLS


_SERVICES = {
    A.DISPATCH: services.dispatch_order,
    A.REVIEW: services.review_order,
    A.REASSIGN: services.reassign_order,
    A.PASS_DOWN: services.pass_down,
    A.REQUEST_EXTENSION: services.request_extension,
    A.REPLY: services.reply_order,
    A.VISIT: services.visit_order,
    A.MERGE: services.merge_order,
    A.CANCEL: services.cancel_order,
    A.CLOSE: services.close_order,
    A.REOPEN: services.reopen_order,
    A.REQUEST_RETURN: services.request_return,
    A.REJECT_RETURN: services.reject_return,
    A.REJECT_REPLY: services.reject_reply,
}


def assert_invariants(order: WorkOrder) -> None:
    order = WorkOrder.objects.get(pk=order.pk)
    events = list(order.events.order_by("seq"))
    folded = projection.project(events)  # also checks: seq without gaps, each from = previous to
    assert order.status == folded.status
    assert order.version == len(events) == folded.version
    for name in projection.DEADLINE_FIELDS:
        assert getattr(order, f"{name}_deadline") == folded.deadlines[name], (
            f"{name} deadline moved silently"
        )
    assert all(a.at <= b.at for a, b in pairwise(events)), "events out of time order"
    kind = DUE_BY_STATUS.get(order.status)
    assert order.due_at == (getattr(order, f"{kind}_deadline") if kind else None)
    assert order.sweep_at is None or order.status in (S.DISPATCHED, S.ACCEPTED)
    if order.status in WITH_A_UNIT:
        assert order.unit is not None and order.unit.kind != "centre"
    if order.handling_unit is not None:
        assert order.handling_unit.is_within(order.unit) and order.handling_unit != order.unit
    if order.status == S.CLOSED:
        closing = [e for e in events if e.to_status == S.CLOSED and e.from_status != S.CLOSED][-1]
        assert closing.action in (A.VISIT, A.ANSWER_ON_THE_SPOT, A.CLOSE)
        assert {
            A.VISIT: order.satisfaction,
            A.ANSWER_ON_THE_SPOT: order.answer,
            A.CLOSE: order.close_reason,
        }[closing.action], "closed without a recorded reason"
        assert order.closed_at == closing.at
    if order.status == S.MERGED:
        assert order.duplicate_of is not None and order.duplicate_of_id != order.pk
    if order.status == S.CANCELLED:
        assert order.close_reason
    assert order.is_open == (order.status in workflow.OPEN)


def _step(data, city, people, order, master) -> None:
    # Mostly an action the state allows, taken mostly by someone whose role may take it, so
    # that histories get far; sometimes anything by anyone.
    status = Status(order.status)
    possible = [
        a
        for a in CALLS
        if a != A.ANSWER_ON_THE_SPOT and any(workflow.allowed(a, status, r) for r in Role)
    ]
    action = data.draw(
        st.one_of(st.sampled_from(possible or list(CALLS)), st.sampled_from([*CALLS, SWEEP])),
        label="action",
    )
    if action == SWEEP:
        services.sweep_overdue()
        return
    anyone = [p for p in people if p is not None or action in SYSTEM_ACTIONS]
    rule = workflow.TRANSITIONS[action]
    reach = {
        workflow.Reach.UNIT: {order.unit_id},
        workflow.Reach.HANDLING: {order.unit_id, order.handling_unit_id},
        workflow.Reach.CO_UNIT: set(order.cohandlers.values_list("pk", flat=True)),
    }.get(rule.reach)
    fitting = [
        p
        for p in anyone
        if (Role(p.role) if p else Role.SYSTEM) in rule.roles
        and (p is None or reach is None or p.unit_id in reach)
    ]
    actor = data.draw(
        st.one_of(st.sampled_from(fitting or anyone), st.sampled_from(anyone)), label="actor"
    )
    copy = order
    if data.draw(st.integers(0, 9), label="stale copy") == 0 and order.version > 1:
        copy = WorkOrder.objects.get(pk=order.pk)
        copy.version -= 1  # as loaded before the last action
    before = snapshot(order)
    kwargs = _arguments(action, data, city, copy, master)
    try:
        if kwargs is None:
            CALLS[action](Scene(city, city.departments["城市管理局"], master), copy, actor)
        else:
            _SERVICES[action](order=copy, actor=actor, **kwargs)
    except DomainError as refused:
        event(f"{action}: {type(refused).__name__}")
        assert snapshot(order) == before, f"refused {action} changed the order"
    else:
        event(f"{action}: done")


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_histories_keep_every_invariant(data):
    # Each example builds its city and orders in a transaction that is rolled back afterwards.
    with transaction.atomic():
        try:
            _history(data)
        finally:
            transaction.set_rollback(True)


def _history(data):
    city = factories.city()
    people = _people(city)
    now = START
    with clock.frozen_at(now):
        master = factories.order_in(
            data.draw(st.sampled_from([S.REGISTERED, S.ACCEPTED, S.CLOSED])), city
        )
        start = data.draw(
            st.sampled_from([S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.PENDING_VISIT])
        )
        codes = ["02.01", "01.01", *([""] if start == S.REGISTERED else [])]
        order = factories.order_in(start, city, category_code=data.draw(st.sampled_from(codes)))
    assert_invariants(order)
    for _ in range(data.draw(st.integers(10, 40), label="steps")):
        now += timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60), label="minutes later"))
        with clock.frozen_at(now):
            _step(data, city, people, WorkOrder.objects.get(pk=order.pk), master)
        assert_invariants(order)
        assert_invariants(master)
        event(f"reached {WorkOrder.objects.get(pk=order.pk).status}")
