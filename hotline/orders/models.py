import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category
from hotline.core.models import AppendOnly
from hotline.org.models import Unit, User
from hotline.org.roles import Role

from .workflow import Action, Status


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    APP = "app", _("移动应用")
    WECHAT = "wechat", _("微信")
    LETTER = "letter", _("信件")
    WALK_IN = "walk_in", _("来访")
    GRID = "grid", _("网格巡查")
    OPEN311 = "open311", "Open311"
    API = "api", _("系统对接")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class WorkOrder(models.Model):
    """A citizen's request and where it stands.

    Every column here is a projection of the order's events (``Event``): the services change
    both in one transaction, and ``version`` counts the events, so a stale copy is detected.
    """

    number = models.CharField("工单编号", max_length=20, unique=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, db_index=True)

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    order_type = models.CharField("诉求类型", max_length=20, choices=OrderType.choices)
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT
    )
    urgency = models.CharField(
        "紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField("标题", max_length=100)
    text = models.TextField("诉求内容")

    caller_name = models.CharField("来电人", max_length=50, blank=True)
    caller_phone = models.CharField("联系电话", max_length=20, blank=True, db_index=True)
    anonymous = models.BooleanField("匿名", default=False)
    confidential = models.BooleanField("举报人保密", default=False)

    address = models.CharField("地址", max_length=200, blank=True)
    district = models.ForeignKey(
        Unit, verbose_name="区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Unit, verbose_name="街道", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Unit, verbose_name="社区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.CharField("网格", max_length=50, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    unit = models.ForeignKey(
        Unit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    handling_unit = models.ForeignKey(
        Unit,
        verbose_name="下派办理单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_orders",
    )
    cohandlers = models.ManyToManyField(
        Unit, verbose_name="协办单位", blank=True, related_name="cohandled_orders"
    )

    registered_at = models.DateTimeField("登记时间", db_index=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    first_contact_at = models.DateTimeField("先行联系时间", null=True, blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    # Deadlines of the current round of handling; each change is recorded in an event's payload.
    accept_deadline = models.DateTimeField("签收时限", null=True, blank=True)
    contact_deadline = models.DateTimeField("先行联系时限", null=True, blank=True)
    finish_deadline = models.DateTimeField("办结时限", null=True, blank=True)
    original_finish_deadline = models.DateTimeField("原办结时限", null=True, blank=True)
    visit_deadline = models.DateTimeField("回访时限", null=True, blank=True)
    # What the order waits for now: the deadline in force and its 80 % (yellow) point.
    due_at = models.DateTimeField("当前时限", null=True, blank=True)
    warn_at = models.DateTimeField("黄牌时间", null=True, blank=True)
    # When the worker must look at the order next (urge, escalate); null when nothing is pending.
    sweep_at = models.DateTimeField(null=True, blank=True, editable=False)

    extension_requested_days = models.PositiveSmallIntegerField(
        "申请延期天数", null=True, blank=True
    )
    urge_count = models.PositiveIntegerField("催办次数", default=0)
    last_urged_at = models.DateTimeField("最近催办", null=True, blank=True)
    urged_deadline = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="系统已为这个时限催办过"
    )
    supervised = models.BooleanField("督办", default=False)
    supervision_note = models.TextField("督办意见", blank=True)

    answer = models.TextField("答复/办理结果", blank=True)
    resolved = models.BooleanField("已解决", null=True, blank=True)
    satisfaction = models.CharField(
        "满意度", max_length=20, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="并入工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    case_number = models.CharField("执法案件号", max_length=50, blank=True)
    close_reason = models.CharField("结案说明", max_length=200, blank=True)
    suggestions = models.JSONField("智能建议", default=dict, blank=True)
    # Set when the retention period removed the caller's personal data (hotline/operations).
    anonymised_at = models.DateTimeField("匿名化时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "工单"
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="order_unit_queue"),
            models.Index(fields=["status", "due_at"], name="order_status_due"),
            models.Index(
                fields=["sweep_at"], name="order_sweep", condition=models.Q(sweep_at__isnull=False)
            ),
            models.Index(fields=["community", "registered_at"], name="order_community_time"),
            models.Index(fields=["street", "registered_at"], name="order_street_time"),
            # an order page's repeat calls about the same address
            models.Index(fields=["address", "registered_at"], name="order_address_time"),
            # the home page's count of the month's unsatisfied orders
            models.Index(
                fields=["closed_at"],
                name="order_unsatisfied_closed",
                condition=models.Q(satisfaction="unsatisfied"),
            ),
            # the daily retention run's finished orders still holding personal data
            models.Index(
                fields=["closed_at"],
                name="order_retention_due",
                condition=models.Q(anonymised_at__isnull=True, closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.MERGED, Status.CANCELLED)

    @property
    def masked_phone(self) -> str:
        """138****1234: what units see of the caller's phone."""
        p = self.caller_phone
        return f"{p[:3]}****{p[-4:]}" if len(p) >= 8 else ("****" if p else "")


class Event(AppendOnly):
    """One action taken on an order: the source of truth for its timeline, audit and every rate.

    Rows are only ever added (the database refuses updates, see migration 0002).
    """

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField("序号")
    at = models.DateTimeField("时间", db_index=True)
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField("角色", max_length=20, choices=Role.choices)
    actor_unit = models.ForeignKey(
        Unit,
        verbose_name="操作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The responsible unit after the action: rates are attributed to the unit responsible then.
    unit = models.ForeignKey(
        Unit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工单事件"
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="event_unique_seq")]
        indexes = [
            models.Index(fields=["action", "at"], name="event_action_time"),
            models.Index(fields=["unit", "at"], name="event_unit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"


class DailyCounter(models.Model):
    """The last order number handed out on a day (numbers are day + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    # Stored under a random name: the citizen's file name is kept only as data.
    return f"attachments/{attachment.order.registered_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A photo or document added to an order: by the citizen with the request, or by a unit
    with its reply. Served only to those who may see the order (never as a public file)."""

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        User,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["order", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
