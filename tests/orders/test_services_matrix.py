"""Every service, for every state and every role, does exactly what the transition table says;
and the guards beyond the table (reach of the unit, pending requests, windows) hold."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import transaction

from hotline.core import clock
from hotline.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from hotline.orders import services, workflow
from hotline.orders.models import Event
from hotline.orders.workflow import Action, Refusal, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.orders.calls import CALLS, ROLES, SYSTEM_ACTIONS, Scene, snapshot

A, S = Action, Status


def scene_for(city) -> Scene:
    # The responsible street is an enforcement unit here, so that its handler may convert_to_case.
    city.streets[0].enforcement = True
    city.streets[0].save()
    return Scene(city, co_unit=city.departments["城市管理局"], master=factories.register(city))


def _attempt(scene: Scene, order, action: Action, role: Role, state: Status) -> str | None:
    """Take ``action`` as ``role`` inside a transaction that is rolled back; return a mismatch."""
    with transaction.atomic():
        try:
            return _judge(scene, order, action, role, state)
        finally:
            transaction.set_rollback(True)


def _judge(scene: Scene, order, action: Action, role: Role, state: Status) -> str | None:
    where = f"{action} by {role} in {state}"
    if action in (A.APPROVE_EXTENSION, A.DENY_EXTENSION) and state == S.ACCEPTED:
        order = services.request_extension(
            order=order, actor=scene.actor(Role.HANDLER, action), days=3, reason="需协调物业"
        )
    before = snapshot(order)
    expected = workflow.refusal(action, state, role)
    try:
        result = CALLS[action](scene, order, scene.actor(role, action))
    except (TransitionNotAllowed, PermissionDenied) as refused:
        if expected is None:
            return f"{where}: refused although the table allows it: {refused}"
        wanted = TransitionNotAllowed if expected[0] == Refusal.STATE else PermissionDenied
        if type(refused) is not wanted:
            return f"{where}: {type(refused).__name__} instead of {wanted.__name__}"
        if snapshot(order) != before:
            return f"{where}: refused but changed the order"
        return None
    if expected is not None:
        return f"{where}: succeeded although the table refuses it ({expected[1]})"
    event = Event.objects.get(order=result, seq=result.version)
    outcome = (
        result.status,
        result.version,
        event.action,
        event.actor_role,
        event.from_status,
        event.to_status,
        Event.objects.count(),
    )
    wanted = (
        workflow.TRANSITIONS[action].target_from(state),
        order.version + 1,
        action,
        role,
        state,
        result.status,
        before[3] + 1,
    )
    return None if outcome == wanted else f"{where}: {outcome} != {wanted}"


@pytest.mark.parametrize("state", list(Status))
def test_every_action_by_every_role_in_this_state_does_what_the_table_says(city, state):
    scene = scene_for(city)
    order = factories.order_in(state, city, cohandlers=[scene.co_unit])
    assert order.status == state
    prepared = snapshot(order)
    mismatches = [
        mismatch
        for action in CALLS
        for role in ROLES
        if role != Role.SYSTEM or action in SYSTEM_ACTIONS
        if (mismatch := _attempt(scene, order, action, role, state))
    ]
    assert mismatches == []
    assert snapshot(order) == prepared  # every attempt was rolled back


@pytest.mark.parametrize("role", ROLES)
def test_registering_is_open_to_operators_dispatchers_and_citizens_only(city, role):
    actor = None if role == Role.SYSTEM else city.staff(role, city.centre)
    as_role = Role.CITIZEN if actor is None else role
    if workflow.allowed(A.REGISTER, None, as_role):
        order = factories.register(city, actor=actor)
        assert (order.status, order.version) == (S.REGISTERED, 1)
        assert order.events.get().actor_role == as_role
    else:
        with pytest.raises(PermissionDenied):
            factories.register(city, actor=actor)
        assert Event.objects.count() == 0


# --- reach: whose orders a unit may act on ------------------------------------------------------


def _refused(error, call, order):
    before = snapshot(order)
    with pytest.raises(error) as excinfo:
        call()
    assert snapshot(order) == before
    return excinfo.value


def test_a_handler_of_a_sibling_street_cannot_accept_the_order(city):
    order = factories.order_in(S.DISPATCHED, city)
    error = _refused(
        PermissionDenied,
        lambda: services.accept_order(order=order, actor=city.handler(city.streets[1])),
        order,
    )
    assert error.reason == "只有承办单位可以执行"


def test_the_lead_of_the_district_above_cannot_accept_for_its_street(city):
    order = factories.order_in(S.DISPATCHED, city)
    _refused(
        PermissionDenied,
        lambda: services.accept_order(order=order, actor=city.lead(city.districts[0])),
        order,
    )


def test_a_staff_member_without_a_unit_cannot_act_as_a_handler(city):
    order = factories.order_in(S.ACCEPTED, city)
    stray = factories.user(Role.HANDLER, None)
    _refused(
        PermissionDenied,
        lambda: services.reply_order(order=order, actor=stray, result="已处理", solved=True),
        order,
    )
    _refused(PermissionDenied, lambda: services.record_contact(order=order, actor=stray), order)


def test_a_co_handling_unit_can_give_its_opinion_but_not_reply(city):
    dept = city.departments["城市管理局"]
    order = factories.order_in(S.ACCEPTED, city, cohandlers=[dept])
    co_handler = city.handler(dept)
    _refused(
        PermissionDenied,
        lambda: services.reply_order(order=order, actor=co_handler, result="已处理", solved=True),
        order,
    )
    _refused(
        PermissionDenied, lambda: services.record_contact(order=order, actor=co_handler), order
    )
    order = services.assist_order(order=order, actor=co_handler, opinion="已派车协助清运")
    event = order.events.get(seq=order.version)
    assert (event.action, event.actor_unit, event.unit) == (A.ASSIST, dept, city.streets[0])
    assert order.status == S.ACCEPTED


def test_the_responsible_unit_cannot_give_a_co_handling_opinion(city):
    order = factories.order_in(S.ACCEPTED, city, cohandlers=[city.departments["城市管理局"]])
    _refused(
        PermissionDenied,
        lambda: services.assist_order(order=order, actor=city.handler(), opinion="协助"),
        order,
    )


@pytest.mark.parametrize("target", ["team", "community"])
def test_an_order_can_be_passed_down_to_a_unit_below_the_responsible_one(city, target):
    sub_unit = city.team if target == "team" else city.communities[0]
    order = factories.order_in(S.ACCEPTED, city)
    order = services.pass_down(order=order, actor=city.handler(), sub_unit=sub_unit)
    assert (order.unit, order.handling_unit, order.status) == (
        city.streets[0],
        sub_unit,
        S.ACCEPTED,
    )


@pytest.mark.parametrize(
    "target", ["itself", "sibling street", "community of the sibling", "district above"]
)
def test_an_order_cannot_be_passed_down_outside_the_responsible_units_subtree(city, target):
    sub_unit = {
        "itself": city.streets[0],
        "sibling street": city.streets[1],
        "community of the sibling": city.communities[2],
        "district above": city.districts[0],
    }[target]
    order = factories.order_in(S.ACCEPTED, city)
    error = _refused(
        InvalidInput,
        lambda: services.pass_down(order=order, actor=city.handler(), sub_unit=sub_unit),
        order,
    )
    assert "sub_unit" in error.errors


def test_the_sub_unit_handles_but_the_responsible_unit_answers_for_the_deadline(city):
    order = factories.order_in(S.ACCEPTED, city)
    order = services.pass_down(order=order, actor=city.handler(), sub_unit=city.team)
    team = city.handler(city.team)
    order = services.record_contact(order=order, actor=team)
    _refused(
        PermissionDenied,
        lambda: services.request_extension(order=order, actor=team, days=2, reason="忙"),
        order,
    )
    order = services.reply_order(order=order, actor=team, result="已清运", solved=True)
    assert order.status == S.REPLIED
    assert order.events.get(seq=order.version).unit == city.streets[0]


# --- pending requests ----------------------------------------------------------------------------


def test_only_one_extension_request_is_pending_at_a_time(city):
    order = factories.order_in(S.ACCEPTED, city)
    order = services.request_extension(
        order=order, actor=city.handler(), days=3, reason="需协调物业"
    )
    error = _refused(
        TransitionNotAllowed,
        lambda: services.request_extension(order=order, actor=city.lead(), days=5, reason="再延"),
        order,
    )
    assert error.reason == "已有待审批的延期申请"
    order = services.deny_extension(order=order, actor=city.dispatcher, reason="时限内可办结")
    order = services.request_extension(order=order, actor=city.lead(), days=5, reason="再延")
    assert order.extension_requested_days == 5


@pytest.mark.parametrize("action", [A.APPROVE_EXTENSION, A.DENY_EXTENSION])
def test_an_extension_cannot_be_ruled_on_without_a_pending_request(city, action):
    order = factories.order_in(S.ACCEPTED, city)
    scene = scene_for(city)
    error = _refused(
        TransitionNotAllowed, lambda: CALLS[action](scene, order, city.dispatcher), order
    )
    assert error.reason == "没有待审批的延期申请"


@pytest.mark.parametrize("action", [A.APPROVE_EXTENSION, A.DENY_EXTENSION])
def test_a_ruled_extension_request_cannot_be_ruled_on_again(city, action):
    order = factories.order_in(S.ACCEPTED, city)
    order = services.request_extension(
        order=order, actor=city.handler(), days=3, reason="需协调物业"
    )
    scene = scene_for(city)
    order = CALLS[action](scene, order, city.supervisor)
    assert order.extension_requested_days is None
    _refused(TransitionNotAllowed, lambda: CALLS[action](scene, order, city.dispatcher), order)


# --- conversion to a case ------------------------------------------------------------------------


def test_only_an_enforcement_unit_converts_a_complaint_to_a_case(city):
    order = factories.order_in(S.ACCEPTED, city)
    assert not city.streets[0].enforcement
    error = _refused(
        TransitionNotAllowed,
        lambda: services.convert_to_case(order=order, actor=city.handler(), case_number="ZF-1"),
        order,
    )
    assert error.reason == "只有执法单位可以诉转案"
    order = services.pass_down(order=order, actor=city.handler(), sub_unit=city.team)
    order = services.convert_to_case(
        order=order, actor=city.handler(city.team), case_number="ZF-2026-0007"
    )
    assert order.case_number == "ZF-2026-0007"
    assert order.events.get(seq=order.version).payload == {"case_number": "ZF-2026-0007"}


def test_an_enforcement_unit_that_does_not_handle_the_order_cannot_convert_it(city):
    order = factories.order_in(S.ACCEPTED, city)  # not passed down to the team
    _refused(
        PermissionDenied,
        lambda: services.convert_to_case(
            order=order, actor=city.handler(city.team), case_number="ZF-1"
        ),
        order,
    )


# --- reopening ------------------------------------------------------------------------------------

CLOSED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def _closed_at(city, moment):
    with clock.frozen_at(moment):
        order = factories.order_in(S.CLOSED, city)
    assert order.closed_at == moment
    return order


def test_a_closed_order_can_be_reopened_within_the_window(city):
    order = _closed_at(city, CLOSED_AT)
    with clock.frozen_at(CLOSED_AT + timedelta(days=settings.HOTLINE_REOPEN_WINDOW_DAYS)):
        order = services.reopen_order(order=order, actor=city.dispatcher, reason="问题复发")
    assert (order.status, order.reopen_count, order.unit) == (S.DISPATCHED, 1, city.streets[0])


def test_a_closed_order_cannot_be_reopened_after_the_window(city):
    order = _closed_at(city, CLOSED_AT)
    late = CLOSED_AT + timedelta(days=settings.HOTLINE_REOPEN_WINDOW_DAYS, minutes=1)
    with clock.frozen_at(late):
        error = _refused(
            TransitionNotAllowed,
            lambda: services.reopen_order(order=order, actor=city.visitor, reason="问题复发"),
            order,
        )
    assert "30 天" in error.reason


def test_an_order_answered_on_the_spot_cannot_be_reopened(city):
    order = factories.register(city, order_type="consultation")
    order = services.answer_on_the_spot(order=order, actor=city.operator, answer="办理时间为工作日")
    _refused(
        TransitionNotAllowed,
        lambda: services.reopen_order(order=order, actor=city.dispatcher, reason="再问"),
        order,
    )


# --- merging --------------------------------------------------------------------------------------


def test_an_order_cannot_be_merged_into_itself(city):
    order = factories.order_in(S.REGISTERED, city)
    error = _refused(
        TransitionNotAllowed,
        lambda: services.merge_order(order=order, actor=city.dispatcher, master=order),
        order,
    )
    assert error.reason == "不能并入自身"


@pytest.mark.parametrize("master_state", [S.CLOSED, S.CANCELLED, S.MERGED])
def test_an_order_cannot_be_merged_into_a_finished_master(city, master_state):
    master = factories.order_in(master_state, city)
    order = factories.order_in(S.DISPATCHED, city)
    error = _refused(
        TransitionNotAllowed,
        lambda: services.merge_order(order=order, actor=city.dispatcher, master=master),
        order,
    )
    assert master.number in error.reason
