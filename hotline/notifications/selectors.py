from django.db.models import Count

from hotline.orders.models import WorkOrder
from hotline.orders.selectors import visible_caller
from hotline.org.models import User

from .models import Message


def delivery_log(user: User, order: WorkOrder) -> list[Message]:
    """The messages about an order, oldest first, with ``shown_recipient`` as ``user`` may see
    it: a citizen's number follows ``visible_caller`` (masked for units, nothing of a
    confidential reporter); a unit's duty contacts are shown as they are."""
    phone_shown = visible_caller(user, order)[1]
    messages = list(Message.objects.filter(order=order).order_by("created_at", "pk"))
    for m in messages:
        m.shown_recipient = phone_shown if m.to_citizen else m.recipient
    return messages


def outbox_counts() -> dict[str, int]:
    """Messages by status (待发送 / 已发送 / 发送失败)."""
    counts = dict.fromkeys(Message.Status.values, 0)
    counts |= {row["status"]: row["n"] for row in Message.objects.values("status").annotate(n=Count("pk"))}
    return counts
