from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

from hotline.catalog.choices import OrderType, Urgency

from .policy import DeadlineKind, PolicySpec
from .worktime import Span, SpanUnit

UNIT_CHOICES = [
    (SpanUnit.WORKING_DAYS.value, "工作日"),
    (SpanUnit.WORKING_HOURS.value, "工作小时"),
    (SpanUnit.CALENDAR_DAYS.value, "自然日"),
    (SpanUnit.CALENDAR_HOURS.value, "小时"),
    (SpanUnit.CALENDAR_MINUTES.value, "分钟"),
]
LABELS = {
    DeadlineKind.ACCEPT: "签收",
    DeadlineKind.CONTACT: "先行联系",
    DeadlineKind.FINISH: "办结",
    DeadlineKind.REOPEN_FINISH: "重办办结",
    DeadlineKind.VISIT: "回访",
}


def _amount(label: str) -> models.IntegerField:
    # A plain IntegerField, so that a negative amount reaches clean() and gets a clear message.
    return models.IntegerField(f"{label}时限", null=True, blank=True)


def _unit(label: str) -> models.CharField:
    return models.CharField(f"{label}时限单位", max_length=4, choices=UNIT_CHOICES, blank=True)


class SlaPolicy(models.Model):
    """Deadlines for the orders a policy covers (blank criteria = any); see ``policy.py``."""

    name = models.CharField("名称", max_length=100)
    order_type = models.CharField("诉求类型", max_length=20, choices=OrderType.choices, blank=True)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        to_field="code",
        db_column="category_code",
    )
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, blank=True)
    accept_amount, accept_unit = _amount("签收"), _unit("签收")
    contact_amount, contact_unit = _amount("先行联系"), _unit("先行联系")
    finish_amount, finish_unit = _amount("办结"), _unit("办结")
    reopen_finish_amount, reopen_finish_unit = _amount("重办办结"), _unit("重办办结")
    visit_amount, visit_unit = _amount("回访"), _unit("回访")

    class Meta:
        verbose_name = verbose_name_plural = "时限规则"
        ordering = ["urgency", "order_type", "category"]
        constraints = [
            models.UniqueConstraint(
                "order_type",
                Coalesce("category", Value("")),
                "urgency",
                name="sla_policy_unique_scope",
                violation_error_message="已有适用范围完全相同的时限规则",
            ),
        ]
        constraints += [
            models.CheckConstraint(
                condition=models.Q(**{f"{k}_amount__gt": 0})
                | models.Q(**{f"{k}_amount__isnull": True}),
                name=f"sla_policy_{k}_positive",
            )
            for k in DeadlineKind
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for kind in DeadlineKind:
            amount, unit = getattr(self, f"{kind}_amount"), getattr(self, f"{kind}_unit")
            if amount is not None and amount <= 0:
                errors[f"{kind}_amount"] = f"{LABELS[kind]}时限必须大于 0（填写的是 {amount}）"
            elif (amount is None) != (not unit):
                errors[f"{kind}_unit"] = f"{LABELS[kind]}时限的数值和单位要同时填写或同时留空"
        if not any(getattr(self, f"{k}_amount") is not None for k in DeadlineKind):
            errors["__all__"] = "至少设置一项时限"
        if errors:
            raise ValidationError(errors)

    def spec(self) -> PolicySpec:
        spans = {
            kind: Span(getattr(self, f"{kind}_amount"), SpanUnit(getattr(self, f"{kind}_unit")))
            for kind in DeadlineKind
            if getattr(self, f"{kind}_amount") is not None
        }
        return PolicySpec(self.order_type, self.category_id or "", self.urgency, spans, self.name)


class CalendarDay(models.Model):
    """A day whose status the centre sets itself: a holiday, a make-up workday, a local rest day."""

    day = models.DateField("日期", unique=True)
    workday = models.BooleanField("上班", help_text="勾选：调休上班日；不勾选：放假")
    name = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作日历调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.workday else '放假'} {self.name}"
