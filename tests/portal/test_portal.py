"""The citizen portal: submit, track by number and phone, rate from the survey link."""

import pytest
from django.test import Client
from pytest_django import Settings

from hotline.notifications import links
from hotline.notifications.models import Message
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db

REQUEST = {
    "order_type": "complaint",
    "text": "东城1路11小区门口的路灯坏了一个星期，晚上很黑",
    "address": "东城1路11小区",
    "caller_name": "王女士",
    "caller_phone": "13912345678",
}


def test_a_submitted_request_becomes_a_web_order_and_the_citizen_sees_its_number(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    answer = client.post("/portal/", REQUEST, follow=True)
    order = WorkOrder.objects.get()
    assert (order.channel, order.status, order.caller_phone, order.order_type) == (
        "web",
        "registered",
        "13912345678",
        "complaint",
    )
    assert order.events.get().actor_role == "citizen"
    assert order.number in answer.content.decode()
    assert Message.objects.filter(order=order, kind="receipt").exists()


@pytest.mark.parametrize(
    ("phone", "reason"), [("13x", "电话号码格式不正确"), ("02787654321", "请填写 11 位手机号码")]
)
def test_a_phone_that_cannot_take_an_sms_is_refused_and_nothing_is_registered(
    city: City, client: Client, phone, reason
) -> None:
    answer = client.post("/portal/", REQUEST | {"caller_phone": phone})
    assert reason in answer.content.decode()
    assert not WorkOrder.objects.exists()


def test_an_empty_request_is_refused(city: City, client: Client) -> None:
    answer = client.post("/portal/", REQUEST | {"text": "   "})
    assert answer.status_code == 200 and "这个字段是必填项" in answer.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_robot_filling_the_hidden_field_registers_nothing(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    client.post("/portal/", REQUEST | {"website": "http://spam.example"})
    assert not WorkOrder.objects.exists()


def test_too_many_submissions_from_one_address_are_turned_away(
    city: City, client: Client, model_in_use: ModelVersion, settings: Settings
) -> None:
    settings.HOTLINE_RATE_LIMITS = settings.HOTLINE_RATE_LIMITS | {"portal.submit": "3/3600"}
    for _ in range(3):
        assert client.post("/portal/", REQUEST).status_code == 302
    answer = client.post("/portal/", REQUEST)
    assert answer.status_code == 429 and "操作过于频繁" in answer.content.decode()
    assert 1 <= int(answer["Retry-After"]) <= 3600
    assert WorkOrder.objects.count() == 3


def test_the_caller_tracks_an_order_by_number_and_phone(city: City, client: Client) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    page = client.post(
        "/portal/track/", {"number": order.number, "phone": "138 1234 5678"}
    ).content.decode()
    assert "待回访" in page and "已转交承办单位（东城1街道）" in page and "已清运完毕" in page
    assert city.handler().username not in page and city.dispatcher.username not in page


def test_a_wrong_phone_and_a_wrong_number_get_the_same_answer(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    wrong_phone = client.post(
        "/portal/track/", {"number": order.number, "phone": "13900000000"}
    ).content.decode()
    wrong_number = client.post(
        "/portal/track/", {"number": "2099010100001", "phone": "13812345678"}
    ).content.decode()
    assert "工单编号与手机号码不匹配" in wrong_phone and "工单编号与手机号码不匹配" in wrong_number
    assert order.text not in wrong_phone


def test_the_tracking_link_of_the_receipt_fills_in_the_number(city: City, client: Client) -> None:
    order = factories.register(city)
    link = links.tracking_url(order.number).split("8000", 1)[1]
    assert f'value="{order.number}"' in client.get(link).content.decode()


def test_the_survey_link_records_the_citizens_rating_and_closes_the_order(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    path = links.survey_url(order.number).split("8000", 1)[1]
    answer = client.post(
        path, {"resolved": "0", "satisfaction": "unsatisfied", "note": "路灯还是不亮"}, follow=True
    )
    order.refresh_from_db()
    assert (order.status, order.resolved, order.satisfaction) == ("closed", False, "unsatisfied")
    visit = order.events.get(action="visit")
    assert (visit.actor_id, visit.actor_role, visit.note) == (None, "citizen", "路灯还是不亮")
    assert (
        "感谢您的评价" in answer.content.decode()
        and "已评价：不满意，未解决" in answer.content.decode()
    )


def test_a_rated_order_cannot_be_rated_again_through_the_link(city: City, client: Client) -> None:
    order = factories.order_in(Status.CLOSED, city)
    path = links.survey_url(order.number).split("8000", 1)[1]
    client.post(path, {"resolved": "0", "satisfaction": "unsatisfied"})
    order.refresh_from_db()
    assert order.satisfaction == "satisfied" and order.events.filter(action="visit").count() == 1


def test_a_forged_survey_link_is_refused(city: City, client: Client) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    answer = client.get(f"/portal/rate/{order.number}/")
    assert answer.status_code == 404 and "链接无效" in answer.content.decode()
