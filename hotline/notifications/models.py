from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.orders.models import WorkOrder


class Message(models.Model):
    """One notification to one recipient: the outbox row and, once sent, its delivery log entry.

    Rows are written in the transaction of the action that causes them and delivered later by the
    worker, so a message exists exactly when its action happened, and an unreachable gateway
    delays messages but never loses them.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("受理回执")
        NEW_ORDER = "new_order", _("新工单提醒")
        URGE = "urge", _("催办提醒")
        OVERDUE = "overdue", _("超期提醒")
        SUPERVISED = "supervised", _("督办提醒")
        SURVEY = "survey", _("满意度评价")
        CALL_IN = "call_in", _("吹哨报到通知")
        CALL_IN_LATE = "call_in_late", _("报到超时提醒")
        RECURRED = "recurred", _("难题回潮提醒")

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")  # refused for good (e.g. the gateway rejects the number)

    # About an order, or (吹哨报到, 回潮) about a hard problem.
    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )  # fmt: skip
    problem = models.ForeignKey(
        "problems.Problem", verbose_name="难题", null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )  # fmt: skip
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    recipient = models.CharField("接收方", max_length=254)
    to_citizen = models.BooleanField("发给市民", default=False)
    subject = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("生成时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["order", "created_at", "pk"]
        # Not a partial index on pending rows: SQLite cannot use one for a query whose status
        # arrives as a bound parameter.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
