from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "hotline.problems"
    verbose_name = _("难题")
    default_auto_field = "django.db.models.BigAutoField"
