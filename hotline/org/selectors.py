"""Read queries of the organisation: the unit tree and the address index."""

import time

from .areas import LEVELS, AreaEntry, AreaIndex
from .models import Unit

_INDEX_TTL_SECONDS = 60
_index: tuple[float, AreaIndex] | None = None


def area_index() -> AreaIndex:
    """The city's address index, rebuilt when units change (and at least every minute)."""
    global _index
    if _index is None or time.monotonic() - _index[0] > _INDEX_TTL_SECONDS:
        units = Unit.objects.filter(kind__in=LEVELS, active=True).only("id", "kind", "parent_id", "name", "area_names")
        entries = [AreaEntry(u.id, u.kind, u.parent_id, u.names()) for u in units]
        _index = (time.monotonic(), AreaIndex(entries))
    return _index[1]


def forget_area_index() -> None:
    global _index
    _index = None


def centre() -> Unit:
    return Unit.objects.get(kind=Unit.Kind.CENTRE)


def subtree(unit: Unit):
    return Unit.objects.filter(path__startswith=unit.path)
