from datetime import date
from typing import Self

from django.db import models
from django.db.models import Q

from hotline.catalog.models import Category
from hotline.org.models import Unit, User


class ArticleQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> Self:
        """Articles in force on ``day``: active, started, not expired."""
        return (
            self.filter(active=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        )


class Article(models.Model):
    """What operators read out to answer a consultation on the spot (知识库条目)."""

    title = models.CharField("标题", max_length=200)
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.SET_NULL
    )
    issuing_unit = models.ForeignKey(
        Unit, verbose_name="发布单位", null=True, blank=True, on_delete=models.SET_NULL
    )
    keywords = models.CharField("关键词", max_length=300, blank=True, help_text="以逗号或空格分隔")
    body = models.TextField("内容")
    owner = models.ForeignKey(
        User, verbose_name="维护人", null=True, blank=True, on_delete=models.SET_NULL
    )
    review_by = models.DateField(
        "复核日期", null=True, blank=True, help_text="到期前要复核内容是否仍然有效"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "知识库条目"
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def path(self) -> str:
        """The category path, e.g. 劳动社保 / 社会保险."""
        return f"{self.category.group} / {self.category.name}" if self.category else ""
