"""A NUL character anywhere in a request is a clear refusal or is cleaned away, never a server
error (PostgreSQL cannot compare text holding one: each case here was a 500 there)."""

import json
from xml.etree import ElementTree

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/orders/%00",
        "/api/v1/orders?q=%00",
        "/orders/%00/",
        "/orders/?numbers=%00",
        "/portal/track/?number=%00",
    ],
)
def test_a_nul_in_an_address_or_query_is_a_400(city: City, client: Client, url) -> None:
    client.force_login(city.dispatcher)
    answer = client.get(url, HTTP_AUTHORIZATION=f"Bearer {create_token(user=city.dispatcher)}")
    assert answer.status_code == 400 and "NUL" in answer.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/requests/%00.json",
        "/open311/v2/tokens/%00.xml",
        "/open311/v2/services/%00.json",
        "/open311/v2/requests.json?service_request_id=%00",
        "/open311/v2/requests.xml?service_code=%00",
    ],
)
def test_open311_refuses_a_nul_in_the_specifications_error_format(client: Client, url) -> None:
    answer = client.get(url)
    assert answer.status_code == 400
    if ".xml" in url:
        assert ElementTree.fromstring(answer.content).find("error/code").text == "400"
    else:
        assert answer.json()[0]["code"] == 400


@pytest.mark.parametrize("field", ["service_code", "api_key", "description"])
def test_an_open311_post_with_a_nul_is_refused_and_registers_nothing(
    city: City, client: Client, field
) -> None:
    fields = {
        "api_key": create_token(user=city.operator),
        "service_code": "02.01",
        "address_string": "东城1路11小区",
        "description": "路灯不亮",
    }
    answer = client.post("/open311/v2/requests.json", fields | {field: fields[field] + "\x00"})
    assert answer.status_code == 400 and "NUL" in answer.json()[0]["description"]
    assert not WorkOrder.objects.exists()


def test_an_api_merge_naming_a_master_with_a_nul_names_the_field(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    answer = client.post(
        f"/api/v1/orders/{order.number}/merge",
        json.dumps({"master": "2026\x00"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=city.dispatcher)}",
    )
    assert answer.status_code == 422 and "master" in answer.content.decode()


def test_api_text_with_a_nul_is_cleaned(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    answer = client.post(
        "/api/v1/orders",
        json.dumps(
            {"text": "路灯\x00不亮", "address": "东城1路11小区\x00", "caller_name": "王\x00"}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=city.operator)}",
    )
    order = WorkOrder.objects.get(number=answer.json()["number"])
    assert (order.text, order.address, order.caller_name) == ("路灯不亮", "东城1路11小区", "王")


def test_the_api_refuses_a_nul_in_its_own_error_format(city: City, client: Client) -> None:
    answer = client.get(
        "/api/v1/articles?q=%00", HTTP_AUTHORIZATION=f"Bearer {create_token(user=city.dispatcher)}"
    )
    assert (
        answer.status_code == 400
        and answer.json()["code"] == "invalid_input"
        and "NUL" in answer.json()["message"]
    )
