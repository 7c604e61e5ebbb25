from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.core.cache import forget

from .models import Unit


@receiver([post_save, post_delete], sender=Unit)
def _units_changed(**kwargs: object) -> None:
    forget("org.", "catalog.")  # the dispatch catalogue holds units too
