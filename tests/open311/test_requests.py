"""Open311 requests: read by anyone, posted with an api_key, in JSON and XML."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.test import Client
from jsonschema import Draft7Validator

from hotline.api.services import create_token
from hotline.core import clock
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311-schema"
needs_schemas = pytest.mark.skipif(
    not SCHEMAS.exists(), reason="the published schemas are not beside the project"
)


def post(client: Client, **fields):
    return client.post("/open311/v2/requests.json", fields)


@needs_schemas
def test_requests_are_listed_with_status_agency_and_expected_time_as_the_schema_says(
    client: Client, city: City
) -> None:
    dispatched = factories.order_in(Status.DISPATCHED, city)
    closed = factories.order_in(Status.CLOSED, city)
    listed = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json()}
    schema = json.loads((SCHEMAS / "request.json").read_text())
    for document in listed.values():
        assert not list(Draft7Validator(schema).iter_errors(document))
    assert (
        listed[dispatched.number]["status"] == "open"
        and listed[closed.number]["status"] == "closed"
    )
    assert listed[dispatched.number]["agency_responsible"] == city.streets[0].name
    assert (
        datetime.fromisoformat(listed[dispatched.number]["expected_datetime"])
        == dispatched.finish_deadline
    )


def test_requests_filter_by_id_service_code_status_and_dates(client: Client, city: City) -> None:
    garbage = factories.order_in(Status.DISPATCHED, city)
    light = factories.register(city, text="路灯不亮", category_code="03.03")

    def ids(**p):
        return [r["service_request_id"] for r in client.get("/open311/v2/requests.json", p).json()]

    assert ids(service_request_id=light.number) == [light.number]
    assert ids(service_code="02.01") == [garbage.number]
    assert set(ids(status="open")) == {garbage.number, light.number} and ids(status="closed") == []
    assert ids(start_date=(clock.now() + timedelta(days=1)).isoformat()) == []


def test_a_bad_status_or_date_is_a_400_in_the_specifications_format(
    client: Client, city: City
) -> None:
    response = client.get("/open311/v2/requests.json", {"status": "pending"})
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    assert client.get("/open311/v2/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_a_confidential_report_is_never_published(client: Client, city: City) -> None:
    secret = factories.register(city, confidential=True, order_type="report")
    assert secret.number not in client.get("/open311/v2/requests.json").content.decode()
    assert client.get(f"/open311/v2/requests/{secret.number}.json").status_code == 404


def test_one_request_and_its_token_in_json_and_xml(client: Client, city: City) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    [document] = client.get(f"/open311/v2/requests/{order.number}.json").json()
    assert document["service_code"] == "02.01"
    root = ElementTree.fromstring(client.get(f"/open311/v2/requests/{order.number}.xml").content)
    assert (
        root.tag == "service_requests"
        and root.find("request/service_request_id").text == order.number
    )
    assert client.get(f"/open311/v2/tokens/{order.number}.json").json() == [
        {"service_request_id": order.number, "token": order.number}
    ]
    assert client.get("/open311/v2/requests/nope.json").status_code == 404


def test_a_post_with_a_valid_api_key_registers_an_open311_order(
    client: Client, city: City, model_in_use: ModelVersion
) -> None:
    response = post(
        client,
        api_key=create_token(user=city.operator),
        service_code="02.01",
        address_string="东城1路11小区3栋",
        description="门口垃圾三天没人清运",
        **{"attribute[urgency]": "urgent"},
    )
    assert response.status_code == 201
    [receipt] = response.json()
    order = WorkOrder.objects.get(number=receipt["service_request_id"])
    assert (order.channel, order.category.code, order.urgency, order.street) == (
        "open311",
        "02.01",
        "urgent",
        city.streets[0],
    )
    assert order.suggestions["category"]["code"]


def test_a_post_by_location_alone_keeps_the_coordinates(
    client: Client, city: City, model_in_use: ModelVersion
) -> None:
    response = post(
        client,
        api_key=create_token(user=city.operator),
        service_code="03.03",
        lat="30.27",
        long="120.15",
        description="路灯不亮",
    )
    order = WorkOrder.objects.get(number=response.json()[0]["service_request_id"])
    assert (float(order.latitude), float(order.longitude)) == (30.27, 120.15)


@pytest.mark.parametrize(
    "fields, status",
    [
        ({}, 403),  # no api_key
        ({"api_key": "wrong"}, 403),
        ({"service_code": "02.01"}, 400),  # no location
        ({"service_code": "99.99", "address_string": "东城1路"}, 404),
        (
            {"service_code": "02.01", "address_string": "东城1路", "description": ""},
            400,
        ),  # empty text
    ],
)
def test_a_bad_post_gets_the_specifications_error_and_registers_nothing(
    client: Client, city: City, model_in_use: ModelVersion, fields, status
) -> None:
    if "api_key" not in fields and fields:
        fields["api_key"] = create_token(user=city.operator)
    response = post(client, **fields)
    assert response.status_code == status and response.json()[0]["code"] == status
    assert not WorkOrder.objects.exists()


def test_a_handlers_api_key_may_not_post(client: Client, city: City) -> None:
    response = post(
        client,
        api_key=create_token(user=city.handler()),
        service_code="02.01",
        address_string="东城1路",
        description="垃圾",
    )
    assert response.status_code == 403
