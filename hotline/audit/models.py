from django.db import models

from hotline.core.models import AppendOnly
from hotline.orders.models import WorkOrder
from hotline.org.models import User


class PersonalDataAccess(AppendOnly):
    """Someone saw a citizen's personal data unmasked: who, which order, when, through what and
    why. Rows are only ever added."""

    at = models.DateTimeField("时间", db_index=True)
    user = models.ForeignKey(
        User, verbose_name="查看人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Empty for an export, whose record says how many orders it held.
    order = models.ForeignKey(
        WorkOrder,
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    what = models.CharField("内容", max_length=100)
    purpose = models.CharField("用途", max_length=100)
    channel = models.CharField("途径", max_length=20)  # web, api, export

    class Meta:
        verbose_name = verbose_name_plural = "个人信息查看记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.order_id}"
