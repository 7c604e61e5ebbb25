"""The domain's refusals and field errors follow the user's language: English for a user who chose
English, Chinese otherwise (and always Chinese for API clients that did not choose)."""

import html

import pytest
from django.core.cache import cache
from django.test import Client

from hotline.api.services import create_token
from hotline.orders import services
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()  # the portal's forms are rate-limited per client address


def english(client: Client, next_page="/") -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": next_page})


def post(client: Client, user, order, action, **data):
    client.force_login(user)
    answer = client.post(f"/orders/{order.number}/{action}/", {"version": order.version, **data})
    return answer, html.unescape(answer.content.decode())


def test_an_action_in_the_wrong_state_is_refused_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    english(client)
    answer, page = post(client, city.handler(), order, "accept")
    assert answer.status_code == 409
    assert (
        f'"Accept" cannot be taken on order {order.number} (status: In hand): '
        "Only possible in these states: Dispatched"
    ) in page
    assert "只能在以下状态执行" not in page and "不能执行" not in page


def test_the_same_refusal_in_chinese(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer, page = post(client, city.handler(), order, "accept")
    assert answer.status_code == 409
    assert (
        f"工单 {order.number} 不能执行「签收」（当前状态：办理中）：只能在以下状态执行：已派单"
        in page
    )
    assert "Only possible" not in page


def test_the_wrong_role_is_refused_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    english(client)
    answer, page = post(
        client, city.handler(), order, "reassign", unit=city.streets[1].pk, reason="not ours"
    )
    assert answer.status_code == 403
    assert '"Handler" may not do this; it is for: Dispatcher' in page and "无权执行" not in page


def test_a_guard_of_the_service_is_said_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    order = services.request_extension(order=order, actor=city.handler(), days=3, reason="需要协调")
    english(client)
    answer, page = post(
        client, city.handler(), order, "request_extension", days="2", reason="more time"
    )
    assert answer.status_code == 409
    assert (
        "An extension request is already awaiting approval" in page
        and "已有待审批的延期申请" not in page
    )


def test_a_missing_reason_is_named_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    english(client)
    answer, page = post(client, city.handler(), order, "request_return", reason="  ")
    assert answer.status_code == 422 and "Must not be empty" in page and "不能为空" not in page
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_a_field_error_of_the_service_is_said_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    english(client)
    answer, page = post(
        client, city.dispatcher, order, "close", reason="x" * 201
    )  # the form takes it, the service not
    assert (
        answer.status_code == 422
        and "At most 200 characters (this has 201)" in page
        and "不能超过" not in page
    )
    assert WorkOrder.objects.get(pk=order.pk).status == Status.PENDING_VISIT


def test_a_bad_phone_at_intake_is_said_in_english(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    client.force_login(city.operator)
    english(client, "/intake/")
    answer = client.post(
        "/intake/",
        {
            "text": "小区门口的下水道堵了好几天",
            "address": "东城1路11小区",
            "order_type": "help",
            "urgency": "normal",
            "channel": "phone",
            "caller_phone": "12",
        },
    )
    page = html.unescape(answer.content.decode())
    assert 'Not a valid phone number: "12"' in page and "电话号码格式不正确" not in page
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("13x", 'Not a valid phone number: "13x"'),
        ("02787654321", "Enter an 11-digit mobile number"),
    ],
)
def test_a_bad_phone_in_the_portal_is_said_in_english(
    city: City, client: Client, phone, reason
) -> None:
    english(client, "/portal/")
    answer = client.post(
        "/portal/",
        {
            "order_type": "complaint",
            "text": "东城1路11小区门口的路灯坏了一个星期",
            "address": "东城1路11小区",
            "caller_phone": phone,
        },
    )
    page = html.unescape(answer.content.decode())
    assert (
        reason in page and "电话号码格式不正确" not in page and "请填写 11 位手机号码" not in page
    )
    assert not WorkOrder.objects.exists()


def test_a_failed_tracking_lookup_is_said_in_english(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    english(client, "/portal/track/")
    page = html.unescape(
        client.post(
            "/portal/track/", {"number": order.number, "phone": "13900000000"}
        ).content.decode()
    )
    assert "The order number and the mobile number do not match" in page


def test_the_api_still_answers_in_chinese_by_default(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = client.post(
        f"/api/v1/orders/{order.number}/accept",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=city.handler())}",
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
    )
    assert answer.status_code == 409
    assert answer.json()["reason"] == "只能在以下状态执行：已派单"
    assert (
        answer.json()["message"]
        == f"工单 {order.number} 不能执行「签收」（当前状态：办理中）：只能在以下状态执行：已派单"
    )
