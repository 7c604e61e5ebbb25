"""The worker delivers the outbox: retries with backoff, never loses a message, never waits on a
dead gateway message by message."""

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from hotline.core import clock
from hotline.notifications import services
from hotline.notifications.models import Message
from hotline.notifications.services import LEASE, deliver_due, retry_delay, retry_failed
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.factories import City

from .gateway import Gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipts(city: City):
    """Three registered orders, each with one receipt SMS waiting, all created at ``START``."""
    with clock.frozen_at(START):
        return [factories.register(city, caller_phone=f"1381234567{i}") for i in range(3)]


START = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def deliver(at, **kwargs):
    with clock.frozen_at(at):
        return deliver_due(**kwargs)


def outbox():
    return list(Message.objects.order_by("pk"))


def test_due_messages_go_out_through_the_channels_backend(receipts, outbox: list[dict]) -> None:
    assert deliver(START) == {"sent": 3, "retrying": 0, "failed": 0}
    assert [m["to"] for m in outbox] == ["13812345670", "13812345671", "13812345672"]
    assert {(m.status, m.attempts, m.sent_at) for m in Message.objects.all()} == {
        ("sent", 1, START)
    }


def test_a_sent_message_is_not_sent_again(receipts, outbox: list[dict]) -> None:
    deliver(START)
    assert deliver(START + timedelta(hours=1)) == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(outbox) == 3


def test_the_http_gateway_gets_the_number_and_the_text_as_configured(
    receipts, settings: Settings
) -> None:
    with Gateway() as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(
            data={"mobile": "{phone}", "content": "{text}", "ref": "hotline-{id}"},
            headers={"Authorization": "Bearer s3cret"},
        )
        deliver(START)
    method, path, form, headers = gateway.received[0]
    first = outbox()[0]
    assert (method, path) == ("POST", "/send")
    assert form == {"mobile": "13812345670", "content": first.body, "ref": f"hotline-{first.pk}"}
    assert headers["Authorization"] == "Bearer s3cret"


def test_a_get_gateway_takes_the_values_quoted_in_its_url(receipts, settings: Settings) -> None:
    with Gateway() as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(method="GET")
        settings.HOTLINE_NOTIFY_BACKENDS["sms"]["OPTIONS"]["url"] = (
            gateway.url + "/send?to={phone}&msg={text}"
        )
        deliver(START)
    method, path, _, _ = gateway.received[0]
    assert method == "GET" and path.startswith("/send?to=13812345670&msg=%E3%80%9012345%E3%80%91")


def test_a_flaky_gateway_is_retried_within_one_delivery(receipts, settings: Settings) -> None:
    with Gateway(answers=[503, 502, 200]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(attempts=3)
        assert deliver(START, limit=1) == {"sent": 1, "retrying": 0, "failed": 0}
    assert len(gateway.received) == 3


def test_a_gateway_that_stays_down_leaves_the_message_queued_with_the_reason(
    receipts, settings: Settings
) -> None:
    with Gateway(answers=[503]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(attempts=2)
        assert deliver(START, limit=1) == {"sent": 0, "retrying": 1, "failed": 0}
    (waiting, *_) = outbox()
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (
        "pending",
        1,
        START + timedelta(minutes=1),
    )
    assert "503" in waiting.last_error


def test_retries_back_off_from_a_minute_to_half_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4, 5, 6, 7, 20, 1000)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30, 30, 30)
    ]


def test_after_one_failure_the_rest_of_the_batch_waits_instead_of_trying(
    receipts, settings: Settings
) -> None:
    with Gateway(answers=[503]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(attempts=1)
        assert deliver(START) == {"sent": 0, "retrying": 3, "failed": 0}
    assert len(gateway.received) == 1
    assert {m.status for m in outbox()} == {"pending"}


def test_a_number_the_gateway_rejects_is_marked_failed_and_not_retried(
    receipts, settings: Settings
) -> None:
    with Gateway(answers=[400]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings()
        assert deliver(START, limit=1) == {"sent": 0, "retrying": 0, "failed": 1}
        assert (
            deliver(START + timedelta(days=1), limit=1)["failed"] == 1
        )  # the next one, not the same again
    assert len(gateway.received) == 2
    failed = outbox()[0]
    assert (failed.status, failed.next_attempt_at) == (
        "failed",
        None,
    ) and "400" in failed.last_error


def test_failed_messages_can_be_queued_again(
    receipts, settings: Settings, outbox: list[dict]
) -> None:
    with Gateway(answers=[400]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings()
        deliver(START)
    settings.HOTLINE_NOTIFY_BACKENDS["sms"] = {
        "BACKEND": "hotline.notifications.backends.MemoryBackend"
    }
    with clock.frozen_at(START + timedelta(hours=1)):
        assert retry_failed(order=receipts[0]) == 1
    assert deliver(START + timedelta(hours=1)) == {"sent": 1, "retrying": 0, "failed": 0}
    assert [m["order"] for m in outbox] == [receipts[0].number]


def test_a_message_claimed_by_a_worker_that_died_comes_back_after_the_lease(
    receipts, outbox: list[dict]
) -> None:
    with clock.frozen_at(START):
        services._claim(limit=3)  # the worker claims, then dies before sending
    assert deliver(START + LEASE - timedelta(seconds=1))["sent"] == 0
    assert deliver(START + LEASE)["sent"] == 3
    assert len(outbox) == 3


def test_a_gateway_down_for_a_day_loses_nothing_and_sends_each_message_once(
    city: City, settings: Settings
) -> None:
    """Orders keep coming while the gateway is down; the worker runs every five minutes."""
    with Gateway() as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings(attempts=1)
        gateway.down = True
        moment, back_at = START, START + timedelta(days=1)
        while moment < back_at + timedelta(hours=1):
            if moment < back_at and moment.minute == 0:
                with clock.frozen_at(moment):
                    factories.register(city, caller_phone="13812345678")
            gateway.down = moment < back_at
            deliver(moment, limit=50)
            moment += timedelta(minutes=5)
        sent = [form["text"] for _, _, form, _ in gateway.received]
    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert len(bodies) == 24 and sorted(sent) == bodies  # every receipt, exactly once
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    assert max(Message.objects.values_list("sent_at", flat=True)) <= back_at + timedelta(minutes=30)


def test_the_command_counts_the_outbox_and_queues_failed_messages_again(
    receipts, settings: Settings
) -> None:
    with Gateway(answers=[400]) as gateway:
        settings.HOTLINE_NOTIFY_BACKENDS["sms"] = gateway.settings()
        deliver(START, limit=2)
    out = StringIO()
    call_command("notifications", "status", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"pending": 1, "sent": 0, "failed": 2}
    call_command("notifications", "retry", "--order", receipts[1].number, stdout=out)
    call_command("notifications", "status", stdout=out)
    assert out.getvalue().splitlines()[1:] == [
        "重新排队 1 条失败的通知",
        "待发送 2，已发送 0，发送失败 1",
    ]


def test_the_command_refuses_an_unknown_order() -> None:
    with pytest.raises(CommandError, match="没有工单 2099010100001"):
        call_command("notifications", "retry", "--order", "2099010100001")


class BrokenBackend:
    def __init__(self, **options) -> None:
        pass

    def send(self, message) -> None:
        raise KeyError("a bug in a backend")

    def close(self) -> None:
        pass


def test_a_broken_backend_does_not_stop_the_worker_and_its_messages_wait(
    receipts, settings: Settings
) -> None:
    settings.HOTLINE_NOTIFY_BACKENDS["sms"] = {"BACKEND": f"{__name__}.BrokenBackend"}
    assert deliver(START) == {"sent": 0, "retrying": 3, "failed": 0}
    assert {m.status for m in outbox()} == {"pending"} and "KeyError" in outbox()[0].last_error
