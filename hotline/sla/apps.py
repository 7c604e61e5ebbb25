from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "时限与工作日历"

    def ready(self) -> None:
        from . import signals  # noqa: F401
