from django.conf import settings
from django.db import models


class LoginThrottle(models.Model):
    """Failed logins counted for one username or one client address, and the lock they led to.

    The counts live in the database, not in Django's cache: the default cache is per process, and
    with several gunicorn workers an attacker would get the limit once per worker. One row per
    key, changed under a row lock, so concurrent attempts are all counted. A username is counted
    whether or not an account has that name, so a lock says nothing about which names exist.
    """

    class Scope(models.TextChoices):
        USERNAME = "username", "用户名"
        ADDRESS = "address", "客户端地址"

    scope = models.CharField("类别", max_length=10, choices=Scope.choices)
    key = models.CharField("用户名/地址", max_length=150)
    failures = models.PositiveIntegerField("失败次数", default=0)
    window_start = models.DateTimeField("计数开始")
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # When the row stops mattering (its window and its lock are both over): old rows are removed
    # by this column as new failures come in.
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录失败计数"
        ordering = ["-window_start"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class TwoFactor(models.Model):
    """A user's confirmed TOTP authenticator (两步验证). Only confirmed secrets are stored: one
    being set up waits in the session until its first code is right."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="two_factor",
    )
    secret = models.CharField("密钥", max_length=64)
    confirmed_at = models.DateTimeField("启用时间")
    # The time step of the last code accepted: each code works once (a code seen over a shoulder
    # or in a log cannot be used again within its 30 seconds).
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "两步验证"

    def __str__(self) -> str:
        return str(self.user)
