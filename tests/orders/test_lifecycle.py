"""What each lifecycle action does to an order: deadlines, links, numbers and the event log."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from hotline.core import clock
from hotline.core.errors import InvalidInput
from hotline.orders import services
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Action, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.orders.calls import snapshot

A, S = Action, Status
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def at(month, day, hour=9, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# Friday before the 2026 Spring Festival: Saturday 02-14 is a make-up workday, 02-15..02-23 off.
FRIDAY = at(2, 13, 10)


def stall_complaint(city, **kwargs):
    """A complaint about street vending (占道经营): local to streets[0], 5 working days to
    finish."""
    fields = dict(
        category_code="01.01", order_type="complaint", text="东城1路11小区门口流动摊贩占道经营"
    )
    fields.update(kwargs)
    return factories.register(city, **fields)


def dispatched_on_friday(city, **kwargs):
    with clock.frozen_at(FRIDAY):
        return services.dispatch_order(order=stall_complaint(city, **kwargs), actor=city.dispatcher)


def reloaded(order):
    return WorkOrder.objects.get(pk=order.pk)


# --- deadlines ------------------------------------------------------------------------------------


def test_a_complaint_dispatched_before_the_spring_festival_is_due_on_the_fifth_working_day_after(
    city,
):
    order = reloaded(dispatched_on_friday(city))
    assert order.dispatched_at == FRIDAY
    assert order.accept_deadline == at(2, 13, 12)  # 2 working hours
    assert order.contact_deadline == at(2, 14, 17, 30)  # 1 working day: the make-up Saturday
    # 02-14 (1), holiday 02-15..02-23, 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5)
    assert order.finish_deadline == at(2, 27, 17, 30)
    assert order.original_finish_deadline == order.finish_deadline
    assert order.visit_deadline is None


@pytest.mark.parametrize(
    ("order_type", "category", "urgency", "accept", "contact", "finish"),
    [
        ("consultation", "01.01", "normal", at(2, 13, 12), at(2, 14, 17, 30), at(2, 14, 17, 30)),
        (
            "complaint",
            "02.01",
            "normal",
            at(2, 13, 12),
            at(2, 14, 17, 30),
            at(2, 14, 17, 30),
        ),  # category: 1 wd
        (
            "complaint",
            "01.02",
            "normal",
            at(2, 13, 12),
            at(2, 14, 17, 30),
            at(3, 12, 17, 30),
        ),  # category: 15 wd
        (
            "complaint",
            "01.01",
            "urgent",
            at(2, 13, 10, 30),
            at(2, 13, 12),
            at(2, 14, 10),
        ),  # on the clock
        ("complaint", "01.01", "critical", at(2, 13, 10, 10), at(2, 13, 10, 30), at(2, 13, 12)),
    ],
)
def test_dispatch_takes_each_deadline_from_the_most_specific_policy(
    city, order_type, category, urgency, accept, contact, finish
):
    order = reloaded(
        dispatched_on_friday(city, order_type=order_type, category_code=category, urgency=urgency)
    )
    assert (order.accept_deadline, order.contact_deadline, order.finish_deadline) == (
        accept,
        contact,
        finish,
    )


def test_the_dispatch_event_records_the_deadlines_it_set(city):
    order = dispatched_on_friday(city)
    payload = order.events.get(action=A.DISPATCH).payload
    assert payload["deadlines"] == {
        "accept": at(2, 13, 12).isoformat(),
        "contact": at(2, 14, 17, 30).isoformat(),
        "finish": at(2, 27, 17, 30).isoformat(),
        "original_finish": at(2, 27, 17, 30).isoformat(),
        "visit": None,
    }
    assert payload["unit"] == city.streets[0].pk


def _due(order):
    order = reloaded(order)
    return order.due_at, order.warn_at, order.sweep_at


def test_the_deadline_in_force_follows_the_state(city):
    with clock.frozen_at(FRIDAY):
        order = stall_complaint(city)
        assert _due(order) == (None, None, None)
        order = services.dispatch_order(order=order, actor=city.dispatcher)
    # Waiting for acceptance: yellow at 80 % of the 2 working hours, the worker looks at the
    # deadline.
    assert _due(order) == (at(2, 13, 12), at(2, 13, 11, 36), at(2, 13, 12))
    with clock.frozen_at(at(2, 13, 11)):
        order = services.accept_order(order=order, actor=city.handler())
    # Waiting for the reply: 80 % of 2460 working minutes from the dispatch falls on Thursday 16:18.
    assert _due(order) == (at(2, 27, 17, 30), at(2, 26, 16, 18), at(2, 27, 17, 30))
    with clock.frozen_at(at(2, 25, 10)):
        order = services.reply_order(
            order=order, actor=city.handler(), result="摊贩已劝离", solved=True
        )
    assert _due(order) == (None, None, None)  # the centre's review has no deadline
    with clock.frozen_at(at(2, 25, 11)):
        order = services.approve_reply(order=order, actor=city.dispatcher)
    # The visit is due in 3 working days: 02-26, 02-27 and the make-up Saturday 02-28; not urged.
    assert reloaded(order).visit_deadline == at(2, 28, 17, 30)
    assert _due(order) == (at(2, 28, 17, 30), at(2, 28, 10, 48), None)
    with clock.frozen_at(at(2, 26, 9)):
        order = services.visit_order(
            order=order, actor=city.visitor, resolved=True, satisfaction="satisfied"
        )
    assert _due(order) == (None, None, None)


def test_an_approved_extension_moves_the_finish_deadline_by_working_days_and_keeps_the_original(
    city,
):
    order = dispatched_on_friday(city)
    with clock.frozen_at(at(2, 24, 9)):
        order = services.accept_order(order=order, actor=city.handler())
        order = services.request_extension(
            order=order, actor=city.handler(), days=3, reason="需协调城管与市场监管"
        )
        assert reloaded(order).finish_deadline == at(2, 27, 17, 30)  # a request alone moves nothing
        order = services.approve_extension(order=order, actor=city.dispatcher)
    order = reloaded(order)
    # 02-28 is a make-up Saturday, then Monday 03-02 and Tuesday 03-03.
    assert order.finish_deadline == at(3, 3, 17, 30)
    assert order.original_finish_deadline == at(2, 27, 17, 30)
    assert (order.due_at, order.sweep_at) == (at(3, 3, 17, 30), at(3, 3, 17, 30))
    assert order.extension_requested_days is None
    event = order.events.get(seq=order.version)
    assert event.payload == {"days": 3, "deadlines": {"finish": at(3, 3, 17, 30).isoformat()}}


def test_a_denied_extension_leaves_the_deadline(city):
    order = dispatched_on_friday(city)
    order = services.accept_order(order=order, actor=city.handler())
    order = services.request_extension(order=order, actor=city.handler(), days=3, reason="需协调")
    order = services.deny_extension(order=order, actor=city.supervisor, reason="时限内可办结")
    order = reloaded(order)
    assert (order.finish_deadline, order.extension_requested_days) == (at(2, 27, 17, 30), None)


def test_a_rejected_reply_goes_back_to_the_unit_with_the_same_deadline(city):
    order = dispatched_on_friday(city)
    order = services.accept_order(order=order, actor=city.handler())
    order = services.reply_order(order=order, actor=city.handler(), result="已处理", solved=True)
    with clock.frozen_at(at(2, 26, 10)):
        order = services.reject_reply(order=order, actor=city.dispatcher, reason="未说明处理结果")
    order = reloaded(order)
    assert order.status == S.ACCEPTED
    assert (order.finish_deadline, order.original_finish_deadline) == (
        at(2, 27, 17, 30),
        at(2, 27, 17, 30),
    )
    assert order.due_at == at(2, 27, 17, 30)
    assert order.replied_at is None
    assert "deadlines" not in order.events.get(seq=order.version).payload


def test_a_reopened_order_goes_back_to_the_same_unit_with_three_working_days(city):
    with clock.frozen_at(at(3, 2, 10)):
        order = factories.order_in(S.CLOSED, city)
    with clock.frozen_at(at(3, 4, 15)):
        order = services.reopen_order(order=order, actor=city.visitor, reason="摊贩又回来了")
    order = reloaded(order)
    assert (order.status, order.unit, order.reopen_count) == (S.DISPATCHED, city.streets[0], 1)
    assert order.accept_deadline == at(3, 4, 17)
    assert (
        order.finish_deadline == order.original_finish_deadline == at(3, 9, 17, 30)
    )  # Thu, Fri, Mon
    assert (order.visit_deadline, order.closed_at, order.resolved, order.satisfaction) == (
        None,
        None,
        None,
        "",
    )
    assert order.due_at == order.accept_deadline


def test_each_reopen_counts(city):
    order = factories.order_in(S.PENDING_VISIT, city)
    order = services.reopen_order(order=order, actor=city.visitor, reason="不满意")
    order = services.accept_order(order=order, actor=city.handler())
    order = services.reply_order(order=order, actor=city.handler(), result="再次清运", solved=True)
    order = services.approve_reply(order=order, actor=city.dispatcher)
    order = services.reopen_order(order=order, actor=city.dispatcher, reason="仍不满意")
    assert reloaded(order).reopen_count == 2


def test_only_the_first_contact_counts(city):
    order = dispatched_on_friday(city)
    order = services.accept_order(order=order, actor=city.handler())
    with clock.frozen_at(at(2, 13, 14)):
        order = services.record_contact(order=order, actor=city.handler(), way="电话")
    with clock.frozen_at(at(2, 14, 9)):
        order = services.record_contact(order=order, actor=city.handler(), way="上门")
    assert reloaded(order).first_contact_at == at(2, 13, 14)
    contacts = order.events.filter(action=A.RECORD_CONTACT).order_by("seq")
    assert [e.payload for e in contacts] == [
        {"way": "电话", "first": True},
        {"way": "上门", "first": False},
    ]


def test_a_merged_order_points_to_its_master_which_stays_as_it_was(city):
    master = factories.order_in(S.ACCEPTED, city)
    duplicate = factories.order_in(S.DISPATCHED, city)
    master_before = snapshot(master)[0]
    order = reloaded(services.merge_order(order=duplicate, actor=city.dispatcher, master=master))
    assert (order.status, order.duplicate_of) == (S.MERGED, master)
    assert order.closed_at is not None and order.due_at is None and order.sweep_at is None
    assert order.events.get(seq=order.version).payload == {
        "master": master.pk,
        "master_number": master.number,
    }
    assert list(master.duplicates.all()) == [order]
    assert snapshot(master)[0] == master_before


def test_an_approved_return_takes_the_order_back_from_the_unit(city):
    order = factories.order_in(S.RETURNED, city, cohandlers=[city.departments["城市管理局"]])
    order = reloaded(services.approve_return(order=order, actor=city.dispatcher))
    assert (order.status, order.unit, order.handling_unit, order.due_at) == (
        S.PENDING_DISPATCH,
        None,
        None,
        None,
    )
    assert not order.cohandlers.exists()
    assert order.accept_deadline is order.finish_deadline is None
    assert order.events.get(seq=order.version).payload["previous_unit"] == city.streets[0].pk


def test_a_rejected_return_keeps_the_unit_and_its_running_deadlines(city):
    order = dispatched_on_friday(city)
    order = services.request_return(order=order, actor=city.lead(), reason="不属于本街道")
    order = reloaded(
        services.reject_return(order=order, actor=city.dispatcher, reason="地址在本街道")
    )
    assert (order.status, order.unit, order.accept_deadline) == (
        S.DISPATCHED,
        city.streets[0],
        at(2, 13, 12),
    )
    assert order.due_at == at(2, 13, 12)


def test_a_reassigned_order_starts_over_at_the_new_unit(city):
    order = dispatched_on_friday(city)
    with clock.frozen_at(at(2, 24, 9)):
        order = services.reassign_order(
            order=order, actor=city.dispatcher, unit=city.streets[1], reason="地址在东城2"
        )
    order = reloaded(order)
    assert (order.status, order.unit) == (S.DISPATCHED, city.streets[1])
    assert order.accept_deadline == at(2, 24, 11)
    assert order.finish_deadline == at(3, 2, 17, 30)  # 02-25, 26, 27, 28 (make-up), 03-02


# --- order numbers --------------------------------------------------------------------------------


def test_order_numbers_are_the_local_date_and_a_daily_sequence(city):
    with clock.frozen_at(at(3, 1, 8)):
        first = factories.register(city)
    with clock.frozen_at(at(3, 1, 23, 59)):
        second = factories.register(city)
    # 00:01 in Shanghai is still 03-01 in UTC: the local date counts, and the sequence restarts.
    with clock.frozen_at(at(3, 2, 0, 1)):
        third = factories.register(city)
    assert [first.number, second.number, third.number] == [
        "2026030100001",
        "2026030100002",
        "2026030200001",
    ]
    assert all(re.fullmatch(r"\d{13}", o.number) for o in (first, second, third))


# --- refusals specific to dispatch ----------------------------------------------------------------


def test_an_order_without_a_category_cannot_be_dispatched(city):
    order = factories.register(city, category_code="")
    before = snapshot(order)
    with pytest.raises(InvalidInput) as excinfo:
        services.dispatch_order(order=order, actor=city.dispatcher)
    assert "category" in excinfo.value.errors
    assert snapshot(order) == before
    order = services.dispatch_order(order=order, actor=city.dispatcher, category_code="02.01")
    assert (order.status, order.unit, order.category.code) == (
        S.DISPATCHED,
        city.streets[0],
        "02.01",
    )
    assert order.events.get(seq=order.version).payload["changed"]["category"]["from"] is None


@pytest.mark.parametrize("how", ["named", "by the catalogue"])
def test_an_order_cannot_be_dispatched_to_the_centre(city, how):
    if how == "named":
        order, kwargs = factories.register(city), {"unit": city.centre}
    else:  # 14.01 is answered by the centre itself, so there is no unit to dispatch to
        order, kwargs = (
            factories.register(city, category_code="14.01", order_type="consultation"),
            {},
        )
    before = snapshot(order)
    with pytest.raises(InvalidInput) as excinfo:
        services.dispatch_order(order=order, actor=city.dispatcher, **kwargs)
    assert "unit" in excinfo.value.errors
    assert snapshot(order) == before


def test_the_responsible_unit_cannot_also_be_a_co_handler(city):
    order = factories.register(city)
    before = snapshot(order)
    with pytest.raises(InvalidInput) as excinfo:
        services.dispatch_order(order=order, actor=city.dispatcher, cohandlers=[city.streets[0]])
    assert "cohandlers" in excinfo.value.errors
    assert snapshot(order) == before


# --- the event log --------------------------------------------------------------------------------


def test_every_action_appends_exactly_one_event_saying_who_did_what_from_which_state(city):
    team, dept = city.team, city.departments["城市管理局"]
    master = factories.register(city)
    steps = [
        (
            A.REVIEW,
            city.dispatcher,
            lambda o, a: services.review_order(order=o, actor=a, urgency="normal"),
        ),
        (
            A.DISPATCH,
            city.dispatcher,
            lambda o, a: services.dispatch_order(order=o, actor=a, cohandlers=[dept]),
        ),
        (
            A.REQUEST_RETURN,
            city.handler(),
            lambda o, a: services.request_return(order=o, actor=a, reason="非本单位"),
        ),
        (
            A.REJECT_RETURN,
            city.dispatcher,
            lambda o, a: services.reject_return(order=o, actor=a, reason="属本单位"),
        ),
        (A.URGE, None, lambda o, a: services.urge_order(order=o, actor=a)),
        (A.ACCEPT, city.lead(), lambda o, a: services.accept_order(order=o, actor=a)),
        (
            A.PASS_DOWN,
            city.lead(),
            lambda o, a: services.pass_down(order=o, actor=a, sub_unit=team),
        ),
        (
            A.RECORD_CONTACT,
            city.handler(team),
            lambda o, a: services.record_contact(order=o, actor=a),
        ),
        (
            A.REQUEST_EXTENSION,
            city.handler(),
            lambda o, a: services.request_extension(order=o, actor=a, days=2, reason="协调"),
        ),
        (
            A.APPROVE_EXTENSION,
            city.supervisor,
            lambda o, a: services.approve_extension(order=o, actor=a),
        ),
        (
            A.STAGE_REPLY,
            city.handler(team),
            lambda o, a: services.stage_reply(order=o, actor=a, text="已约谈"),
        ),
        (
            A.ASSIST,
            city.handler(dept),
            lambda o, a: services.assist_order(order=o, actor=a, opinion="协助"),
        ),
        (
            A.SUPERVISE,
            city.supervisor,
            lambda o, a: services.supervise_order(order=o, actor=a, instructions="限期"),
        ),
        (
            A.CONVERT_TO_CASE,
            city.handler(team),
            lambda o, a: services.convert_to_case(order=o, actor=a, case_number="ZF-9"),
        ),
        (
            A.REPLY,
            city.handler(team),
            lambda o, a: services.reply_order(order=o, actor=a, result="已立案查处", solved=True),
        ),
        (
            A.REJECT_REPLY,
            city.dispatcher,
            lambda o, a: services.reject_reply(order=o, actor=a, reason="补充照片"),
        ),
        (
            A.REPLY,
            city.lead(),
            lambda o, a: services.reply_order(order=o, actor=a, result="已补充", solved=True),
        ),
        (A.APPROVE_REPLY, city.dispatcher, lambda o, a: services.approve_reply(order=o, actor=a)),
        (
            A.REOPEN,
            city.visitor,
            lambda o, a: services.reopen_order(order=o, actor=a, reason="不满意"),
        ),
        (
            A.REASSIGN,
            city.dispatcher,
            lambda o, a: services.reassign_order(
                order=o, actor=a, unit=city.streets[1], reason="改派"
            ),
        ),
        (
            A.MERGE,
            city.dispatcher,
            lambda o, a: services.merge_order(order=o, actor=a, master=master),
        ),
    ]
    moment = at(3, 2, 9)
    with clock.frozen_at(moment):
        order = factories.register(city, category_code="01.01")
    first = order.events.get()
    assert (
        first.seq,
        first.action,
        first.from_status,
        first.to_status,
        first.actor,
        first.actor_role,
    ) == (1, A.REGISTER, "", S.REGISTERED, city.operator, Role.OPERATOR)
    for action, actor, call in steps:
        moment += timedelta(minutes=7)
        before = order.status
        with clock.frozen_at(moment):
            order = call(order, actor)
        events = list(order.events.order_by("seq"))
        assert len(events) == order.version, action
        event = events[-1]
        assert (event.action, event.at, event.from_status, event.to_status) == (
            action,
            moment,
            before,
            order.status,
        )
        assert event.actor == actor
        assert event.actor_role == (actor.role if actor else Role.SYSTEM)
        assert event.actor_unit_id == (actor.unit_id if actor else None)
        assert event.unit_id == order.unit_id, action
    assert order.status == S.MERGED
    assert Event.objects.filter(order=order).count() == len(steps) + 1


def test_events_cannot_be_changed_or_deleted_through_the_model(city):
    event = factories.order_in(S.DISPATCHED, city).events.get(seq=1)
    event.note = "改写历史"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(note="改写历史")
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).note == ""


def test_the_database_refuses_to_update_an_event(city):
    event = factories.order_in(S.DISPATCHED, city).events.get(seq=2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE orders_event SET to_status = %s WHERE id = %s", [S.CLOSED, event.pk])
    assert Event.objects.get(pk=event.pk).to_status == S.DISPATCHED


@postgres_only
def test_the_database_refuses_to_delete_an_event(city):
    order = factories.order_in(S.DISPATCHED, city)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM orders_event WHERE order_id = %s", [order.pk])
    assert order.events.count() == 2


# --- review ---------------------------------------------------------------------------------------


def test_a_review_correcting_the_address_moves_the_order_to_the_new_area(city):
    order = factories.register(city)
    order = reloaded(
        services.review_order(
            order=order, actor=city.dispatcher, address="西城1路12号", urgency="urgent"
        )
    )
    assert (order.status, order.address, order.urgency) == (
        S.PENDING_DISPATCH,
        "西城1路12号",
        "urgent",
    )
    assert (order.district, order.street, order.community) == (
        city.districts[1],
        city.streets[2],
        None,
    )
    changed = order.events.get(seq=order.version).payload["changed"]
    assert changed["address"] == {"from": "东城1路11小区3栋", "to": "西城1路12号"}
    assert changed["urgency"] == {"from": "normal", "to": "urgent"}
    order = services.dispatch_order(order=order, actor=city.dispatcher)
    assert order.unit == city.streets[2]


def test_a_review_choosing_the_area_by_hand_keeps_the_callers_address(city):
    order = factories.register(city, address="", category_code="01.01")
    assert order.street is None
    order = services.review_order(order=order, actor=city.dispatcher, area=city.communities[2])
    order = reloaded(order)
    assert (order.district, order.street, order.community) == (
        city.districts[0],
        city.streets[1],
        city.communities[2],
    )
    order = factories.register(city, address="东城1路11小区3栋")
    order = reloaded(
        services.review_order(order=order, actor=city.dispatcher, area=city.communities[3])
    )
    assert order.address == "东城1路11小区3栋"
    assert (order.street, order.community) == (city.streets[1], city.communities[3])


def test_a_review_without_corrections_records_none(city):
    order = services.review_order(
        order=factories.register(city), actor=city.dispatcher, note="信息完整"
    )
    event = order.events.get(seq=order.version)
    assert (event.payload, event.note) == ({}, "信息完整")


def test_an_operator_answering_on_the_spot_may_classify_the_order(city):
    order = factories.register(city, order_type="consultation", category_code="")
    order = services.answer_on_the_spot(
        order=order,
        actor=city.operator,
        answer="工作日 9:00-17:00 办理",
        category_code="14.01",
        article="KB-办事指南",
    )
    assert (order.status, order.category.code) == (Status.CLOSED, "14.01")
    event = order.events.get(seq=order.version)
    assert event.payload["changed"]["category"]["from"] is None
    assert event.payload["article"] == "KB-办事指南"


def test_an_answer_on_the_spot_with_an_unknown_category_changes_nothing(city):
    order = factories.register(city, order_type="consultation")
    with pytest.raises(InvalidInput, match="99.99"):
        services.answer_on_the_spot(
            order=order, actor=city.operator, answer="已答复", category_code="99.99"
        )
    assert WorkOrder.objects.get(pk=order.pk).status == Status.REGISTERED
