"""Every page and API list runs the same number of queries with 4 orders as with 40: no query per
row (N+1), whatever the size of the data."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.analytics.services import refresh_rollup
from hotline.api.services import create_token
from hotline.core import cache as reference
from hotline.orders import services
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db

STATES = [
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.PENDING_VISIT,
    Status.CLOSED,
]
LAST_MONTH = f"{timezone.localdate().replace(day=1) - timedelta(days=1):%Y-%m}"
YESTERDAY = date.today() - timedelta(days=1)

PAGES = {
    "dispatcher": [
        "/",
        "/orders/",
        "/orders/?status=accepted",
        "/dashboard/",
        "/intake/",
        "/reports/",
        f"/reports/daily/?date={YESTERDAY}",
        f"/reports/weekly/?date={YESTERDAY}",
        f"/reports/monthly/?month={LAST_MONTH}",
    ],
    "handler": ["/", "/orders/", "/dashboard/"],
    "visitor": ["/", "/orders/"],
}
API = [
    "/api/v1/orders",
    "/api/v1/orders?status=accepted",
    "/api/v1/units",
    "/api/v1/users",
    "/api/v1/categories",
    "/api/v1/sla-policies",
    "/api/v1/articles",
]
OPEN311 = ["/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests.xml"]


def add_orders(city: City, n: int) -> None:
    for i in range(n):
        factories.order_in(STATES[i % len(STATES)], city, caller_phone=f"139{i:08d}")
    refresh_rollup()


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def user_for(city: City, role):
    return {"dispatcher": city.dispatcher, "handler": city.handler(), "visitor": city.visitor}[role]


@pytest.mark.parametrize(
    "role, path", [(role, path) for role, paths in PAGES.items() for path in paths]
)
def test_a_page_runs_as_many_queries_with_ten_times_the_orders(
    city: City, client: Client, role, path
) -> None:
    client.force_login(user_for(city, role))
    add_orders(city, 4)
    few = queries(lambda: fresh(client, path))
    add_orders(city, 36)
    assert queries(lambda: fresh(client, path)) == few


def fresh(client: Client, path):
    """The page as its first viewer gets it: built reports are kept a while (Django's cache), the
    unit tree and other reference data too (each process's own)."""
    cache.clear()
    reference.forget()
    return client.get(path)


@pytest.mark.parametrize("path", API)
def test_an_api_list_runs_as_many_queries_with_ten_times_the_orders(
    city: City, client: Client, path
) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.dispatcher)}"}
    add_orders(city, 4)
    client.get(path, **headers)
    few = queries(lambda: client.get(path, **headers))
    add_orders(city, 36)
    assert queries(lambda: client.get(path, **headers)) == few


@pytest.mark.parametrize("path", OPEN311)
def test_an_open311_list_runs_as_many_queries_with_ten_times_the_orders(
    city: City, client: Client, path
) -> None:
    add_orders(city, 4)
    client.get(path)
    few = queries(lambda: client.get(path))
    add_orders(city, 36)
    assert queries(lambda: client.get(path)) == few


def test_an_order_page_runs_as_many_queries_however_long_its_history(
    city: City, client: Client
) -> None:
    client.force_login(city.dispatcher)
    short = factories.order_in(Status.CLOSED, city)
    long = factories.order_in(Status.CLOSED, city)
    for _ in range(3):  # handled again and again: three times the events
        long = services.reopen_order(order=long, actor=city.visitor, reason="仍未解决")
        long = services.accept_order(order=long, actor=city.handler())
        long = services.reply_order(order=long, actor=city.handler(), result="已处理", solved=True)
        long = services.approve_reply(order=long, actor=city.dispatcher)
        long = services.visit_order(
            order=long, actor=city.visitor, resolved=True, satisfaction="satisfied"
        )
    path = "/orders/{}/"
    client.get(path.format(short.number))
    assert queries(lambda: client.get(path.format(long.number))) == queries(
        lambda: client.get(path.format(short.number))
    )
