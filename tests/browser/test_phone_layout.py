"""Every staff page also fits a phone-sized screen: nothing runs off to the side."""

import pytest

from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

from .conftest import PHONE, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_each_roles_pages_fit_a_phone_screen(
    open_page, city: City, model_in_use: ModelVersion
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    for name, user in [
        ("operator", city.operator),
        ("dispatcher", city.dispatcher),
        ("handler", city.handler()),
        ("supervisor", city.supervisor),
    ]:
        page = open_page(PHONE)
        log_in(page, user)
        paths = ["/", "/orders/", "/dashboard/", f"/orders/{order.number}/"]
        if name in ("operator", "dispatcher"):
            paths.append("/intake/")
        if name == "supervisor":
            paths += [
                "/reports/",
                f"/reports/monthly/?month={order.registered_at:%Y-%m}",
                f"/reports/daily/?date={order.registered_at:%Y-%m-%d}",
            ]
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} {path} is {width}px wide"
        screenshot(page, f"{name}-last-page-390x844")
