from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "hotline.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from . import signals  # noqa: F401
