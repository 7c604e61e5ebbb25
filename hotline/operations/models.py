from django.db import models


class RetentionRun(models.Model):
    """One run of the retention period (``hotline retention`` or the worker's daily step): what it
    anonymised, so an administrator can see when personal data was removed and how much."""

    started_at = models.DateTimeField("开始时间", db_index=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    days = models.PositiveIntegerField("保留天数")
    cutoff = models.DateTimeField("办结早于")
    dry_run = models.BooleanField("仅预览", default=False)
    source = models.CharField("发起", max_length=20)  # command, worker
    orders = models.PositiveIntegerField("匿名化工单", default=0)
    events = models.PositiveIntegerField("清理事件", default=0)
    messages = models.PositiveIntegerField("清理通知", default=0)
    attachments = models.PositiveIntegerField("删除附件", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息保留期清理记录"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.orders}"
