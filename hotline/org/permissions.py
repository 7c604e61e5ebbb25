"""Who may do what: the one permission table (pure: no queries of its own, no I/O).

The model has two parts.

* **Role → capability.** Every person has one role (``Role``) and, except an administrator, one
  unit. ``PERMISSIONS`` grants each capability to roles wherever their unit is (``roles``), to
  roles only when their unit is the hotline centre (``centre_roles``), and sometimes to Django
  superusers whatever their role. Registering an order is the lifecycle's first action, so its
  roles are ``TRANSITIONS[REGISTER]``'s, not a copy; every later action on an order is judged by
  ``TRANSITIONS`` (action × state × role × reach), and ``ACT`` here only says who may ask at all.
* **Reach of orders by unit subtree.** A unit sees the orders of which it, or a unit below it, is
  the responsible, handling or co-handling unit; the centre (``SEE_CITY``) sees every order. A
  capability with ``orders=VISIBLE`` works only on such orders: any other order answers 404, as
  if it did not exist, so that nobody learns of orders outside their reach.

Views say which capability they need with ``@requires(...)`` (which also marks the view, so the
permission walk in the tests can read it); templates ask ``user|may:"capability"``; services ask
``may(user, ...)``. The admin site keeps its own rule (``is_staff``), mirrored by ``USE_ADMIN``.
"""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import listing
from hotline.orders.workflow import TRANSITIONS, Action
from hotline.problems import workflow as problem_workflow

from .roles import STAFF_ROLES, Role

CENTRE = "centre"  # Unit.Kind.CENTRE, spelt out to keep this module free of models


class Capability(StrEnum):
    READ_QUEUE = "read_queue"
    LIST_ORDERS = "list_orders"
    READ_ORDER = "read_order"
    READ_ATTACHMENT = "read_attachment"
    ACT = "act"
    REGISTER = "register"
    SEE_SUGGESTIONS = "see_suggestions"
    READ_DASHBOARD = "read_dashboard"
    READ_REPORTS = "read_reports"
    LIST_UNITS = "list_units"
    LIST_USERS = "list_users"
    LIST_CATEGORIES = "list_categories"
    LIST_SLA_POLICIES = "list_sla_policies"
    LIST_ARTICLES = "list_articles"
    SEE_CALLER = "see_caller"
    SEE_CITY = "see_city"
    READ_PROBLEMS = "read_problems"
    ACT_ON_PROBLEMS = "act_on_problems"
    MANAGE_ACCOUNT = "manage_account"
    USE_ADMIN = "use_admin"


class Orders(StrEnum):
    """How a capability is bounded by the reach of orders."""

    NONE = "none"  # not about particular orders
    LISTS = "lists"  # lists and counts hold only the orders the user can see
    VISIBLE = "visible"  # one order the user can see; any other answers 404
    SUBTREE = "subtree"  # the people of the user's unit and the units below it (the centre: all)


StrOrPromise = str | Promise  # a label, translated when it is shown


@dataclass(frozen=True)
class Grant:
    capability: Capability
    label: StrOrPromise
    roles: frozenset[Role] = frozenset()  # wherever their unit is
    centre_roles: frozenset[Role] = frozenset()  # only when their unit is the centre
    superuser: bool = False  # a Django superuser has it whatever the role
    orders: Orders = Orders.NONE
    action: Action | None = None  # the roles are this action's in TRANSITIONS
    staff_flag: bool = False  # the admin site's own rule: Django's ``is_staff``

    @property
    def all_roles(self) -> frozenset[Role]:
        return (
            (TRANSITIONS[self.action].roles & frozenset(STAFF_ROLES)) if self.action else self.roles
        )


def _g(
    capability: Capability,
    label: StrOrPromise,
    roles: Iterable[Role] = (),
    centre_roles: Iterable[Role] = (),
    **extra: Any,
) -> Grant:
    return Grant(capability, label, frozenset(roles), frozenset(centre_roles), **extra)


C, R = Capability, Role
View = TypeVar("View", bound=Callable[..., Any])
_EVERYONE = STAFF_ROLES
# Who may ask for a lifecycle action at all: the roles some action after registration names.
_ACTORS = [
    r
    for r in STAFF_ROLES
    if any(r in t.roles for a, t in TRANSITIONS.items() if a != Action.REGISTER)
]
# Who may ask for an action on a problem at all: the roles the problems' table names.
_PROBLEM_ACTORS = [
    r for r in STAFF_ROLES if any(r in t.roles for t in problem_workflow.TRANSITIONS.values())
]

PERMISSIONS: dict[Capability, Grant] = {
    g.capability: g
    for g in [
        _g(C.READ_QUEUE, _("查看待办"), _EVERYONE, orders=Orders.LISTS),
        _g(C.LIST_ORDERS, _("查看工单列表"), _EVERYONE, orders=Orders.LISTS),
        _g(C.READ_DASHBOARD, _("查看统计图表"), _EVERYONE, orders=Orders.LISTS),
        _g(C.READ_ORDER, _("查看工单详情和通知记录"), _EVERYONE, orders=Orders.VISIBLE),
        _g(C.READ_ATTACHMENT, _("下载工单附件"), _EVERYONE, orders=Orders.VISIBLE),
        _g(C.ACT, _("办理工单（各操作再按流转表判断）"), _ACTORS, orders=Orders.VISIBLE),
        _g(C.REGISTER, _("登记工单"), action=Action.REGISTER),
        _g(C.SEE_SUGGESTIONS, _("查看智能建议"), action=Action.REGISTER),
        # Reports cover every unit: for the centre's staff (not its operators) and administrators.
        _g(
            C.READ_REPORTS,
            _("查看报表"),
            [R.ADMIN],
            [R.DISPATCHER, R.HANDLER, R.LEAD, R.VISITOR, R.SUPERVISOR],
            superuser=True,
        ),
        _g(C.LIST_UNITS, _("查看单位"), _EVERYONE),
        _g(C.LIST_USERS, _("查看人员"), _EVERYONE, orders=Orders.SUBTREE),
        _g(C.LIST_CATEGORIES, _("查看诉求分类"), _EVERYONE),
        _g(C.LIST_SLA_POLICIES, _("查看时限规则"), _EVERYONE),
        _g(C.LIST_ARTICLES, _("查看知识库"), _EVERYONE),
        # Units see a caller's phone masked (138****1234); a confidential reporter is hidden from
        # all.
        _g(C.SEE_CALLER, _("查看来电人完整号码"), centre_roles=_EVERYONE),
        _g(C.SEE_CITY, _("查看全市工单和人员"), centre_roles=_EVERYONE, superuser=True),
        # A unit sees the problems it, or a unit below it, leads or is called in on, and those of
        # its area; a leader the problems they own; the centre every problem.
        _g(C.READ_PROBLEMS, _("查看难题"), _EVERYONE, orders=Orders.LISTS),
        _g(
            C.ACT_ON_PROBLEMS,
            _("办理难题（各操作再按难题流转表判断）"),
            _PROBLEM_ACTORS,
            orders=Orders.VISIBLE,
        ),
        _g(C.MANAGE_ACCOUNT, _("管理本人账户"), _EVERYONE),
        _g(C.USE_ADMIN, _("使用管理后台"), staff_flag=True),
    ]
}
assert set(PERMISSIONS) == set(Capability), "every capability has exactly one row"


def at_centre(user: Any) -> bool:
    return user.unit_id is not None and user.unit.kind == CENTRE


def may(user: Any, capability: Capability | str) -> bool:
    """Whether ``user`` (anonymous included) has ``capability`` by the table. For capabilities
    bounded by orders, this is only the first question: the order must also be within reach."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    grant = PERMISSIONS[Capability(capability)]
    if grant.staff_flag:
        return bool(user.is_staff)
    if grant.superuser and user.is_superuser:
        return True
    role = user.role
    return role in grant.all_roles or (role in grant.centre_roles and at_centre(user))


def who(capability: Capability) -> str:
    """The roles having ``capability``, said in the active language (for refusals and the docs)."""
    grant = PERMISSIONS[capability]
    if grant.staff_flag:
        return gettext("后台人员（is_staff）")
    names = [str(r.label) for r in Role if r in grant.all_roles]
    names += [
        gettext("热线中心的%(role)s") % {"role": r.label}
        for r in Role
        if r in grant.centre_roles - grant.all_roles
    ]
    if grant.superuser:
        names.append(gettext("超级管理员"))
    return listing(names)


def refusal(capability: Capability) -> str:
    grant = PERMISSIONS[capability]
    return gettext("「%(what)s」仅限%(who)s") % {"what": grant.label, "who": who(capability)}


def requires(capability: Capability) -> Callable[[View], View]:
    """Refuse (403) a view to whoever lacks ``capability``; the view is marked with it, so that
    every endpoint can be checked against this table. Put it under ``login_required`` on pages."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not may(request.user, capability):
                raise PermissionDenied(refusal(capability))
            return view(request, *args, **kwargs)

        checked.capability = capability  # type: ignore[attr-defined]  # read by the walk
        return cast(View, checked)

    return decorate
