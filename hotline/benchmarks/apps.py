from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "hotline.benchmarks"
    verbose_name = "性能测试"
