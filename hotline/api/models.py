from django.db import models

from hotline.org.models import User


class ApiToken(models.Model):
    """A secret that lets another system act as a user through the API. Only its hash is kept:
    the token itself is shown once, when it is created."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(
        "前缀", max_length=8, db_index=True, help_text="令牌的前 8 位，用于识别和吊销"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class IdempotencyKey(models.Model):
    """The first answer to a POST that carried an ``Idempotency-Key`` header: a retry with the same
    key gets this answer again instead of acting twice. Written in the same transaction as what
    the request changed, so a request cut off before its commit left neither."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(
        max_length=64, help_text="method, path and body of the first request"
    )
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.key}"
