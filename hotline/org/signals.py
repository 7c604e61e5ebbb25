from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Unit
from .selectors import forget_area_index


@receiver([post_save, post_delete], sender=Unit)
def _units_changed(**kwargs) -> None:
    forget_area_index()
