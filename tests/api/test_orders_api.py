"""Orders through the API: lists, one order, every action, visibility, conflicts, idempotency."""

from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Action, Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.usefixtures("model_in_use")


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=user)}"}


def post(client: Client, path, body, headers, **extra):
    return client.post(f"/api/v1{path}", body, content_type="application/json", **headers, **extra)


def test_the_list_counts_every_match_and_pages_with_limit_and_offset(
    client: Client, city: City
) -> None:
    numbers = [factories.register(city).number for _ in range(5)]
    page = client.get("/api/v1/orders", {"limit": 2, "offset": 1}, **auth(city.dispatcher)).json()
    assert page["count"] == 5
    assert [o["number"] for o in page["items"]] == list(reversed(numbers))[1:3]


def test_the_list_filters_by_status_category_and_text(client: Client, city: City) -> None:
    dispatched = factories.order_in(Status.DISPATCHED, city)
    other = factories.register(city, text="路灯不亮了，晚上很黑", category_code="03.03")
    headers = auth(city.dispatcher)
    assert [
        o["number"]
        for o in client.get("/api/v1/orders", {"status": "dispatched"}, **headers).json()["items"]
    ] == [dispatched.number]
    assert [
        o["number"]
        for o in client.get("/api/v1/orders", {"category": "03.03"}, **headers).json()["items"]
    ] == [other.number]
    assert [
        o["number"] for o in client.get("/api/v1/orders", {"q": "路灯"}, **headers).json()["items"]
    ] == [other.number]


def test_a_bad_filter_is_a_422_naming_it(client: Client, city: City) -> None:
    response = client.get(
        "/api/v1/orders", {"status": "nonsense", "limit": 0}, **auth(city.dispatcher)
    )
    assert response.status_code == 422 and {"status", "limit"} <= set(response.json()["errors"])


def test_a_sibling_street_neither_lists_nor_reads_nor_acts_on_another_streets_order(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)  # streets[0]
    headers = auth(city.handler(city.streets[1]))
    assert client.get("/api/v1/orders", **headers).json()["count"] == 0
    assert client.get(f"/api/v1/orders/{order.number}", **headers).status_code == 404
    assert post(client, f"/orders/{order.number}/accept", {}, headers).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_one_order_comes_with_its_timeline_and_a_masked_phone_for_units(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    body = client.get(f"/api/v1/orders/{order.number}", **auth(city.handler())).json()
    assert [e["action"] for e in body["timeline"]] == ["register", "dispatch", "accept"]
    assert body["caller_phone"] == "138****5678"
    assert (
        client.get(f"/api/v1/orders/{order.number}", **auth(city.dispatcher)).json()["caller_phone"]
        == "13812345678"
    )


def test_a_confidential_reporter_is_not_revealed_even_to_the_centre(
    client: Client, city: City
) -> None:
    order = factories.register(city, confidential=True, order_type="report")
    body = client.get(f"/api/v1/orders/{order.number}", **auth(city.dispatcher)).json()
    assert (body["caller_name"], body["caller_phone"], body["confidential"]) == ("", "", True)


def test_an_order_lives_its_whole_life_through_the_api(client: Client, city: City) -> None:
    number = post(
        client,
        "/orders",
        {
            "text": "东城1路11小区门口垃圾三天没人清运",
            "address": "东城1路11小区",
            "category_code": "02.01",
            "caller_phone": "13812345678",
        },
        auth(city.operator),
    ).json()["number"]
    steps = [
        (city.dispatcher, "dispatch", {}),
        (city.handler(), "accept", {}),
        (city.handler(), "record_contact", {"way": "电话"}),
        (city.handler(), "reply", {"result": "已清运", "solved": True}),
        (city.dispatcher, "approve_reply", {}),
        (city.visitor, "visit", {"resolved": True, "satisfaction": "satisfied"}),
    ]
    for actor, action, body in steps:
        response = post(client, f"/orders/{number}/{action}", body, auth(actor))
        assert response.status_code == 200, (action, response.json())
    assert response.json()["status"] == "closed" and len(response.json()["timeline"]) == 7


def test_an_illegal_transition_is_a_409_with_the_reason_and_changes_nothing(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    response = post(
        client,
        f"/orders/{order.number}/reply",
        {"result": "已处理", "solved": True},
        auth(city.dispatcher),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed" and response.json()["reason"]
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_the_wrong_role_is_a_403(client: Client, city: City) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    response = post(client, f"/orders/{order.number}/dispatch", {}, auth(city.visitor))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_a_stale_version_is_a_409_conflict(client: Client, city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    response = post(
        client,
        f"/orders/{order.number}/accept",
        {"version": order.version - 1},
        auth(city.handler()),
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_an_unknown_unit_in_a_dispatch_is_a_422_naming_the_field(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    response = post(
        client, f"/orders/{order.number}/dispatch", {"unit": 999999}, auth(city.dispatcher)
    )
    assert response.status_code == 422 and "unit" in response.json()["errors"]


def test_every_action_after_registration_has_its_own_endpoint(client: Client, db: None) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for action in Action:
        if action != Action.REGISTER:
            assert f"/api/v1/orders/{{number}}/{action.value}" in paths


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_a_post_retried_with_the_same_key_creates_one_order_and_answers_the_same(
    client: Client, city: City
) -> None:
    headers = auth(city.operator)
    body = {"text": "东城1路11小区门口垃圾三天没人清运", "address": "东城1路11小区"}
    first = post(client, "/orders", body, headers, HTTP_IDEMPOTENCY_KEY="call-42")
    again = post(client, "/orders", body, headers, HTTP_IDEMPOTENCY_KEY="call-42")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replay"] == "true"
    assert WorkOrder.objects.count() == 1


def test_the_same_key_with_another_request_is_refused(client: Client, city: City) -> None:
    headers = auth(city.operator)
    post(
        client,
        "/orders",
        {"text": "垃圾没人清运", "address": "东城1路"},
        headers,
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    response = post(
        client,
        "/orders",
        {"text": "路灯不亮", "address": "东城1路"},
        headers,
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert WorkOrder.objects.count() == 1


def test_different_keys_or_no_key_act_each_time(client: Client, city: City) -> None:
    headers = auth(city.operator)
    body = {"text": "垃圾没人清运", "address": "东城1路"}
    post(client, "/orders", body, headers, HTTP_IDEMPOTENCY_KEY="a")
    post(client, "/orders", body, headers, HTTP_IDEMPOTENCY_KEY="b")
    post(client, "/orders", body, headers)
    assert WorkOrder.objects.count() == 3


def test_a_refused_action_is_answered_the_same_on_retry_and_acts_never(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    headers = auth(city.dispatcher)
    first = post(
        client,
        f"/orders/{order.number}/reply",
        {"result": "x", "solved": True},
        headers,
        HTTP_IDEMPOTENCY_KEY="r",
    )
    again = post(
        client,
        f"/orders/{order.number}/reply",
        {"result": "x", "solved": True},
        headers,
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert first.status_code == again.status_code == 409
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_a_moment_with_an_offset_no_time_zone_has_is_a_422(client: Client, city: City) -> None:
    response = client.get(
        "/api/v1/orders", {"until": "2026-11-16T11:22:46+19:14"}, **auth(city.dispatcher)
    )
    assert response.status_code == 422 and "until" in response.json()["errors"]


# --- attachments and stale copies -----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@pytest.fixture
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def upload(client: Client, order, user, *files, **fields):
    return client.post(
        f"/api/v1/orders/{order.number}/attach", {"files": list(files), **fields}, **auth(user)
    )


@pytest.mark.usefixtures("_media")
def test_files_are_uploaded_through_the_api_and_named_in_the_timeline(
    client: Client, city: City
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = factories.order_in(Status.ACCEPTED, city)
    response = upload(
        client, order, city.handler(), SimpleUploadedFile("现场.png", PNG), note="现场照片"
    )
    assert response.status_code == 200, response.content
    last = response.json()["timeline"][-1]
    assert (last["action"], last["note"]) == ("attach", "现场照片")
    assert [a["name"] for a in last["payload"]["attachments"]] == ["现场.png"]
    assert order.attachments.count() == 1


@pytest.mark.usefixtures("_media")
def test_an_upload_that_is_not_an_image_or_pdf_is_a_422_and_nothing_is_kept(
    client: Client, city: City
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = factories.order_in(Status.ACCEPTED, city)
    response = upload(client, order, city.handler(), SimpleUploadedFile("a.png", b"<html>"))
    assert response.status_code == 422 and "attachments" in response.json()["errors"]
    assert not order.attachments.exists()
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_the_page_and_the_api_refuse_a_stale_copy_with_the_same_reason(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    api = post(
        client,
        f"/orders/{order.number}/accept",
        {"version": order.version - 1},
        auth(city.handler()),
    )
    client.force_login(city.handler())
    page = client.post(f"/orders/{order.number}/accept/", {"version": order.version - 1})
    reason = api.json()["reason"]
    assert api.status_code == page.status_code == 409
    assert "工单已被他人更新" in reason and reason in page.content.decode()
