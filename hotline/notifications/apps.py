from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "hotline.notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from . import signals  # noqa: F401
