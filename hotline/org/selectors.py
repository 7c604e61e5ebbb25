"""Read queries of the organisation: the unit tree, the address index and the dispatch targets."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hotline.core.cache import cached

from .areas import LEVELS, AreaEntry, AreaIndex
from .models import Unit


def area_index() -> AreaIndex:
    """The city's address index (cached; rebuilt when units change)."""

    def build() -> AreaIndex:
        units = Unit.objects.filter(kind__in=LEVELS, active=True).only(
            "id", "kind", "parent_id", "name", "area_names"
        )
        return AreaIndex([AreaEntry(u.id, u.kind, u.parent_id, u.names()) for u in units])

    return cached("org.areas", build)


def active_unit(pk: int) -> Unit | None:
    """An active unit by id, from the cached tree (None if there is no such active unit)."""
    return cached("org.units", lambda: {u.pk: u for u in Unit.objects.filter(active=True)}).get(pk)


def centre() -> Unit:
    return Unit.objects.get(kind=Unit.Kind.CENTRE)


def subtree(unit: Unit) -> QuerySet[Unit]:
    """``unit`` and every unit below it."""
    return Unit.objects.filter(path__startswith=unit.path)


def subtree_ids(unit: Unit) -> list[int]:
    """The ids of ``unit`` and every unit below it, active or not (cached)."""
    return cached(
        f"org.subtree.{unit.pk}", lambda: list(subtree(unit).values_list("id", flat=True))
    )


def dispatch_targets(dispatcher_unit: Unit | None) -> QuerySet[Unit]:
    """The rule for where an order may be dispatched (派单对象), as a responsible or co-handling
    unit: any active unit but the centre (which only dispatches), within the dispatcher's own
    unit: the whole city for the centre or a dispatcher without a unit, its own sub-units for a
    unit's desk."""
    units = Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CENTRE)
    if dispatcher_unit is not None:
        units = units.filter(path__startswith=dispatcher_unit.path)
    return units.order_by("path")


def dispatch_refusal(dispatcher_unit: Unit | None, unit: Unit) -> str | None:
    """Why ``unit`` is not a dispatch target (the rule of ``dispatch_targets``), or None."""
    if unit.kind == Unit.Kind.CENTRE or not unit.active:
        return _("「%(unit)s」不能作为承办单位") % {"unit": unit}
    if dispatcher_unit is not None and not unit.is_within(dispatcher_unit):
        return _("「%(unit)s」不在「%(dispatcher)s」的派单范围内") % {
            "unit": unit,
            "dispatcher": dispatcher_unit,
        }
    return None
