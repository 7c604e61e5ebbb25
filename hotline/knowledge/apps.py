from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "hotline.knowledge"
    label = "knowledge"
    verbose_name = "知识库"

    def ready(self) -> None:
        from . import signals  # noqa: F401
