"""Where an order may be dispatched: one rule (org.selectors.dispatch_targets), which the order
page offers, the API lists and every service accepts, and nothing else."""

import re

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.core.errors import InvalidInput
from hotline.orders import services
from hotline.orders.workflow import Status
from hotline.org.models import Unit
from hotline.org.roles import Role
from hotline.org.selectors import dispatch_targets
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.usefixtures("model_in_use")


def _page_targets(client: Client, user, order, action: str) -> set[int]:
    client.force_login(user)
    page = client.get(f"/orders/{order.number}/").content.decode()
    form = re.search(rf'id="action-{action}".*?</form>', page, re.S).group(0)
    select = re.search(r'<select name="unit"[^>]*>(.*?)</select>', form, re.S).group(1)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


def _api_targets(client: Client, user) -> set[int]:
    answer = client.get(
        "/api/v1/units",
        {"dispatch_targets": "true", "limit": 500},
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=user)}",
    )
    assert answer.status_code == 200, answer.content
    return {u["id"] for u in answer.json()["items"]}


def _api_dispatch(client: Client, user, order, unit: Unit) -> int:
    return client.post(
        f"/api/v1/orders/{order.number}/dispatch",
        {"unit": unit.pk, "version": order.version},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=user)}",
    ).status_code


def test_the_centre_is_offered_every_active_unit_but_itself(city: City) -> None:
    offered = set(dispatch_targets(city.centre))
    assert offered == set(Unit.objects.filter(active=True).exclude(kind="centre"))


def test_the_page_and_the_api_offer_the_centres_dispatcher_the_same_targets(
    city: City, client: Client
) -> None:
    order = factories.register(city)
    offered = _page_targets(client, city.dispatcher, order, "dispatch")
    assert offered == _api_targets(client, city.dispatcher)
    assert offered == {u.pk for u in dispatch_targets(city.centre)}


def test_a_districts_dispatcher_is_offered_only_its_own_district(
    city: City, client: Client
) -> None:
    district = city.districts[0]
    dispatcher = city.staff(Role.DISPATCHER, district)
    order = factories.order_in(Status.DISPATCHED, city)  # at a street of that district
    offered = _page_targets(client, dispatcher, order, "reassign")
    assert offered == _api_targets(client, dispatcher)
    assert offered == {u.pk for u in Unit.objects.filter(path__startswith=district.path)}


def test_the_api_accepts_exactly_what_the_page_offers(city: City, client: Client) -> None:
    city.communities[-1].active = False
    city.communities[-1].save()
    offered = {u.pk for u in dispatch_targets(city.centre)}
    for unit in Unit.objects.all():
        order = factories.register(city)
        status = _api_dispatch(client, city.dispatcher, order, unit)
        assert (status == 200) == (unit.pk in offered), (unit, status)


def test_a_units_desk_cannot_dispatch_outside_its_unit_and_nothing_changes(city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)  # at a street of the first district
    dispatcher = city.staff(Role.DISPATCHER, city.districts[0])
    with pytest.raises(InvalidInput) as refused:
        services.reassign_order(order=order, actor=dispatcher, unit=city.streets[2], reason="改派")
    assert "派单范围" in refused.value.errors["unit"]
    order.refresh_from_db()
    assert order.unit == city.streets[0]


def test_a_co_handling_unit_follows_the_same_rule(city: City) -> None:
    city.team.active = False
    city.team.save()
    order = factories.register(city)
    with pytest.raises(InvalidInput) as refused:
        services.dispatch_order(
            order=order, actor=city.dispatcher, unit=city.streets[0], cohandlers=[city.team]
        )
    assert "不能作为承办单位" in refused.value.errors["cohandlers"]


def test_an_inactive_unit_is_neither_offered_nor_accepted(city: City, client: Client) -> None:
    street = city.streets[1]
    street.active = False
    street.save()
    assert street.pk not in _api_targets(client, city.dispatcher)
    assert _api_dispatch(client, city.dispatcher, factories.register(city), street) == 422
