"""Which unit answers for a category in an area (the dispatch catalogue)."""

from hotline.core.cache import cached
from hotline.core.errors import InvalidInput
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit
from hotline.org.selectors import active_unit

from .models import Category, DispatchRule, Routing


def _categories() -> dict[str, Category]:
    return cached(
        "catalog.categories", lambda: {c.code: c for c in Category.objects.filter(active=True)}
    )


def category_by_code(code: str) -> Category:
    """The active category with this code; InvalidInput names an unknown or retired code."""
    try:
        return _categories()[code]
    except KeyError:
        raise InvalidInput({"category": f"未知的分类编码「{code}」"}) from None


def _rules() -> dict[tuple[int, int | None], Unit]:
    return cached(
        "catalog.rules",
        lambda: {
            (r.category_id, r.area_id): r.unit for r in DispatchRule.objects.select_related("unit")
        },
    )


def _named_units() -> dict[tuple[str, str], Unit]:
    def build() -> dict[tuple[str, str], Unit]:
        named: dict[tuple[str, str], Unit] = {}
        for unit in Unit.objects.filter(
            active=True, kind__in=[Unit.Kind.CENTRE, Unit.Kind.DEPARTMENT, Unit.Kind.COMPANY]
        ):
            named.setdefault((unit.kind, unit.name), unit)
        return named

    return cached("catalog.named_units", build)


def responsible_unit(category: Category, area: ResolvedArea) -> Unit:
    """The unit an order of ``category`` at ``area`` is dispatched to.

    An explicit catalogue rule for the most specific matching area wins (community, street,
    district, whole city). Without one, the category's routing decides: ``local`` → the street of
    the address, ``department``/``enterprise`` → the unit named in the taxonomy, ``hotline`` → the
    centre. Raises InvalidInput when the catalogue cannot name a unit.
    """
    # Most specific first; the city-wide rule (area None) last, and not in place of a level the
    # address did not resolve to.
    rules = _rules()
    for area_id in [
        a for a in (area.community_id, area.street_id, area.district_id) if a is not None
    ] + [None]:
        if (category.pk, area_id) in rules:
            return rules[(category.pk, area_id)]
    if category.routing == Routing.LOCAL:
        street = active_unit(area.street_id) if area.street_id else None
        if street is None:
            raise InvalidInput(
                {"address": f"「{category.name}」由属地街道办理，需要能定位到街道的地址"}
            )
        return street
    if category.routing == Routing.HOTLINE:
        return next(u for (kind, _), u in _named_units().items() if kind == Unit.Kind.CENTRE)
    kind = Unit.Kind.DEPARTMENT if category.routing == Routing.DEPARTMENT else Unit.Kind.COMPANY
    unit = _named_units().get((kind, category.default_unit))
    if unit is None:
        raise InvalidInput(
            {"category": f"派单目录中没有「{category.default_unit}」这个单位，请在管理后台添加"}
        )
    return unit
