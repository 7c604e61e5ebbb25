from django.db import models


class ModelVersion(models.Model):
    """A trained triage model, stored so that every process can load it; the newest active one
    is in use (each process notices a new one within seconds, no restart needed)."""

    class Source(models.TextChoices):
        CORPUS = "corpus", "生成语料（冷启动）"
        HISTORY = "history", "本中心历史工单"

    created_at = models.DateTimeField("训练时间", auto_now_add=True)
    source = models.CharField("训练数据", max_length=20, choices=Source.choices)
    examples = models.PositiveIntegerField("样本数")
    metrics = models.JSONField("评估", default=dict, blank=True)
    blob = models.BinaryField("模型")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "分派模型"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"v{self.pk} {self.get_source_display()} ({self.examples:,})"
