import json
from datetime import timedelta

import pytest
from django.test import Client
from pytest_django import Settings

from hotline.core import clock
from hotline.orders.workflow import Status
from hotline.org.models import User
from tests import factories
from tests.factories import City


def test_the_order_list_asks_for_a_login(client: Client, city: City) -> None:
    response = client.get("/orders/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_centre_sees_every_order_in_the_list(client: Client, city: City) -> None:
    mine = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    response = client.get("/orders/")
    assert response.status_code == 200
    assert mine.number in response.content.decode()


def test_the_list_filters_by_status(client: Client, city: City) -> None:
    dispatched = factories.order_in(Status.DISPATCHED, city)
    registered = factories.order_in(Status.REGISTERED, city)
    client.force_login(city.dispatcher)
    page = client.get("/orders/", {"status": "registered"}).content.decode()
    assert registered.number in page
    assert dispatched.number not in page


def test_the_list_filters_by_unit(client: Client, city: City) -> None:
    garbage = factories.order_in(Status.DISPATCHED, city)  # goes to streets[0]
    other = factories.order_in(Status.DISPATCHED, city, address="西城1路", category_code="02.02")
    client.force_login(city.dispatcher)
    page = client.get("/orders/", {"unit": city.streets[0].pk}).content.decode()
    assert garbage.number in page
    assert other.number not in page


def test_a_sibling_street_neither_lists_nor_opens_another_streets_order(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler(city.streets[1]))
    assert order.number not in client.get("/orders/").content.decode()
    assert client.get(f"/orders/{order.number}/").status_code == 404


def test_the_order_page_shows_the_timeline_in_order(client: Client, city: City) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    client.force_login(city.handler())
    page = client.get(f"/orders/{order.number}/").content.decode()
    timeline = page.split("办理过程")[1]
    assert timeline.index("登记") < timeline.index("派单") < timeline.index("签收")
    assert order.text in page


def test_a_unit_sees_the_callers_phone_masked(client: Client, city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler())
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page


def test_a_confidential_reporters_identity_is_not_shown_even_to_the_centre(
    client: Client, city: City
) -> None:
    order = factories.order_in(Status.DISPATCHED, city, confidential=True, order_type="report")
    client.force_login(city.dispatcher)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "张先生" not in page
    assert "5678" not in page


def test_an_overdue_order_is_marked_red_in_the_list(client: Client, city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    with clock.frozen_at(order.accept_deadline + timedelta(minutes=1)):
        page = client.get("/orders/").content.decode()
    assert "超期" in page


def test_an_admin_can_open_the_admin_for_every_configuration_model(
    client: Client, city: City
) -> None:
    admin = User.objects.create_superuser("root", password="x", role="admin", unit=city.centre)
    client.force_login(admin)
    for path in [
        "org/unit",
        "org/user",
        "catalog/category",
        "catalog/dispatchrule",
        "sla/slapolicy",
        "sla/calendarday",
        "orders/workorder",
    ]:
        assert client.get(f"/admin/{path}/").status_code == 200, path


def test_the_admin_cannot_edit_orders_behind_the_lifecycle(client: Client, city: City) -> None:
    order = factories.order_in(Status.REGISTERED, city)
    admin = User.objects.create_superuser("root", password="x", role="admin", unit=city.centre)
    client.force_login(admin)
    response = client.post(f"/admin/orders/workorder/{order.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.REGISTERED


def dashboard_figures(client: Client) -> dict:
    page = client.get("/dashboard/").content.decode()
    return json.loads(
        page.split('<script id="figures" type="application/json">')[1].split("</script>")[0]
    )


def test_the_dashboard_counts_the_orders_the_user_may_see(client: Client, city: City) -> None:
    factories.order_in(Status.DISPATCHED, city)
    factories.order_in(Status.REGISTERED, city, channel="web")
    client.force_login(city.supervisor)
    figures = dashboard_figures(client)
    assert sum(figures["per_day"]) == 2
    assert sorted((c["name"], c["value"]) for c in figures["channels"]) == [
        ("电话", 1),
        ("网站", 1),
    ]
    client.force_login(city.handler(city.streets[2]))
    assert sum(dashboard_figures(client)["per_day"]) == 0


def test_the_order_page_links_the_callers_other_orders(client: Client, city: City) -> None:
    first = factories.order_in(Status.CLOSED, city)
    second = factories.order_in(Status.DISPATCHED, city)
    other = factories.register(city, caller_phone="13900000000", address="东城2路21小区")
    client.force_login(city.dispatcher)
    page = client.get(f"/orders/{second.number}/").content.decode()
    assert f">{first.number}</a>（已办结）" in page and other.number not in page
    assert "还剩" in page


def test_a_confidential_reporters_other_orders_are_not_linked_by_phone(
    client: Client, city: City
) -> None:
    first = factories.order_in(Status.CLOSED, city)
    second = factories.order_in(Status.DISPATCHED, city, confidential=True, address="东城1路5号")
    client.force_login(city.handler())
    assert first.number not in client.get(f"/orders/{second.number}/").content.decode()


@pytest.mark.parametrize("path", ["/orders/2099010100001/", "/no-such-page/"])
def test_a_missing_page_answers_in_chinese_without_a_trace(
    client: Client, city: City, settings: Settings, path
) -> None:
    settings.DEBUG = False
    client.force_login(city.handler())
    answer = client.get(path)
    assert (
        answer.status_code == 404
        and "找不到页面" in answer.content.decode()
        and "Traceback" not in answer.content.decode()
    )


@pytest.mark.parametrize(
    ("template", "heading"),
    [("400.html", "请求有误"), ("403.html", "没有权限"), ("500.html", "系统出错了")],
)
def test_the_error_pages_render_without_a_request(template, heading) -> None:
    from django.template.loader import render_to_string

    assert f"<h1>{heading}" in render_to_string(template)
