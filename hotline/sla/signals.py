from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.core.cache import forget

from .models import CalendarDay, SlaPolicy


@receiver([post_save, post_delete], sender=SlaPolicy)
@receiver([post_save, post_delete], sender=CalendarDay)
def _rules_changed(**kwargs: object) -> None:
    forget("sla.")
