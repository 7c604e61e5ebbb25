"""Reads for the data lifecycle."""

from datetime import datetime

from django.db.models import QuerySet

from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status

from .models import RetentionRun

FINAL = (Status.CLOSED, Status.MERGED, Status.CANCELLED)


def due_for_anonymisation(cutoff: datetime) -> QuerySet[WorkOrder]:
    """Finished orders (closed, merged, cancelled) that finished before ``cutoff`` and still hold
    personal data, oldest first. A reopened order has no finish time and is never among them."""
    return WorkOrder.objects.filter(
        anonymised_at__isnull=True, closed_at__lt=cutoff, status__in=FINAL
    ).order_by("closed_at", "pk")


def last_run(*, source: str) -> RetentionRun | None:
    """The latest real (not dry) retention run started by ``source``, or None."""
    return (
        RetentionRun.objects.filter(source=source, dry_run=False)
        .order_by("-started_at", "-pk")
        .first()
    )
