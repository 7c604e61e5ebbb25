from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hotline.portal"
    verbose_name = "市民门户"
