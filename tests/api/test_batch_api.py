"""Registering several orders in one request (批量登记)."""

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.models import Event, WorkOrder
from hotline.orders.services import MAX_BATCH
from tests.factories import City

pytestmark = pytest.mark.usefixtures("model_in_use")
SEWER = "小区门口的下水道堵了好几天，污水都漫到路上了"


@pytest.fixture
def bearer(city: City):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.operator)}"}


def batch(client: Client, bearer, orders, **extra):
    return client.post(
        "/api/v1/orders/batch",
        {"orders": orders},
        content_type="application/json",
        **bearer,
        **extra,
    )


def test_a_batch_registers_every_order_with_its_suggestions_in_the_order_given(
    client: Client, city: City, bearer
) -> None:
    orders = [
        {"text": SEWER, "address": "东城1路11小区3栋"},
        {"text": "路灯不亮了，晚上很黑", "caller_phone": "13812345678"},
    ]
    response = batch(client, bearer, orders)
    assert response.status_code == 201
    items = response.json()["items"]
    assert response.json()["count"] == 2 and [i["status"] for i in items] == [
        "registered",
        "registered",
    ]
    stored = [WorkOrder.objects.get(number=i["number"]) for i in items]
    assert [o.text for o in stored] == [o["text"] for o in orders]
    assert (
        stored[0].suggestions["category"]["code"]
        == items[0]["suggestions"]["category"]["code"]
        == "03.04"
    )
    assert Event.objects.filter(order__in=stored, action="register").count() == 2


def test_a_later_order_in_a_batch_is_suggested_as_a_duplicate_of_an_earlier_registered_order(
    client: Client, city: City, bearer
) -> None:
    batch(client, bearer, [{"text": SEWER, "address": "东城1路11小区3栋"}])
    second = batch(client, bearer, [{"text": SEWER, "address": "东城1路11小区5栋"}]).json()[
        "items"
    ][0]
    assert second["suggestions"]["duplicates"]


def test_one_bad_order_refuses_the_whole_batch_naming_its_position_and_registers_nothing(
    client: Client, city: City, bearer
) -> None:
    orders = [
        {"text": SEWER},
        {"text": SEWER, "caller_phone": "12"},
        {"text": SEWER, "address": "火星1号"},
    ]
    response = batch(client, bearer, orders)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"orders.1.caller_phone"}
    assert not WorkOrder.objects.exists()


def test_an_empty_or_too_large_batch_is_a_422(client: Client, city: City, bearer) -> None:
    assert batch(client, bearer, []).status_code == 422
    assert batch(client, bearer, [{"text": SEWER}] * (MAX_BATCH + 1)).status_code == 422
    assert not WorkOrder.objects.exists()


def test_a_batch_retried_with_its_key_is_answered_alike_and_registers_nothing_more(
    client: Client, city: City, bearer
) -> None:
    orders = [{"text": SEWER}, {"text": "路灯不亮了"}]
    first = batch(client, bearer, orders, HTTP_IDEMPOTENCY_KEY="batch-1")
    again = batch(client, bearer, orders, HTTP_IDEMPOTENCY_KEY="batch-1")
    assert again.content == first.content and again["Idempotent-Replay"] == "true"
    assert WorkOrder.objects.count() == 2


def test_only_those_who_may_register_may_send_a_batch(client: Client, city: City) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.handler(city.streets[0]))}"}
    assert batch(client, headers, [{"text": SEWER}]).status_code == 403
    assert not WorkOrder.objects.exists()
