"""The order list takes the filters a report's link carries, within what the user may see."""

from datetime import datetime

import pytest
from django.test import Client

from hotline.core import clock
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


def numbers(page) -> set[str]:
    return {order.number for order, _ in page.context["rows"]}


def test_a_list_of_numbers_shows_exactly_those_orders(city: City, client: Client) -> None:
    a, b, _ = (factories.register(city) for _ in range(3))
    client.force_login(city.dispatcher)
    assert numbers(client.get(f"/orders/?numbers={a.number},{b.number}")) == {a.number, b.number}


def test_category_and_days_narrow_the_list(city: City, client: Client) -> None:
    with clock.frozen_at(datetime(2026, 10, 12, 10, tzinfo=SHANGHAI)):
        rubbish = factories.register(city)
        factories.register(city, category_code="01.01", text="东城1路11小区门口流动摊贩占道经营")
    with clock.frozen_at(datetime(2026, 10, 14, 10, tzinfo=SHANGHAI)):
        factories.register(city)
    client.force_login(city.dispatcher)
    page = client.get("/orders/?category=02.01&since=2026-10-12&until=2026-10-12")
    assert numbers(page) == {rubbish.number}
    assert "另有筛选条件" in page.content.decode()


def test_numbers_of_another_units_orders_show_nothing_to_a_unit(city: City, client: Client) -> None:
    theirs = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler(city.streets[1]))
    assert numbers(client.get(f"/orders/?numbers={theirs.number}")) == set()


def test_a_bad_filter_is_named_and_lists_nothing(city: City, client: Client) -> None:
    factories.register(city)
    client.force_login(city.dispatcher)
    page = client.get("/orders/?numbers=" + ",".join(str(n) for n in range(300)))
    assert page.status_code == 400
    assert "至多查看 200 个" in page.content.decode() and numbers(page) == set()
