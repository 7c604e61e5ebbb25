"""Address → area resolution and the unit tree."""

import pytest
from django.core.exceptions import ValidationError

from hotline.org.areas import AreaEntry, AreaIndex, ResolvedArea
from hotline.org.models import Unit
from hotline.org.selectors import area_index

# A district (1) with two streets (10, 11); street 10 has two communities (100, 101).
ENTRIES = [
    AreaEntry(1, "district", None, ("东城区", "东城")),
    AreaEntry(2, "district", None, ("西城区",)),
    AreaEntry(10, "street", 1, ("和平街道", "和平路", "人民大道")),
    AreaEntry(11, "street", 1, ("建设街道", "建设路", "和平路口")),
    AreaEntry(100, "community", 10, ("桂花苑", "花园小区")),
    AreaEntry(101, "community", 10, ("桂花苑二期",)),
    AreaEntry(20, "street", 2, ("长安街道", "长安路")),
]
INDEX = AreaIndex(ENTRIES)


# -- pure resolution -----------------------------------------------------------------------------


def test_a_community_name_resolves_to_the_whole_chain_above_it() -> None:
    assert INDEX.resolve("和平路8号桂花苑3栋") == ResolvedArea(
        district_id=1, street_id=10, community_id=100
    )


def test_a_community_beats_a_street_of_another_district_named_in_the_same_address() -> None:
    # A community is more precise than a street, whichever district the street is in.
    assert INDEX.resolve("长安路旁桂花苑") == ResolvedArea(
        district_id=1, street_id=10, community_id=100
    )


def test_a_street_beats_a_district() -> None:
    assert INDEX.resolve("西城区建设路5号") == ResolvedArea(
        district_id=1, street_id=11, community_id=None
    )


def test_a_district_alone_resolves_to_the_district() -> None:
    assert INDEX.resolve("东城区某处") == ResolvedArea(district_id=1)


def test_the_longest_name_wins_within_a_level() -> None:
    assert INDEX.resolve("桂花苑二期5栋").community_id == 101
    assert INDEX.resolve("和平路口东北角").street_id == 11  # not 和平路 of street 10


def test_spaces_in_the_address_are_ignored() -> None:
    assert INDEX.resolve("桂花 苑 二期 5栋").community_id == 101
    assert INDEX.resolve("和平\u3000路 8号").street_id == 10  # a full-width space too


def test_spaces_in_a_listed_name_are_ignored() -> None:
    index = AreaIndex(
        [AreaEntry(1, "district", None, ("东城区",)), AreaEntry(5, "street", 1, ("万达 广场",))]
    )
    assert index.resolve("万达广场3楼").street_id == 5
    assert index.resolve("万达  广场3楼").street_id == 5


def test_an_address_outside_the_city_resolves_to_nothing() -> None:
    area = INDEX.resolve("北京市海淀区中关村大街1号")
    assert not area
    assert area == ResolvedArea()


def test_an_empty_address_resolves_to_nothing() -> None:
    assert not INDEX.resolve("   ")


def test_a_resolved_area_is_truthy_once_it_has_a_district() -> None:
    assert ResolvedArea(district_id=1)
    assert not ResolvedArea()


def test_expand_gives_the_chain_from_the_community_up() -> None:
    assert INDEX.expand(101) == ResolvedArea(district_id=1, street_id=10, community_id=101)
    assert INDEX.expand(11) == ResolvedArea(district_id=1, street_id=11)
    assert INDEX.expand(2) == ResolvedArea(district_id=2)


def test_expand_of_an_unknown_unit_is_empty() -> None:
    assert not INDEX.expand(999)


def test_is_within_compares_whole_path_segments() -> None:
    parent, other = Unit(path="/1/4/"), Unit(path="/1/41/")
    child = Unit(path="/1/4/17/")
    assert child.is_within(parent) and parent.is_within(parent)
    assert not other.is_within(parent)
    assert not parent.is_within(child)


def test_area_names_may_be_separated_by_commas_chinese_commas_or_lines() -> None:
    u = Unit(name="和平街道", area_names="和平路, 人民大道，桂花苑\n\n 和平路 ")
    assert u.names() == ("和平街道", "和平路", "人民大道", "桂花苑")


# -- the unit tree in the database -----------------------------------------------------------------


@pytest.fixture
def tree(db: None):
    centre = Unit.objects.get(kind=Unit.Kind.CENTRE)

    def make(name, kind, parent, **extra):
        return Unit.objects.create(name=name, kind=kind, parent=parent, **extra)

    east = make("东城区", "district", centre)
    west = make("西城区", "district", centre)
    street = make("和平街道", "street", east, area_names="和平路")
    community = make("桂花苑社区", "community", street, area_names="桂花苑")
    team = make("网格队", "team", community)
    other_street = make("长安街道", "street", west, area_names="长安路")
    yield dict(
        centre=centre,
        east=east,
        west=west,
        street=street,
        community=community,
        team=team,
        other_street=other_street,
    )


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def test_the_centre_is_the_root_path(tree) -> None:
    assert tree["centre"].path == f"/{tree['centre'].pk}/"


def test_a_unit_path_lists_the_ids_from_the_root(tree) -> None:
    ids = [tree[k].pk for k in ("centre", "east", "street", "community", "team")]
    assert fresh(tree["team"]).path == "/" + "/".join(map(str, ids)) + "/"


def test_moving_a_unit_carries_its_whole_subtree(tree) -> None:
    street = tree["street"]
    street.parent = tree["west"]
    street.save()
    west_path = fresh(tree["west"]).path
    assert fresh(street).path == f"{west_path}{street.pk}/"
    assert fresh(tree["community"]).path == f"{west_path}{street.pk}/{tree['community'].pk}/"
    assert (
        fresh(tree["team"]).path
        == f"{west_path}{street.pk}/{tree['community'].pk}/{tree['team'].pk}/"
    )
    assert (
        not Unit.objects.filter(path__startswith=fresh(tree["east"]).path)
        .exclude(pk=tree["east"].pk)
        .exists()
    )


def test_moving_a_unit_leaves_the_rest_of_the_tree_alone(tree) -> None:
    before = {u.pk: u.path for u in Unit.objects.exclude(path__startswith=tree["street"].path)}
    street = tree["street"]
    street.parent = tree["west"]
    street.save()
    assert {u.pk: u.path for u in Unit.objects.filter(pk__in=before)} == before


def test_is_within_follows_the_tree(tree) -> None:
    team, street = fresh(tree["team"]), fresh(tree["street"])
    assert (
        team.is_within(street) and team.is_within(tree["east"]) and team.is_within(tree["centre"])
    )
    assert street.is_within(street)
    assert not team.is_within(tree["west"])
    assert not street.is_within(team)


def test_is_within_follows_a_move(tree) -> None:
    street = tree["street"]
    street.parent = tree["west"]
    street.save()
    assert fresh(tree["team"]).is_within(fresh(tree["west"]))
    assert not fresh(tree["team"]).is_within(fresh(tree["east"]))


def test_the_centre_may_not_have_a_parent(tree) -> None:
    centre = tree["centre"]
    centre.parent = tree["east"]
    with pytest.raises(ValidationError) as refused:
        centre.clean()
    assert "parent" in refused.value.message_dict


def test_every_other_unit_needs_a_parent(db: None) -> None:
    with pytest.raises(ValidationError) as refused:
        Unit(name="孤立部门", kind="department").clean()
    assert "parent" in refused.value.message_dict


def test_a_unit_may_not_be_its_own_parent(tree) -> None:
    street = tree["street"]
    street.parent = street
    with pytest.raises(ValidationError) as refused:
        street.clean()
    assert "下级" in refused.value.message_dict["parent"][0]


def test_a_unit_may_not_move_below_its_own_descendant(tree) -> None:
    street = tree["street"]
    street.parent = tree["team"]
    with pytest.raises(ValidationError) as refused:
        street.clean()
    assert "parent" in refused.value.message_dict


def test_a_unit_may_move_below_another_branch(tree) -> None:
    street = tree["street"]
    street.parent = tree["west"]
    street.clean()  # no error


def test_the_address_index_resolves_units_from_the_database(tree) -> None:
    area = area_index().resolve("和平路12号桂花苑")
    assert area == ResolvedArea(tree["east"].pk, tree["street"].pk, tree["community"].pk)


def test_the_address_index_follows_a_moved_street(tree) -> None:
    area_index()  # built before the move
    street = tree["street"]
    street.parent = tree["west"]
    street.save()
    assert area_index().resolve("和平路12号").district_id == tree["west"].pk


def test_the_address_index_leaves_out_inactive_units(tree) -> None:
    community = tree["community"]
    community.active = False
    community.save()
    assert area_index().resolve("和平路12号桂花苑") == ResolvedArea(
        tree["east"].pk, tree["street"].pk
    )
