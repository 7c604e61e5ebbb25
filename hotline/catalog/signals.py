from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.core.cache import forget

from .models import Category, DispatchRule


@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=DispatchRule)
def _catalogue_changed(**kwargs: object) -> None:
    forget("catalog.", "sla.spans")  # policies can name categories
