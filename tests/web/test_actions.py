"""Lifecycle actions from the order page: the same rules as the services and the API."""

import pytest
from django.test import Client

from hotline.orders import services
from hotline.orders.models import Event
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


def post(client: Client, user, order, action, **data):
    client.force_login(user)
    return client.post(f"/orders/{order.number}/{action}/", {"version": order.version, **data})


def test_the_order_page_offers_exactly_the_actions_the_user_may_take(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler())
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="action-accept"' in page and 'id="action-request_return"' in page
    assert 'id="action-dispatch"' not in page and 'id="action-visit"' not in page


def test_an_action_from_the_page_goes_through_the_service(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    answer = post(client, city.handler(), order, "accept")
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and order.events.last().actor == city.handler()


def test_a_missing_reason_is_named_beside_the_form_and_nothing_changes(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    answer = post(client, city.handler(), order, "request_return", reason="  ")
    assert answer.status_code == 422 and "不能为空" in answer.content.decode()
    assert Event.objects.filter(order=order).count() == order.version


def test_a_stale_page_is_refused(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    stale = order.version
    order = services.urge_order(order=order, actor=city.dispatcher)
    client.force_login(city.handler())
    answer = client.post(f"/orders/{order.number}/accept/", {"version": stale})
    assert answer.status_code == 409 and "工单已被他人更新" in answer.content.decode()


def test_an_action_the_table_refuses_is_explained(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    answer = post(client, city.visitor, order, "visit", satisfaction="satisfied")
    assert answer.status_code == 409 and "只能在以下状态执行" in answer.content.decode()


def test_another_units_order_cannot_be_acted_on_by_changing_the_url(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    assert post(client, city.handler(city.streets[2]), order, "accept").status_code == 404
    assert client.get(f"/orders/{order.number}/").status_code == 404
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_each_role_lands_on_its_queue_with_the_counts(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler())
    page = client.get("/").content.decode()
    assert (
        "本单位待签收和办理中的工单（1）" in page
        and order.number in page
        and "红牌（超期）" in page
    )
    client.force_login(city.visitor)
    assert order.number not in client.get("/").content.decode()
