from typing import Any, NoReturn

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> NoReturn:
        raise TypeError(f"{self.model._meta.verbose_name} rows are append-only")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model._meta.verbose_name} rows are append-only")


class AppendOnly(models.Model):
    """A record that is only ever added to: rows are neither changed nor removed through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:  # Model.save's arguments, passed on
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(f"{self._meta.verbose_name} rows are append-only")


class RateCount(models.Model):
    """How many requests one client made to one public form in one window of time.

    Kept in the database rather than a process's memory, so that every worker of every server
    counts against the same limit.
    """

    scope = models.CharField(max_length=40)
    # A digest of the client's address or key: the table never holds an api_key in clear.
    key = models.CharField(max_length=64)
    window_start = models.BigIntegerField(help_text="Unix seconds")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.BigIntegerField(
        db_index=True, help_text="Unix seconds; the row is useless after"
    )

    class Meta:
        verbose_name = "rate count"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="core_ratecount_one_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} @{self.window_start}: {self.count}"
