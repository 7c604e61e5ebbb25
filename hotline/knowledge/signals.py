from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.core.cache import forget

from .models import Article


@receiver([post_save, post_delete], sender=Article)
def _articles_changed(**kwargs: object) -> None:
    forget("knowledge.")
