"""The delivery log on the order page and in the API."""

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_the_api_lists_an_orders_messages_as_the_user_may_see_them(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    token = create_token(user=city.handler())
    answer = client.get(
        f"/api/v1/orders/{order.number}/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert [(m["kind"], m["channel"], m["recipient"], m["status"]) for m in answer.json()] == [
        ("receipt", "sms", "138****5678", "pending"),
        ("new_order", "sms", "13900000001", "pending"),
        ("new_order", "email", "duty@dongcheng1.gov.cn", "pending"),
    ]


def test_the_order_page_shows_the_delivery_log(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert (
        "通知记录" in page and "受理回执" in page and "新工单提醒" in page and "13812345678" in page
    )
