"""Writing and delivering notifications.

``enqueue_for_event`` runs inside the action's transaction (through ``event_recorded``) and only
writes rows; ``deliver_due`` is the worker's part and does the sending, outside any transaction
that holds an order.
"""

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string

from hotline.core import clock
from hotline.orders.models import Event, WorkOrder
from hotline.org.selectors import active_unit

from . import links
from .backends import Backend, DeliveryError, backend_for
from .models import Message
from .rules import Audience, addresses, rule_for

logger = logging.getLogger(__name__)

# A claimed message is out of the queue for this long; if its worker dies it comes back.
LEASE = timedelta(minutes=15)
MAX_RETRY_DELAY = timedelta(minutes=30)


def retry_delay(attempts: int) -> timedelta:
    """One minute after the first failure, doubling, at most ``MAX_RETRY_DELAY``: a gateway that
    is down for a day gets a message within half an hour of coming back."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 16)), MAX_RETRY_DELAY)


def enqueue_for_event(order: WorkOrder, event: Event) -> list[Message]:
    """Write the messages an event causes (see ``rules.RULES``), rendered from the Chinese
    templates as the order stands after the action."""
    rule = rule_for(event.action, event.payload)
    if rule is None:
        return []
    unit = active_unit(order.unit_id) if order.unit_id else None
    recipients = addresses(
        rule.audience,
        caller_phone=order.caller_phone,
        anonymous=order.anonymous,
        duty_phone=unit.duty_phone if unit else "",
        duty_email=unit.duty_email if unit else "",
    )
    if not recipients:
        return []
    context: dict[str, Any] = {"order": order, "event": event}
    if rule.audience == Audience.CITIZEN:
        context |= {
            "tracking_url": links.tracking_url(order.number),
            "survey_url": links.survey_url(order.number),
        }
    subject, _, body = (
        render_to_string(f"notifications/{rule.kind}.txt", context).strip().partition("\n")
    )
    return Message.objects.bulk_create(
        Message(
            order=order,
            kind=rule.kind,
            channel=channel,
            recipient=to,
            to_citizen=rule.audience == Audience.CITIZEN,
            subject=subject.strip(),
            body=body.strip(),
            created_at=event.at,
            next_attempt_at=event.at,
        )
        for channel, to in recipients
    )


def enqueue_about_problem(
    problem: Any, kind: str, *, phone: str, email: str, context: dict[str, Any]
) -> list[Message]:
    """Write the messages of an action on a hard problem (吹哨, a late 报到, 回潮) to one
    recipient's phone and e-mail, as far as they are known; rendered from the Chinese templates."""
    subject, _, body = (
        render_to_string(f"notifications/{kind}.txt", {"problem": problem, **context})
        .strip()
        .partition("\n")
    )
    now = clock.now()
    return Message.objects.bulk_create(
        Message(
            problem=problem,
            kind=kind,
            channel=channel,
            recipient=to,
            subject=subject.strip(),
            body=body.strip(),
            created_at=now,
            next_attempt_at=now,
        )  # fmt: skip
        for channel, to in [(Message.Channel.SMS, phone), (Message.Channel.EMAIL, email)]
        if to
    )


def _claim(limit: int) -> list[Message]:
    now = clock.now()
    due = Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=now)
    if not due.exists():  # the usual case for a worker between bursts: no write transaction
        return []
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Message.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(Message.objects.filter(pk__in=ids).select_related("order").order_by("pk"))


def deliver_due(*, limit: int = 100) -> dict[str, int]:
    """Send the messages that are due, each through its channel's backend.

    A message is sent at least once: a worker that dies while sending lets its claim lapse
    (``LEASE``) and another sends it. A transient failure schedules the next attempt
    (``retry_delay``) and, since the gateway is probably down, postpones the rest of that
    channel's batch instead of waiting on it message by message. A permanent refusal is marked
    failed, with the reason, for a person to look at (``retry_failed``).
    """
    done = {"sent": 0, "retrying": 0, "failed": 0}
    down: dict[str, str] = {}  # channel → why it is skipped for the rest of this batch
    backends: dict[str, Backend] = {}
    sent: list[Message] = []
    unsent: list[Message] = []
    try:
        for message in _claim(limit):
            outcome = _attempt(message, backends, down)
            done[outcome] += 1
            (sent if outcome == "sent" else unsent).append(message)
    finally:
        for backend in backends.values():
            backend.close()
        # The common outcome in one statement; sent_at is when the batch was done with.
        Message.objects.filter(pk__in=[m.pk for m in sent]).update(
            status=Message.Status.SENT,
            sent_at=clock.now(),
            next_attempt_at=None,
            attempts=F("attempts") + 1,
        )
        for message in unsent:
            message.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
    return done


def _attempt(message: Message, backends: dict[str, Backend], down: dict[str, str]) -> str:
    """Try one message and name the outcome; a failure is recorded on the message (saved by
    the caller)."""
    error = None
    try:
        if message.channel in down:
            raise DeliveryError(down[message.channel])
        if message.channel not in backends:
            backends[message.channel] = backend_for(message.channel)
        backends[message.channel].send(message)
    except DeliveryError as e:
        error = e
    except Exception as e:  # a broken backend must not stop the worker: record it, retry later
        logger.exception(
            "notification %s: unexpected error in the %s backend", message.pk, message.channel
        )
        error = DeliveryError(f"发送出错：{e!r}")
    if error is None:
        return "sent"
    message.attempts += 1
    message.last_error = error.reason
    if error.permanent:
        message.status, message.next_attempt_at = Message.Status.FAILED, None
        return "failed"
    down.setdefault(message.channel, f"本批次暂停发送：{error.reason}")
    message.next_attempt_at = clock.now() + retry_delay(message.attempts)
    return "retrying"


def retry_failed(*, order: WorkOrder | None = None) -> int:
    """Put permanently failed messages back in the queue (after the address or the gateway's
    settings were corrected); returns how many."""
    failed = Message.objects.filter(status=Message.Status.FAILED)
    if order is not None:
        failed = failed.filter(order=order)
    return failed.update(status=Message.Status.PENDING, next_attempt_at=clock.now())
