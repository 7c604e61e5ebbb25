from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    verbose_name = "账户安全"

    def ready(self) -> None:
        from . import checks, sessions  # noqa: F401  (system checks; the login-time stamp)
