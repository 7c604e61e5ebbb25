from django.dispatch import receiver

from hotline.orders.signals import event_recorded

from .services import enqueue_for_event


@receiver(event_recorded, dispatch_uid="notifications.enqueue")
def enqueue(sender, order, event, **kwargs):
    enqueue_for_event(order, event)
