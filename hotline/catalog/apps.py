from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "hotline.catalog"
    label = "catalog"
    verbose_name = "分类与派单目录"

    def ready(self) -> None:
        from . import signals  # noqa: F401
