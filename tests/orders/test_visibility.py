"""Who sees which orders: the centre all; a unit its own and those of the units below it, and
those it co-handles; nobody else's."""

import pytest

from hotline.core.errors import PermissionDenied
from hotline.orders import selectors, services
from hotline.orders.selectors import can_see
from hotline.orders.workflow import Status
from hotline.org.models import User
from hotline.org.roles import Role
from tests import factories

S = Status
EVERY = {
    "east1",
    "east1_team",
    "east1_community",
    "east2",
    "east2_with_east1",
    "west1",
    "dept",
    "registered",
}


def _world(city) -> dict:
    """One order of each kind of responsibility."""
    dept = city.departments["城市管理局"]

    def passed_down(sub_unit):
        order = factories.order_in(S.ACCEPTED, city)
        return services.pass_down(order=order, actor=city.handler(), sub_unit=sub_unit)

    return {
        "east1": factories.order_in(S.DISPATCHED, city),
        "east1_team": passed_down(city.team),
        "east1_community": passed_down(city.communities[0]),
        "east2": factories.order_in(S.DISPATCHED, city, address="东城2路5号"),
        "east2_with_east1": factories.order_in(
            S.DISPATCHED, city, address="东城2路8号", cohandlers=[city.streets[0]]
        ),
        "west1": factories.order_in(S.DISPATCHED, city, address="西城1路"),
        "dept": services.dispatch_order(
            order=factories.register(city, category_code="02.03"), actor=city.dispatcher, unit=dept
        ),
        "registered": factories.order_in(S.REGISTERED, city),
    }


VIEWERS = {
    "the centre": (lambda c: c.dispatcher, EVERY),
    "the street": (
        lambda c: c.handler(c.streets[0]),
        {"east1", "east1_team", "east1_community", "east2_with_east1"},
    ),
    "the lead of the street": (
        lambda c: c.lead(c.streets[0]),
        {"east1", "east1_team", "east1_community", "east2_with_east1"},
    ),
    "the sibling street": (lambda c: c.handler(c.streets[1]), {"east2", "east2_with_east1"}),
    "the team below the street": (lambda c: c.handler(c.team), {"east1_team"}),
    "a community below the street": (lambda c: c.handler(c.communities[0]), {"east1_community"}),
    "another community": (lambda c: c.handler(c.communities[1]), set()),
    "the district": (
        lambda c: c.lead(c.districts[0]),
        {"east1", "east1_team", "east1_community", "east2", "east2_with_east1"},
    ),
    "the other district": (lambda c: c.lead(c.districts[1]), {"west1"}),
    "a street of the other district": (lambda c: c.handler(c.streets[2]), {"west1"}),
    "the department": (lambda c: c.handler(c.departments["城市管理局"]), {"dept"}),
    "another department": (
        lambda c: c.handler(next(u for n, u in c.departments.items() if n != "城市管理局")),
        set(),
    ),
    "a user without a unit": (lambda c: factories.user(Role.HANDLER, None), set()),
    "an admin without a unit": (lambda c: factories.user(Role.ADMIN, None), set()),
}


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_a_unit_sees_exactly_its_own_orders_those_below_it_and_those_it_co_handles(city, viewer):
    orders = _world(city)
    make_user, expected = VIEWERS[viewer]
    user = make_user(city)
    names = {order.pk: name for name, order in orders.items()}
    listed = {names[pk] for pk in selectors.visible_orders(user).values_list("pk", flat=True)}
    assert listed == expected
    assert {name for name, order in orders.items() if can_see(user, order)} == expected


def test_a_superuser_outside_any_unit_sees_everything(city):
    orders = _world(city)
    root = User.objects.create_superuser(username="root", password="x", role=Role.ADMIN)
    assert set(selectors.visible_orders(root)) == set(orders.values())
    assert all(can_see(root, order) for order in orders.values())


def test_sibling_teams_under_one_street_do_not_see_each_others_orders(city):
    orders = _world(city)
    parent = city.streets[0]
    look_alikes = [factories.unit(f"东城1街道第{i}网格", "team", parent) for i in range(12)]
    order = services.pass_down(
        order=factories.order_in(S.ACCEPTED, city), actor=city.handler(), sub_unit=look_alikes[0]
    )
    for other in look_alikes[1:]:
        assert order not in selectors.visible_orders(city.handler(other))
        assert not can_see(city.handler(other), order)
    assert set(selectors.visible_orders(city.handler(look_alikes[0]))) == {order}
    assert orders["east1"] not in selectors.visible_orders(city.handler(look_alikes[0]))


def test_a_sibling_street_cannot_act_on_an_order_it_cannot_see(city):
    order = factories.order_in(S.DISPATCHED, city)
    assert not can_see(city.handler(city.streets[1]), order)
    sibling_dispatcher = city.staff(Role.DISPATCHER, city.streets[1])
    with pytest.raises(PermissionDenied) as excinfo:
        services.reassign_order(
            order=order, actor=sibling_dispatcher, unit=city.streets[1], reason="抢单"
        )
    assert excinfo.value.reason == "该工单不在本单位的可见范围内"
