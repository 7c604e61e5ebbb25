from django.dispatch import receiver

from hotline.orders.models import Event, WorkOrder
from hotline.orders.signals import event_recorded

from .services import enqueue_for_event


@receiver(event_recorded, dispatch_uid="notifications.enqueue")
def enqueue(sender: type[Event], order: WorkOrder, event: Event, **kwargs: object) -> None:
    enqueue_for_event(order, event)
