"""Which unit answers for a category in an area, and the taxonomy loaded by the migration."""

import csv
from pathlib import Path

import pytest

from hotline.catalog.models import Category, DispatchRule
from hotline.catalog.selectors import category_by_code, responsible_unit
from hotline.core.errors import InvalidInput
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit
from hotline.org.selectors import area_index
from tests.factories import City

# The copy shipped with the app (the default taxonomy beside the project, with its codes kept).
TAXONOMY = Path(__file__).resolve().parents[2] / "hotline" / "catalog" / "taxonomy.csv"


def unit_for(code: str, address: str) -> Unit:
    return responsible_unit(category_by_code(code), area_index().resolve(address))


# -- default routing -------------------------------------------------------------------------------


def test_a_local_category_goes_to_the_street_of_the_address(city: City) -> None:
    assert unit_for("02.01", "东城1路11小区3栋") == city.streets[0]
    assert unit_for("02.01", "西城2路88号") == city.streets[3]


def test_a_local_category_at_a_community_goes_to_the_street_above_it(city: City) -> None:
    assert unit_for("01.01", "西城12花园门口") == city.streets[2]


def test_a_department_category_goes_to_the_department_the_taxonomy_names(city: City) -> None:
    assert unit_for("07.01", "东城1路11小区") == city.departments["生态环境局"]
    assert unit_for("03.04", "西城2路") == city.departments["水务局"]


def test_a_department_category_does_not_depend_on_the_address(city: City) -> None:
    assert (
        unit_for("12.01", "东城1路") == unit_for("12.01", "西城2路") == city.departments["公安分局"]
    )


def test_an_enterprise_category_goes_to_the_company(city: City) -> None:
    company = unit_for("04.03", "东城2路")
    assert company == city.departments["燃气公司"]
    assert company.kind == Unit.Kind.COMPANY


def test_a_hotline_category_is_answered_by_the_centre(city: City) -> None:
    assert unit_for("14.01", "东城2路") == city.centre


# -- the dispatch catalogue ------------------------------------------------------------------------


def rule(code: str, area: Unit | None, unit: Unit) -> DispatchRule:
    return DispatchRule.objects.create(
        category=Category.objects.get(code=code), area=area, unit=unit
    )


def test_a_rule_for_a_street_beats_the_default_routing(city: City) -> None:
    rule("01.02", city.streets[0], city.team)
    assert unit_for("01.02", "东城1路5号") == city.team
    assert unit_for("01.02", "东城2路5号") == city.streets[1]


def test_a_rule_for_a_district_covers_its_streets_and_communities(city: City) -> None:
    rule("01.02", city.districts[0], city.team)
    assert unit_for("01.02", "东城2路5号") == city.team
    assert unit_for("01.02", "东城21小区") == city.team
    assert unit_for("01.02", "西城1路5号") == city.streets[2]


def test_a_rule_for_a_street_beats_a_rule_for_its_district(city: City) -> None:
    rule("01.02", city.districts[0], city.team)
    rule("01.02", city.streets[1], city.streets[0])
    assert unit_for("01.02", "东城2路5号") == city.streets[0]
    assert unit_for("01.02", "东城1路5号") == city.team


def test_a_rule_for_a_community_beats_a_rule_for_its_street(city: City) -> None:
    rule("05.01", city.streets[0], city.team)
    rule("05.01", city.communities[1], city.communities[1])
    assert unit_for("05.01", "东城12小区") == city.communities[1]
    assert unit_for("05.01", "东城11小区") == city.team


def test_a_city_wide_rule_beats_the_default_of_a_department_category(city: City) -> None:
    rule("07.04", None, city.departments["城市管理局"])
    assert unit_for("07.04", "西城2路") == city.departments["城市管理局"]


def test_a_rule_for_an_area_beats_a_city_wide_rule(city: City) -> None:
    rule("07.04", None, city.departments["城市管理局"])
    rule("07.04", city.districts[1], city.streets[3])
    assert unit_for("07.04", "西城1路") == city.streets[3]  # an address located to a street only
    assert unit_for("07.04", "西城11小区") == city.streets[3]  # ... and to a community
    assert unit_for("07.04", "东城1路") == city.departments["城市管理局"]


def test_a_rule_applies_only_to_its_own_category(city: City) -> None:
    rule("01.02", city.districts[0], city.team)
    assert unit_for("01.01", "东城2路5号") == city.streets[1]


# -- refusals --------------------------------------------------------------------------------------


def test_a_local_category_needs_an_address_located_to_a_street(city: City) -> None:
    area = area_index().resolve("东城区某个地方")
    assert area.district_id == city.districts[0].pk and area.street_id is None
    with pytest.raises(InvalidInput) as refused:
        responsible_unit(category_by_code("02.01"), area)
    assert "街道" in refused.value.errors["address"]
    assert "垃圾清运" in refused.value.errors["address"]


def test_a_local_category_with_an_unknown_address_is_refused(city: City) -> None:
    with pytest.raises(InvalidInput) as refused:
        responsible_unit(category_by_code("02.01"), ResolvedArea())
    assert set(refused.value.errors) == {"address"}


def test_a_department_missing_from_the_organisation_is_refused_with_its_name(db: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        responsible_unit(category_by_code("07.01"), ResolvedArea())
    assert "生态环境局" in refused.value.errors["category"]


def test_an_inactive_department_is_not_dispatched_to(city: City) -> None:
    department = city.departments["生态环境局"]
    department.active = False
    department.save()
    with pytest.raises(InvalidInput, match="生态环境局"):
        unit_for("07.01", "东城1路")


def test_an_unknown_category_code_is_refused(db: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        category_by_code("99.99")
    assert "99.99" in refused.value.errors["category"]


def test_an_inactive_category_is_refused(db: None) -> None:
    Category.objects.filter(code="14.99").update(active=False)
    with pytest.raises(InvalidInput):
        category_by_code("14.99")


# -- the taxonomy ----------------------------------------------------------------------------------


def taxonomy_rows() -> list[dict[str, str]]:
    with TAXONOMY.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_migration_loaded_all_60_categories_with_the_same_codes(db: None) -> None:
    rows = taxonomy_rows()
    assert len(rows) == 60
    assert set(Category.objects.values_list("code", flat=True)) == {r["code"] for r in rows}


def test_every_loaded_category_keeps_its_name_routing_unit_and_limit(db: None) -> None:
    loaded = {
        c.code: (c.group, c.name, c.routing, c.default_unit, c.limit_workdays)
        for c in Category.objects.all()
    }
    for r in taxonomy_rows():
        assert loaded[r["code"]] == (
            r["group"],
            r["category"],
            r["routing"],
            r["default_unit"],
            int(r["limit_workdays"]),
        ), r["code"]
