from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.catalog.models import Category
from hotline.core.models import AppendOnly
from hotline.orders.models import WorkOrder
from hotline.org.models import Unit, User
from hotline.org.roles import Role

from .workflow import Action, Status


class Source(models.TextChoices):
    FINDING = "finding", _("分析发现")  # a hot spot, sudden rise, 每月一题 candidate, hot issue
    ORDERS = "orders", _("一组工单")
    REPEATS = "repeats", _("重复诉求")
    MANUAL = "manual", _("人工录入")


class Batch(models.Model):
    """A batch of problems taken on together (第一批, 第二批, …) with a target date."""

    name = models.CharField(_("批次"), max_length=50, unique=True)
    target = models.DateField(_("目标日期"))

    class Meta:
        ordering = ["target", "name"]
        verbose_name = _("批次")
        verbose_name_plural = _("批次")

    def __str__(self) -> str:
        return self.name


class Problem(models.Model):
    """A hard problem behind many orders, owned by a leader (包案) and a lead unit.

    Like an order, its columns are the projection of its events (``ProblemEvent``) and
    ``version`` counts them, so a stale copy is detected."""

    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("来源说明"), max_length=200, blank=True)

    area = models.ForeignKey(
        Unit, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    address = models.CharField(_("地点"), max_length=200, blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("分类"), blank=True)

    leader = models.ForeignKey(
        User, verbose_name=_("包案领导"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_problems",
    )  # fmt: skip
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_problems",
    )  # fmt: skip
    responsible = models.ForeignKey(
        User, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    deadline = models.DateTimeField(_("办结时限"), null=True, blank=True)
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="problems",
    )  # fmt: skip

    watch_weeks = models.PositiveSmallIntegerField(_("观察周数"), default=4)
    watch_threshold = models.PositiveSmallIntegerField(_("观察期允许工单数"), default=0)
    proposed_at = models.DateTimeField(_("提出时间"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    recurred_at = models.DateTimeField(_("回潮时间"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("难题")
        verbose_name_plural = _("难题")

    def __str__(self) -> str:
        return self.title


class ProblemEvent(AppendOnly):
    """One action taken on a problem: its timeline and audit. Rows are only ever added."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    actor_role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["problem", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "seq"], name="problem_event_seq_unique")
        ]
        verbose_name = _("难题记录")
        verbose_name_plural = _("难题记录")


class LinkedOrder(models.Model):
    """An order linked to a problem, with why; unlinking keeps the row (``unlinked_at``)."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="links")
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="problem_links")
    reason = models.CharField(_("关联原因"), max_length=200)
    linked_at = models.DateTimeField(_("关联时间"))
    unlinked_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    unlink_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "order"],
                condition=models.Q(unlinked_at__isnull=True),
                name="one_live_link_per_problem_and_order",
            )
        ]
        verbose_name = _("关联工单")
        verbose_name_plural = _("关联工单")

    def __str__(self) -> str:
        return f"{self.problem_id} ↔ {self.order_id}"


class Measure(models.Model):
    """One measure of a problem's plan (一案一策): who does it, by when, and the proof."""

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="measures")
    text = models.CharField(_("措施"), max_length=300)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT)
    due = models.DateField(_("完成期限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    evidence = models.TextField(_("完成情况"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    meeting = models.ForeignKey(
        "Meeting", verbose_name=_("来自会议决定"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="measures",
    )  # fmt: skip

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("措施")
        verbose_name_plural = _("措施")

    def __str__(self) -> str:
        return self.text


class CallIn(models.Model):
    """吹哨报到: the lead unit calls a unit in on a problem; it reports in (报到) by a deadline
    on working time, saying its part, then reports what it did."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="call_ins")
    unit = models.ForeignKey(Unit, verbose_name=_("报到单位"), on_delete=models.PROTECT)
    called_by = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("吹哨时间"))
    report_deadline = models.DateTimeField(_("报到时限"))
    reason = models.CharField(_("吹哨事由"), max_length=300)
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    part = models.TextField(_("承担工作"), blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("办理情况"), blank=True)
    urged_at = models.DateTimeField(_("超时提醒时间"), null=True, blank=True)

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.unit_id}"


class Meeting(models.Model):
    """集体会诊 / 现场办公: who met where on a problem, and what they decided. A decision can
    become a measure (``Measure.decided_at``)."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="meetings")
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    units = models.ManyToManyField(Unit, verbose_name=_("参会单位"), related_name="+")
    people = models.CharField(_("参会人员"), max_length=500, blank=True)
    decisions = models.TextField(_("会议决定"))

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("集体会诊")
        verbose_name_plural = _("集体会诊")

    def __str__(self) -> str:
        return f"{self.problem_id} @ {self.place}"


class Campaign(models.Model):
    """专项整治: orders of some categories in an area over a period, to be brought down by a
    target against the same weeks a year before; problems and orders may be linked to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    categories = models.ManyToManyField(Category, verbose_name=_("分类"), related_name="+")
    area = models.ForeignKey(
        Unit, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    starts = models.DateField(_("开始日期"))
    ends = models.DateField(_("结束日期"))
    target_drop = models.PositiveSmallIntegerField(_("目标降幅（%）"))
    problems = models.ManyToManyField(
        Problem, verbose_name=_("关联难题"), blank=True, related_name="campaigns"
    )

    class Meta:
        ordering = ["-starts", "name"]
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")

    def __str__(self) -> str:
        return self.name
