"""Read queries on work orders. Every list starts from ``visible_orders`` (the visibility rule)."""

from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core import clock
from hotline.org.models import Unit, User
from hotline.org.permissions import Capability, may
from hotline.org.selectors import subtree_ids

from .models import Channel, Event, WorkOrder
from .workflow import OPEN, Status


def units_in_view(user: User | None) -> frozenset[int] | None:
    """The visibility rule (可见范围): the units whose orders ``user`` may see, being the user's
    unit and every unit below it. None means every unit: the centre, and the system acting on
    its own (no user). A user of no unit sees nothing."""
    if user is None or may(user, Capability.SEE_CITY):
        return None
    if user.unit is None:
        return frozenset()
    return frozenset(subtree_ids(user.unit))


def can_see(user: User | None, order: WorkOrder) -> bool:
    """Whether ``user`` may see ``order``: its responsible, handling or a co-handling unit is in
    the user's view (``units_in_view``)."""
    units = units_in_view(user)
    if units is None:
        return True
    if order.unit_id in units or order.handling_unit_id in units:
        return True
    return any(pk in units for pk in order.cohandlers.values_list("pk", flat=True))


def visible_units(user: User) -> QuerySet[Unit]:
    """The units in ``user``'s view (``units_in_view``), to filter and name them."""
    units = units_in_view(user)
    return Unit.objects.all() if units is None else Unit.objects.filter(pk__in=units)


def visible_orders(user: User) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see (``units_in_view``): every list starts here."""
    orders = WorkOrder.objects.all()
    units = units_in_view(user)
    if units is None:
        return orders
    if not units:
        return orders.none()
    # Plain lists of ids, so that the database reads three indexes (responsible, handling and
    # co-handling unit) instead of joining every order to its unit's path.
    ids = sorted(units)
    cohandled = list(
        WorkOrder.cohandlers.through.objects.filter(unit_id__in=ids).values_list(
            "workorder_id", flat=True
        )
    )
    return orders.filter(Q(unit_id__in=ids) | Q(handling_unit_id__in=ids) | Q(pk__in=cohandled))


def visible_order(user: User, number: str) -> WorkOrder:
    """The order numbered ``number`` if ``user`` may see it, with what its page shows; raises
    WorkOrder.DoesNotExist otherwise, so that an order out of view and a missing one look alike."""
    return (
        visible_orders(user)
        .select_related(
            "category", "unit", "handling_unit", "district", "street", "community", "duplicate_of"
        )
        .get(number=number)
    )


def published_orders() -> QuerySet[WorkOrder]:
    """Orders as the public sees them (Open311's read): confidential reports are never listed.
    Newest first, each with the moment of its last event as ``updated``."""
    return (
        WorkOrder.objects.filter(confidential=False)
        .select_related("category", "unit")
        .annotate(updated=Max("events__at"))
        .order_by("-registered_at")
    )


def order_list(
    user: User,
    *,
    status: str = "",
    unit: Unit | None = None,
    category: str = "",
    order_type: str = "",
    channel: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    overdue: bool = False,
    text: str = "",
    now: datetime | None = None,
    community: Unit | None = None,
    numbers: list[str] | None = None,
) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see, newest first, filtered: ``unit`` covers the units below it,
    ``since``/``until`` bound the registration time, ``overdue`` keeps open orders past the
    deadline in force, ``text`` matches the number, the title or the request, ``numbers`` lists
    orders by number (a report's finding)."""
    orders = visible_orders(user).select_related("category", "unit")
    if status:
        orders = orders.filter(status=status)
    if unit is not None:
        orders = orders.filter(unit__path__startswith=unit.path)
    if category:
        orders = orders.filter(category__code=category)
    if order_type:
        orders = orders.filter(order_type=order_type)
    if channel:
        orders = orders.filter(channel=channel)
    if since:
        orders = orders.filter(registered_at__gte=since)
    if until:
        orders = orders.filter(registered_at__lt=until)
    if overdue:
        orders = orders.filter(status__in=OPEN, due_at__lt=now or clock.now())
    if community is not None:
        orders = orders.filter(community=community)
    if numbers:
        orders = orders.filter(number__in=numbers)
    if text:
        orders = orders.filter(Q(number=text) | Q(title__icontains=text) | Q(text__icontains=text))
    return orders.order_by("-registered_at", "-id")


def visible_caller(user: User, order: WorkOrder) -> tuple[str, str]:
    """(name, phone) of the caller as ``user`` may see them: the phone in full for the centre,
    masked (138****1234) for units, and nothing at all of a confidential reporter (举报人保密)."""
    if order.confidential:
        return "", ""
    if may(user, Capability.SEE_CALLER):
        return order.caller_name, order.caller_phone
    return order.caller_name, order.masked_phone


def order_timeline(order: WorkOrder) -> QuerySet[Event]:
    return order.events.select_related("actor", "actor_unit", "unit").order_by("seq")


def deadline_mark(order: WorkOrder, now: datetime | None = None) -> str:
    """'red' when the deadline in force has passed, 'yellow' past its 80 % point, else ''."""
    now = now or clock.now()
    if order.due_at is None or order.status not in OPEN:
        return ""
    if now > order.due_at:
        return "red"
    if order.warn_at and now >= order.warn_at:
        return "yellow"
    return ""


# --- each role's queue (待办) ------------------------------------------------------------------

QUEUE_TITLES = {
    "operator": _("最近登记的工单"),
    "dispatcher": _("待审核、待派单、退单、回复待审和延期申请"),
    "handler": _("本单位待签收和办理中的工单"),
    "lead": _("本单位待签收和办理中的工单"),
    "visitor": _("待回访"),
    "supervisor": _("超期和督办中的工单"),
}


def queue(user: User, now: datetime | None = None) -> QuerySet[WorkOrder]:
    """What ``user`` has to work on now, most urgent first: the home page of each role."""
    now = now or clock.now()
    orders = visible_orders(user).select_related("category", "unit")
    role = user.role
    if role == "operator":  # what came in last, to check and to link a new call to
        return orders.order_by("-registered_at", "-id")
    if role == "dispatcher":
        waiting = Q(
            status__in=[Status.REGISTERED, Status.PENDING_DISPATCH, Status.RETURNED, Status.REPLIED]
        )
        extension = Q(status=Status.ACCEPTED, extension_requested_days__isnull=False)
        return orders.filter(waiting | extension).order_by("registered_at")
    if role in ("handler", "lead"):
        return orders.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED]).order_by("due_at")
    if role == "visitor":
        return orders.filter(status=Status.PENDING_VISIT).order_by("due_at")
    if role == "supervisor":
        return orders.filter(Q(due_at__lt=now) | Q(supervised=True), status__in=OPEN).order_by(
            "due_at"
        )
    return orders.filter(status__in=OPEN).order_by("due_at")


def queue_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """The counts that matter on a home page, over the orders the user may see: due today,
    yellow (past 80 % of the deadline), red (overdue), returned, and unsatisfied in 30 days.
    Two index reads, the open orders and the month's unsatisfied ones, never the whole table
    (which is nearly all closed orders)."""
    now = now or clock.now()
    end_of_day = now.astimezone(timezone.get_current_timezone()).replace(
        hour=23, minute=59, second=59
    )
    visible = visible_orders(user)
    counts = visible.filter(status__in=OPEN).aggregate(
        due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lte=end_of_day)),
        yellow=Count("pk", filter=Q(warn_at__lte=now, due_at__gte=now)),
        red=Count("pk", filter=Q(due_at__lt=now)),
        returned=Count("pk", filter=Q(status=Status.RETURNED)),
    )
    counts["unsatisfied"] = visible.filter(
        satisfaction="unsatisfied", closed_at__gte=now - timedelta(days=30)
    ).count()
    return counts


# --- the supervisor's dashboard -------------------------------------------------------------------


def dashboard_figures(user: User, *, days: int = 90, now: datetime | None = None) -> dict:
    """Volumes over the last ``days`` of the orders ``user`` may see: per day, per channel, the
    ten largest categories, and the ten units with the most open overdue orders."""
    now = now or clock.now()
    since = now - timedelta(days=days)
    recent = visible_orders(user).filter(registered_at__gte=since)
    per_day = {
        row["day"]: row["n"]
        for row in recent.annotate(day=TruncDate("registered_at"))
        .values("day")
        .annotate(n=Count("pk"))
    }
    first = timezone.localtime(since).date()
    dates = [first + timedelta(days=i) for i in range(days + 1)]
    channels = dict(Channel.choices)
    return {
        "days": [d.isoformat() for d in dates],
        "per_day": [per_day.get(d, 0) for d in dates],
        "channels": [
            {"name": channels.get(r["channel"], r["channel"]), "value": r["n"]}
            for r in recent.values("channel").annotate(n=Count("pk")).order_by("-n")
        ],
        "categories": [
            {"name": r["category__name"] or "未分类", "value": r["n"]}
            for r in recent.values("category__name").annotate(n=Count("pk")).order_by("-n")[:10]
        ],
        "overdue_units": [
            {"name": r["unit__name"], "value": r["n"]}
            for r in visible_orders(user)
            .filter(status__in=OPEN, due_at__lt=now, unit__isnull=False)
            .values("unit__name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:10]
        ],
    }


def related_orders(
    user: User, order: WorkOrder, *, days: int = 90, limit: int = 10
) -> list[WorkOrder]:
    """Other orders ``user`` may see from the same caller or about the same address in the
    ``days`` around this one: repeat calls and problems that come back."""
    same = Q()
    if order.caller_phone and not order.confidential:
        same |= Q(caller_phone=order.caller_phone)
    if order.address:
        same |= Q(address=order.address)
    if not same:
        return []
    window = timedelta(days=days)
    return list(
        visible_orders(user)
        .filter(
            same, registered_at__range=(order.registered_at - window, order.registered_at + window)
        )
        .exclude(pk=order.pk)
        .order_by("-registered_at")[:limit]
    )


def caller_history(user: User, phone: str, *, limit: int = 5) -> list[WorkOrder]:
    """The latest orders from this phone that ``user`` may see: what the caller asked before."""
    return (
        list(visible_orders(user).filter(caller_phone=phone).order_by("-registered_at")[:limit])
        if phone
        else []
    )
