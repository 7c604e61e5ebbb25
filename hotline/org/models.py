from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .roles import Role


class Unit(models.Model):
    """A node of the organisation tree: the centre, areas, departments and utilities.

    ``path`` (ids from the root, "/1/4/17/") makes "this unit and all below it" one indexed
    prefix match, which is how visibility is decided.
    """

    class Kind(models.TextChoices):
        CENTRE = "centre", "热线中心"
        DISTRICT = "district", "区"
        STREET = "street", "街道/镇"
        COMMUNITY = "community", "社区/村"
        DEPARTMENT = "department", "职能部门"
        COMPANY = "company", "公用企业"
        TEAM = "team", "内设/下属机构"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    area_names = models.TextField(
        "地名",
        blank=True,
        help_text="本区域内的道路、小区、地标名称，每行或以逗号分隔；用于地址定位",
    )
    enforcement = models.BooleanField(
        "执法单位", default=False, help_text="可将诉求转为执法案件（诉转案）"
    )
    active = models.BooleanField("启用", default=True)
    # Where the unit's alerts (new order, urge, overdue, supervision) go; empty means none.
    duty_phone = models.CharField(
        "值班手机",
        max_length=11,
        blank=True,
        help_text="接收新工单、催办、超期、督办短信",
        validators=[RegexValidator(r"^1[3-9]\d{9}$", "请填写 11 位手机号码")],
    )
    duty_email = models.EmailField(
        "值班邮箱", blank=True, help_text="接收新工单、催办、超期、督办邮件"
    )

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_under_parent")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:  # Model.save's arguments, passed on
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            old = self.path
            Unit.objects.filter(pk=self.pk).update(path=path)
            self.path = path
            if old:  # moved: carry the subtree along
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.save()

    def clean(self) -> None:
        if self.kind == self.Kind.CENTRE and self.parent_id:
            raise ValidationError({"parent": "热线中心是根单位，不能有上级"})
        if self.kind != self.Kind.CENTRE and not self.parent_id:
            raise ValidationError({"parent": "除热线中心外，每个单位都要有上级单位"})
        if self.pk and self.parent and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": "上级单位不能是本单位或其下级"})

    def names(self) -> tuple[str, ...]:
        extra = [
            n.strip() for n in self.area_names.replace("，", ",").replace("\n", ",").split(",")
        ]
        return tuple(dict.fromkeys([self.name, *[n for n in extra if n]]))

    def is_within(self, other: "Unit") -> bool:
        """True if this unit is ``other`` or below it."""
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A member of staff, bound to one unit with one role."""

    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.HANDLER)
    phone = models.CharField("电话", max_length=20, blank=True)
    # Required of everyone in the roles of HOTLINE_TWO_FACTOR_ROLES too; see accounts/two_factor.py.
    two_factor_required = models.BooleanField(
        "必须使用两步验证",
        default=False,
        help_text="勾选后，该用户下次登录时必须设置并使用手机验证器（TOTP）",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = "用户"

    def clean(self) -> None:
        super().clean()
        if self.role in (Role.CITIZEN, Role.SYSTEM):
            raise ValidationError({"role": "市民和系统不是工作人员角色"})
        if self.role != Role.ADMIN and not self.unit_id:
            raise ValidationError({"unit": "工作人员必须属于一个单位"})

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}"
