from django.dispatch import receiver

from hotline.orders.models import Event, WorkOrder
from hotline.orders.signals import event_recorded

from .services import mark_stale


@receiver(event_recorded, dispatch_uid="analytics.mark_stale")
def _order_changed(sender: type[Event], order: WorkOrder, event: Event, **kwargs: object) -> None:
    mark_stale([order.pk])
