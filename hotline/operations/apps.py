from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "hotline.operations"
    verbose_name = "运维"
