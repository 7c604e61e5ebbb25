"""The retention period: finished orders lose their caller's personal data, the statistics stay.

The rule (``anonymise_due_orders``): an order that is closed, merged or cancelled, and finished
more than ``HOTLINE_RETENTION_DAYS`` days ago, is anonymised once:

- the caller's name is emptied and the phone replaced by ``anonymous_phone`` (a marker, see there);
- phone numbers, ID numbers, e-mail addresses and the caller's name are replaced by labels in
  the title, the request text, the answer, the supervision and close notes, the triage
  suggestions, its events' notes and payloads, and its notifications' subjects and texts;
  citizens' notification recipients are emptied;
- the address keeps the road and compound (``scrub.reduce_address``) and the coordinates are
  rounded to three decimals (about 100 m);
- its attachments are removed (rows now, files once the transaction has committed);
- ``anonymised_at`` is set.

Nothing the statistics read changes: type, category, units, area (district, street, community,
grid), channel, every time and deadline, satisfaction, resolution, and the events' actions,
times and units; so the rollup and every rate stay as they were. The personal-data audit log
keeps its rows (they hold who looked, not what they saw). No event is added: the order's
history is not a new action, and ``RetentionRun`` records each run for administrators.
"""

import logging
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils.translation import gettext as _

from hotline.core import clock
from hotline.core.errors import InvalidInput
from hotline.notifications.models import Message
from hotline.orders.models import Attachment, Event, WorkOrder

from . import scrub
from .models import RetentionRun
from .selectors import FINAL, due_for_anonymisation, last_run

log = logging.getLogger("hotline.operations")

TEXT_FIELDS = ("title", "text", "answer", "supervision_note", "close_reason")
_COORDINATE = Decimal("0.001")


def retention_days(days: int | None = None) -> int:
    """``days``, or the setting, checked: 0 (keep forever) or longer than the reopen window,
    since an order that may still be reopened must keep its caller."""
    days = settings.HOTLINE_RETENTION_DAYS if days is None else days
    window = settings.HOTLINE_REOPEN_WINDOW_DAYS
    if days < 0 or 0 < days <= window:
        raise InvalidInput(
            {
                "days": _("保留天数应为 0（永久保留）或大于重办期限 %(window)s 天，而不是 %(days)s")
                % {"window": window, "days": days}
            }
        )
    return days


def anonymous_phone(order: WorkOrder) -> str:
    """What replaces the caller's phone: "" when there was none, else 匿名 + the order number.
    Not emptied, because the statistics read "the caller left a phone" (first contact is then
    required: 先行联系率's denominator) from a non-empty phone, and a recomputation from the
    events (``hotline analytics verify`` / ``rebuild``) must give the same rates. Unique to the
    order, so it matches no other caller (caller history, repeat callers); not a number, so no
    SMS goes to it and the import refuses it."""
    return f"匿名{order.number}" if order.caller_phone else ""


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(_COORDINATE, rounding=ROUND_HALF_UP)


def _anonymise(order: WorkOrder, now: datetime) -> dict[str, int] | None:
    """Anonymise one order inside the caller's transaction; None when another run took it first."""
    names = [order.caller_name]
    clean = lambda text: scrub.scrub_in_text(text, names=names, address=order.address)  # noqa: E731
    fields: dict[str, Any] = {f: clean(getattr(order, f)) for f in TEXT_FIELDS}
    fields |= {
        "caller_name": "",
        "caller_phone": anonymous_phone(order),
        "address": scrub.reduce_address(order.address),
        "latitude": _round(order.latitude),
        "longitude": _round(order.longitude),
        "suggestions": scrub.scrub_json(order.suggestions, names=names, address=order.address),
        "anonymised_at": now,
    }
    # The claim: only the run whose update finds the order still finished and not anonymised
    # goes on. The events' trigger allows their scrubbing only once this row is marked.
    if not WorkOrder.objects.filter(
        pk=order.pk, anonymised_at__isnull=True, status__in=FINAL
    ).update(**fields):
        return None
    done = {"events": 0, "messages": 0, "attachments": 0}
    for pk, note, payload in Event.objects.filter(order=order).values_list("pk", "note", "payload"):
        new_note, new_payload = (
            clean(note),
            scrub.scrub_json(payload, names=names, address=order.address),
        )
        if (new_note, new_payload) != (note, payload):
            # Past the ORM's append-only guard on purpose; the database trigger still checks
            # that nothing but the note and payload of an anonymised order's event changes.
            models.QuerySet.update(Event.objects.filter(pk=pk), note=new_note, payload=new_payload)
            done["events"] += 1
    messages = list(Message.objects.filter(order=order))
    for m in messages:
        m.subject, m.body, m.last_error = clean(m.subject), clean(m.body), clean(m.last_error)
        if m.to_citizen:
            m.recipient = ""
    Message.objects.bulk_update(messages, ["subject", "body", "last_error", "recipient"])
    done["messages"] = len(messages)
    files = list(Attachment.objects.filter(order=order).values_list("file", flat=True))
    Attachment.objects.filter(order=order).delete()
    done["attachments"] = len(files)
    transaction.on_commit(lambda: _delete_files(files))
    return done


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The row is gone already; a file left behind is reported, not retried.
            log.warning("retention: could not delete attachment file %s", name, exc_info=True)


def anonymise_due_orders(*, cutoff: datetime, limit: int = 200) -> dict[str, int]:
    """Anonymise up to ``limit`` orders finished before ``cutoff`` (the rule: module docstring),
    in one transaction; returns how many orders, events, messages and attachments it changed.
    Orders that are open, finished later, or already anonymised are never touched, so a second
    run over the same orders changes nothing."""
    now = clock.now()
    total = {"orders": 0, "events": 0, "messages": 0, "attachments": 0}
    with transaction.atomic():
        for order in due_for_anonymisation(cutoff)[:limit]:
            if (done := _anonymise(order, now)) is not None:
                total["orders"] += 1
                for key, n in done.items():
                    total[key] += n
    return total


def run_retention(
    *, days: int | None = None, dry_run: bool = False, source: str = "command", batch: int = 200
) -> RetentionRun | None:
    """Apply the retention period (``days``, default the setting) to every due order, ``batch``
    orders per transaction, and record the run; with ``dry_run`` only count the due orders (and
    record that). None, and nothing done, when the period is 0 (keep forever). InvalidInput for
    a period that is negative or within the reopen window."""
    days = retention_days(days)
    if days == 0:
        return None
    started = clock.now()
    cutoff = started - timedelta(days=days)
    run = RetentionRun(started_at=started, days=days, cutoff=cutoff, dry_run=dry_run, source=source)
    if dry_run:
        run.orders = due_for_anonymisation(cutoff).count()
    else:
        while True:
            done = anonymise_due_orders(cutoff=cutoff, limit=batch)
            for key, n in done.items():
                setattr(run, key, getattr(run, key) + n)
            if done["orders"] < batch:
                break
    run.finished_at = clock.now()
    run.save()
    return run


def daily_retention(*, batch: int = 200) -> dict[str, int]:
    """The worker's step: a retention run when the last one the worker started is a day old (or
    there is none). ``{"anonymised": n}`` when it anonymised any order, ``{}`` otherwise (the
    worker prints only what it did; the run itself is recorded either way)."""
    previous = last_run(source="worker")
    if previous is not None and clock.now() - previous.started_at < timedelta(days=1):
        return {}
    run = run_retention(source="worker", batch=batch)
    return {"anonymised": run.orders} if run and run.orders else {}
