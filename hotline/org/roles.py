"""Roles of the people (and machines) that act on work orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    LEAD = "lead", _("单位负责人")
    VISITOR = "visitor", _("回访员")
    SUPERVISOR = "supervisor", _("督办员")
    ADMIN = "admin", _("管理员")
    # Not people with accounts in a unit: the citizen (portal, Open311, API clients acting for
    # citizens) and the system itself (the worker that urges and escalates).
    CITIZEN = "citizen", _("市民")
    SYSTEM = "system", _("系统")


STAFF_ROLES = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]
