"""Who is told about a hard problem: the unit called in (吹哨), again when its 报到 is late, and
the leader when the problem comes back (回潮). Messages go through the outbox like orders'."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core import clock
from hotline.notifications.models import Message
from hotline.notifications.services import deliver_due
from hotline.problems import services
from hotline.problems.workflow import Status
from tests import factories
from tests.problems.make import problem_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    c = factories.city()
    for unit in c.departments.values():
        unit.duty_phone, unit.duty_email = "13900000001", "duty@example.gov.cn"
        unit.save(update_fields=["duty_phone", "duty_email"])
    return c


def _called(city):
    department = next(iter(city.departments.values()))
    p = problem_in(Status.IN_PROGRESS, city)
    call = services.call_in(problem=p, actor=city.lead(), unit=department, reason="请派员到场")
    return p, call


def test_the_unit_called_in_is_told_by_sms_and_email_with_its_deadline(city):
    p, call = _called(city)
    sent = {m.channel: m for m in Message.objects.filter(problem=p, kind=Message.Kind.CALL_IN)}
    assert {m.recipient for m in sent.values()} == {"13900000001", "duty@example.gov.cn"}
    deadline = timezone.localtime(call.report_deadline)
    assert p.title in sent[Message.Channel.SMS].body
    assert f"{deadline:%H:%M} 前报到" in sent[Message.Channel.SMS].body


def test_a_late_report_in_is_urged_once_by_the_watch(city):
    p, call = _called(city)
    assert services.urge_late_call_ins() == 0  # not late yet
    with clock.frozen_at(call.report_deadline + timedelta(minutes=1)):
        assert services.watch_problems()["call-ins urged"] == 1
        assert services.urge_late_call_ins() == 0  # told once
    late = Message.objects.filter(problem=p, kind=Message.Kind.CALL_IN_LATE)
    assert late.count() == 2 and all("超时" in m.body for m in late)


def test_a_unit_that_reported_in_is_not_urged(city):
    p, call = _called(city)
    p.refresh_from_db()
    services.report_in(problem=p, actor=city.lead(call.unit), call=call, part="负责检测")
    with clock.frozen_at(call.report_deadline + timedelta(hours=1)):
        assert services.urge_late_call_ins() == 0


def test_the_leader_is_told_when_the_problem_comes_back(city):
    city.supervisor.phone, city.supervisor.email = "13700000002", "leader@example.gov.cn"
    city.supervisor.save(update_fields=["phone", "email"])
    p = problem_in(Status.RECURRED, city)
    told = Message.objects.filter(problem=p, kind=Message.Kind.RECURRED)
    assert {m.recipient for m in told} == {"13700000002", "leader@example.gov.cn"}
    assert all(p.title in m.body for m in told)


def test_problem_messages_are_delivered_by_the_worker_like_orders(city):
    _called(city)
    assert deliver_due()["sent"] == 2
    assert not Message.objects.exclude(status=Message.Status.SENT).exists()
