"""Which unit answers for a category in an area (the dispatch catalogue)."""

from hotline.core.errors import InvalidInput
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit

from .models import Category, DispatchRule, Routing


def category_by_code(code: str) -> Category:
    try:
        return Category.objects.get(code=code, active=True)
    except Category.DoesNotExist:
        raise InvalidInput({"category": f"未知的分类编码「{code}」"}) from None


def responsible_unit(category: Category, area: ResolvedArea) -> Unit:
    """The unit an order of ``category`` at ``area`` is dispatched to.

    An explicit catalogue rule for the most specific matching area wins (community, street,
    district, whole city). Without one, the category's routing decides: ``local`` → the street of
    the address, ``department``/``enterprise`` → the unit named in the taxonomy, ``hotline`` → the
    centre. Raises InvalidInput when the catalogue cannot name a unit.
    """
    areas = [area.community_id, area.street_id, area.district_id, None]
    rules = {r.area_id: r for r in DispatchRule.objects.filter(category=category).select_related("unit")}
    for area_id in areas:
        if area_id in rules:
            return rules[area_id].unit
    if category.routing == Routing.LOCAL:
        if not area.street_id:
            raise InvalidInput({"address": f"「{category.name}」由属地街道办理，需要能定位到街道的地址"})
        return Unit.objects.get(pk=area.street_id)
    if category.routing == Routing.HOTLINE:
        return Unit.objects.get(kind=Unit.Kind.CENTRE)
    kind = Unit.Kind.DEPARTMENT if category.routing == Routing.DEPARTMENT else Unit.Kind.COMPANY
    unit = Unit.objects.filter(kind=kind, name=category.default_unit, active=True).first()
    if unit is None:
        raise InvalidInput({"category": f"派单目录中没有「{category.default_unit}」这个单位，请在管理后台添加"})
    return unit
