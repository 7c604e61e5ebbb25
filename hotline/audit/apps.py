from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "hotline.audit"
    verbose_name = "审计"
