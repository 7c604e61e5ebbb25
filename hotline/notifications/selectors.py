from django.db.models import Count

from hotline.orders.models import WorkOrder

from .models import Message


def delivery_log(order: WorkOrder, citizen_phone: str) -> list[Message]:
    """The messages about an order, oldest first, with ``shown_recipient``: the citizen's number
    as the reader may see it (``citizen_phone``, from ``audit.services.reveal_caller``, which
    records a view in full); a unit's duty contacts as they are."""
    messages = list(Message.objects.filter(order=order).order_by("created_at", "pk"))
    for m in messages:
        # What the page and the API show of the recipient: the citizen's phone as the viewer may
        # see it.
        shown = citizen_phone if m.to_citizen else m.recipient
        m.shown_recipient = shown  # type: ignore[attr-defined]
    return messages


def outbox_counts() -> dict[str, int]:
    """Messages by status (待发送 / 已发送 / 发送失败)."""
    counts = dict.fromkeys(Message.Status.values, 0)
    counts |= {
        row["status"]: row["n"] for row in Message.objects.values("status").annotate(n=Count("pk"))
    }
    return counts
