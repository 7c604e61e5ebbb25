"""Roles of the people (and machines) that act on work orders."""

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "话务员"
    DISPATCHER = "dispatcher", "派单员"
    HANDLER = "handler", "承办人"
    LEAD = "lead", "单位负责人"
    VISITOR = "visitor", "回访员"
    SUPERVISOR = "supervisor", "督办员"
    ADMIN = "admin", "管理员"
    # Not people with accounts in a unit: the citizen (portal, Open311, API clients acting for
    # citizens) and the system itself (the worker that urges and escalates).
    CITIZEN = "citizen", "市民"
    SYSTEM = "system", "系统"


STAFF_ROLES = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]
