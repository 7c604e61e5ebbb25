"""Which messages each action writes, and what they say (all in the action's transaction)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.audit.services import reveal_caller
from hotline.core import clock
from hotline.core.errors import PermissionDenied
from hotline.notifications import links
from hotline.notifications.models import Message
from hotline.notifications.selectors import delivery_log
from hotline.orders import services
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


def messages(order, kind):
    return list(Message.objects.filter(order=order, kind=kind).order_by("channel"))


def test_registration_writes_a_receipt_with_the_number_and_a_tracking_link(city: City) -> None:
    order = factories.register(city)
    (receipt,) = messages(order, "receipt")
    assert (receipt.channel, receipt.recipient, receipt.status) == ("sms", "13812345678", "pending")
    assert order.number in receipt.body and links.tracking_url(order.number) in receipt.body
    assert receipt.body.startswith("【12345】") and receipt.to_citizen


def test_an_anonymous_caller_gets_no_receipt(city: City) -> None:
    assert messages(factories.register(city, anonymous=True), "receipt") == []


def test_dispatch_alerts_the_unit_by_sms_and_email_with_its_deadlines(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    email, sms = messages(order, "new_order")  # ordered by channel
    assert (email.channel, email.recipient) == ("email", "duty@dongcheng1.gov.cn")
    assert (sms.channel, sms.recipient) == ("sms", "13900000001")
    assert email.subject == f"新工单 {order.number}：{order.title}"
    accept_by = timezone.localtime(order.accept_deadline)
    assert f"请于 {accept_by.month}月{accept_by.day}日 {accept_by:%H:%M} 前签收" in sms.body
    assert email.body == sms.body


def test_unit_alerts_never_name_the_caller(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city, confidential=True, caller_name="李举报")
    services.urge_order(order=order, actor=city.dispatcher, note="请尽快处理")
    for m in Message.objects.filter(order=order, to_citizen=False):
        assert "李举报" not in m.body + m.subject and "13812345678" not in m.body + m.subject
        assert "5678" not in m.body


def test_a_refused_action_writes_no_message(city: City) -> None:
    order = factories.register(city)
    before = Message.objects.count()
    with pytest.raises(PermissionDenied):
        services.dispatch_order(order=order, actor=city.handler())
    assert Message.objects.count() == before


def test_messages_roll_back_with_their_action(city: City) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.register(city)
        raise RuntimeError("the request failed after registering")
    assert not Message.objects.exists()


def test_a_manual_urge_carries_the_urgers_note(city: City) -> None:
    order = services.urge_order(
        order=factories.order_in(Status.DISPATCHED, city),
        actor=city.dispatcher,
        note="群众多次来电，请今天内联系",
    )
    assert all("群众多次来电，请今天内联系" in m.body for m in messages(order, "urge"))


def test_the_system_urging_an_overdue_order_sends_an_overdue_alert(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    with clock.frozen_at(order.accept_deadline + timedelta(minutes=1)):
        services.sweep_overdue()
    assert {m.channel for m in messages(order, "overdue")} == {"sms", "email"}
    assert messages(order, "urge") == []


def test_supervision_tells_the_unit_the_instructions(city: City) -> None:
    order = services.supervise_order(
        order=factories.order_in(Status.ACCEPTED, city),
        actor=city.supervisor,
        instructions="请分管领导牵头处理",
    )
    assert all("请分管领导牵头处理" in m.body for m in messages(order, "supervised"))


def test_an_approved_reply_sends_the_citizen_a_signed_survey_link(city: City) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    (survey,) = messages(order, "survey")
    token = survey.body.rsplit("/portal/rate/", 1)[1].rstrip("/")
    assert links.survey_number(token) == order.number
    assert links.survey_number(token[:-2] + "xx") is None


def _log(user, order):
    return delivery_log(order, reveal_caller(user, order, channel="web")[1])


def test_the_delivery_log_masks_the_citizens_number_for_units(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)

    def shown(user):
        return sorted(m.shown_recipient for m in _log(user, order))

    assert shown(city.handler()) == ["138****5678", "13900000001", "duty@dongcheng1.gov.cn"]
    assert shown(city.dispatcher) == ["13812345678", "13900000001", "duty@dongcheng1.gov.cn"]


def test_the_delivery_log_shows_nothing_of_a_confidential_reporter(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city, confidential=True)
    assert [m.shown_recipient for m in _log(city.handler(), order) if m.to_citizen] == [""]
    assert [m.shown_recipient for m in _log(city.dispatcher, order) if m.to_citizen] == [""]
