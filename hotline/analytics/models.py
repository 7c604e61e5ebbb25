"""The rollups behind the rates: derived data, rebuilt from the event log at will.

``Contribution`` keeps what each order adds (so that a change to an order can be applied to the
rollup as a difference); ``Cell`` is the rollup itself, one row per day × unit × category ×
street × channel; ``Stale`` lists the events not yet applied. Ids are plain integers with 0 for
"none", so that the rollup's key is unique without NULLs and is upserted in one statement.
"""

from django.db import models

from .cohorts import COUNTERS


def _counter_fields() -> dict[str, models.Field]:
    return {name: models.IntegerField(default=0) for name in COUNTERS}


class _Counters(models.Model):
    day = models.DateField()
    unit_id = models.IntegerField()
    category_id = models.IntegerField()
    street_id = models.IntegerField()
    channel = models.CharField(max_length=20)
    # One integer column per counter of cohorts.COUNTERS (the class body's namespace is a dict).
    locals().update(_counter_fields())

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return (
            f"{self.day} unit {self.unit_id} category {self.category_id} "
            f"street {self.street_id} {self.channel}"
        )


class Cell(_Counters):
    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit_id", "category_id", "street_id", "channel"],
                name="analytics_cell_key",
            )
        ]
        indexes = [models.Index(fields=["unit_id", "day"], name="analytics_cell_unit_day")]


class Contribution(_Counters):
    order_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "工单统计贡献"


class Stale(models.Model):
    """An event whose order's contributions are not yet in the rollup (written in the event's
    own transaction; deleted once applied)."""

    order_id = models.BigIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "待汇总"

    def __str__(self) -> str:
        return f"order {self.order_id}"
