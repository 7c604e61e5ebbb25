"""Intake through the API: tokens, suggestions, registration, errors."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from tests.factories import City

pytestmark = pytest.mark.usefixtures("model_in_use")
SEWER = "小区门口的下水道堵了好几天，污水都漫到路上了"


@pytest.fixture
def bearer(city: City):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.operator)}"}


def test_a_suggestion_comes_with_confidences_the_unit_duplicates_and_articles(
    client: Client, city: City, bearer
) -> None:
    client.post(
        "/api/v1/orders",
        {"text": SEWER, "address": "东城1路11小区3栋"},
        content_type="application/json",
        **bearer,
    )
    response = client.post(
        "/api/v1/triage/suggest",
        {"text": SEWER, "address": "东城1路11小区5栋"},
        content_type="application/json",
        **bearer,
    )
    body = response.json()
    assert response.status_code == 200
    assert body["category"]["code"] == "03.04" and 0 < body["category"]["confidence"] <= 1
    assert len(body["category"]["top3"]) == 3 and body["unit"]["name"] == "水务局"
    assert body["duplicates"] and body["duplicates"][0]["score"] >= 0.45
    assert (
        "articles" in body and body["order_type"]["value"] and body["urgency"]["value"] == "normal"
    )


def test_registering_stores_the_suggestion_beside_the_callers_choice(
    client: Client, city: City, bearer
) -> None:
    response = client.post(
        "/api/v1/orders",
        {"text": SEWER, "address": "东城1路11小区", "category_code": "03.05"},
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 201
    order = WorkOrder.objects.get(number=response.json()["number"])
    assert order.category.code == "03.05" and order.suggestions["category"]["code"] == "03.04"


def test_bad_input_is_a_422_naming_the_field_and_registers_nothing(
    client: Client, city: City, bearer
) -> None:
    response = client.post(
        "/api/v1/orders",
        {"text": SEWER, "caller_phone": "12"},
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 422
    assert (
        response.json()["code"] == "invalid_input" and "caller_phone" in response.json()["errors"]
    )
    missing = client.post(
        "/api/v1/orders", {"address": "东城1路"}, content_type="application/json", **bearer
    )
    assert missing.status_code == 422 and "text" in missing.json()["errors"]
    assert not WorkOrder.objects.exists()


def test_without_a_valid_token_the_api_answers_401(client: Client, city: City) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}):
        response = client.post(
            "/api/v1/triage/suggest", {"text": SEWER}, content_type="application/json", **headers
        )
        assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_a_revoked_token_no_longer_works(client: Client, city: City) -> None:
    token = create_token(user=city.operator)
    call_command("token", "revoke", token[:8], stdout=io.StringIO())
    response = client.post(
        "/api/v1/triage/suggest",
        {"text": SEWER},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 401


def test_a_unit_handler_may_not_register_through_the_api(client: Client, city: City) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.handler())}"}
    response = client.post(
        "/api/v1/orders", {"text": SEWER}, content_type="application/json", **headers
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not WorkOrder.objects.exists()


def test_token_create_prints_a_token_that_works(client: Client, city: City) -> None:
    out = io.StringIO()
    call_command("token", "create", city.operator.username, stdout=out)
    response = client.post(
        "/api/v1/triage/suggest",
        {"text": SEWER},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}",
    )
    assert response.status_code == 200


def test_token_create_for_an_unknown_user_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="no user named"):
        call_command("token", "create", "nobody", stdout=io.StringIO())


def test_the_openapi_document_describes_the_intake_endpoints(client: Client, db: None) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/triage/suggest", "/api/v1/orders"} <= set(paths)
