from django.db import models

from hotline.org.models import Unit


class Routing(models.TextChoices):
    LOCAL = "local", "属地（地址所在街道）"
    DEPARTMENT = "department", "职能部门"
    ENTERPRISE = "enterprise", "公用企业"
    HOTLINE = "hotline", "热线中心直接答复"


class Category(models.Model):
    """A leaf of the request taxonomy (诉求分类); codes are stable and shared with other systems."""

    code = models.CharField("编码", max_length=10, unique=True)
    group = models.CharField("大类", max_length=50)
    name = models.CharField("小类", max_length=50)
    routing = models.CharField("派单方式", max_length=20, choices=Routing.choices)
    default_unit = models.CharField(
        "默认承办单位", max_length=100, help_text="职能部门或公用企业的名称；属地类为参考"
    )
    limit_workdays = models.PositiveSmallIntegerField("办理时限（工作日）")
    scope = models.TextField("适用范围", blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "诉求分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.group}/{self.name}"


class DispatchRule(models.Model):
    """An entry of the dispatch catalogue (派单目录): this category, in this area, goes to this
    unit.

    Rules override the category's default routing; a rule for an area also covers the areas below
    it, and a rule without an area covers the whole city.
    """

    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.CASCADE, related_name="rules"
    )
    area = models.ForeignKey(
        Unit,
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind__in": ["district", "street", "community"]},
    )
    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "派单目录"
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="dispatch_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area or '全市'} → {self.unit}"
