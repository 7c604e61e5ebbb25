from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "hotline.transfer"
    verbose_name = "导入导出"
