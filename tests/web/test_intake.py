"""The operator's intake page and its live suggestion panel."""

import pytest
from django.test import Client

from hotline.knowledge.models import Article
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.usefixtures("model_in_use")

SEWER = "小区门口的下水道堵了好几天，污水都漫到路上了"


def test_the_suggestion_panel_shows_category_unit_duplicates_and_articles(
    client: Client, city: City
) -> None:
    earlier = factories.register(
        city,
        text="11小区门口下水道堵了好几天，污水漫到路上",
        address="东城1路11小区3栋",
        category_code="03.04",
    )
    Article.objects.create(
        title="下水道堵塞报修", body="下水道堵塞请拨打水务热线 96616。", keywords="下水道 堵塞 报修"
    )
    client.force_login(city.operator)
    page = client.get(
        "/intake/suggestions/", {"text": SEWER, "address": "东城1路11小区5栋"}
    ).content.decode()
    assert "03.04 下水道堵塞" in page and "水务局" in page
    assert earlier.number in page
    assert "下水道堵塞报修" in page and 'data-article="' in page


def test_the_panel_counts_a_repeat_caller(client: Client, city: City) -> None:
    factories.register(city, caller_phone="13700001111")
    client.force_login(city.operator)
    assert (
        "近 30 天来电 1 次"
        in client.get("/intake/suggestions/", {"caller_phone": "13700001111"}).content.decode()
    )


def test_registering_keeps_the_operators_category_and_the_suggestion_beside_it(
    client: Client, city: City
) -> None:
    client.force_login(city.operator)
    response = client.post(
        "/intake/",
        {
            "text": SEWER,
            "address": "东城1路11小区",
            "order_type": "help",
            "category_code": "03.05",
            "urgency": "normal",
            "channel": "phone",
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.category.code == "03.05" and order.suggestions["category"]["code"] == "03.04"


def test_a_consultation_is_answered_on_the_spot_with_the_article_recorded(
    client: Client, city: City
) -> None:
    article = Article.objects.create(
        title="公租房申请", body="向街道提交申请表。", keywords="公租房"
    )
    client.force_login(city.operator)
    client.post(
        "/intake/",
        {
            "text": "请问公租房怎么申请",
            "order_type": "consultation",
            "category_code": "05.05",
            "urgency": "normal",
            "channel": "phone",
            "answer": "向街道提交申请表。",
            "article": article.pk,
            "answer_now": "1",
        },
    )
    order = WorkOrder.objects.get()
    assert order.status == Status.CLOSED and order.answer == "向街道提交申请表。"
    assert order.events.get(action="answer_on_the_spot").payload["article"] == str(article.pk)


def test_bad_input_is_shown_on_the_form_and_nothing_is_registered(
    client: Client, city: City
) -> None:
    client.force_login(city.operator)
    page = client.post(
        "/intake/",
        {
            "text": SEWER,
            "address": "火星基地",
            "order_type": "help",
            "urgency": "normal",
            "channel": "phone",
            "caller_phone": "12",
        },
    ).content.decode()
    assert "电话号码格式不正确" in page or "不在本市范围内" in page
    assert not WorkOrder.objects.exists()


def test_answering_on_the_spot_without_an_answer_registers_nothing(
    client: Client, city: City
) -> None:
    client.force_login(city.operator)
    page = client.post(
        "/intake/",
        {
            "text": "请问公租房怎么申请",
            "order_type": "consultation",
            "urgency": "normal",
            "channel": "phone",
            "answer_now": "1",
        },
    ).content.decode()
    assert "不能为空" in page
    assert not WorkOrder.objects.exists()


def test_a_unit_handler_may_not_open_the_intake_page(client: Client, city: City) -> None:
    client.force_login(city.handler())
    assert client.get("/intake/").status_code == 403
    assert client.get("/intake/suggestions/", {"text": SEWER}).status_code == 403


def test_the_callers_earlier_orders_appear_as_the_phone_is_typed(
    client: Client, city: City
) -> None:
    earlier = factories.order_in(Status.CLOSED, city)
    client.force_login(city.operator)
    panel = client.get(
        "/intake/suggestions/", {"text": "", "caller_phone": "138-1234-5678"}
    ).content.decode()
    assert "该号码的历史工单" in panel and earlier.number in panel
