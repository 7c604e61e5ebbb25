from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "hotline.analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from . import signals  # noqa: F401
