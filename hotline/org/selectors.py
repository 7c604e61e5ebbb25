"""Read queries of the organisation: the unit tree and the address index."""

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


def subtree(unit: Unit):
    return Unit.objects.filter(path__startswith=unit.path)


def subtree_ids(unit: Unit) -> list[int]:
    """The ids of ``unit`` and every unit below it, active or not (cached)."""
    return cached(
        f"org.subtree.{unit.pk}", lambda: list(subtree(unit).values_list("id", flat=True))
    )
