"""The language switch in a real browser, with screenshots of the English pages."""

import pytest

from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

from .conftest import DESKTOP, PHONE, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_switch_turns_the_console_and_the_portal_english(open_page, city: City) -> None:
    number = factories.order_in(Status.DISPATCHED, city).number
    handler = open_page(DESKTOP)
    log_in(handler, city.handler())
    handler.click("form.language button")
    assert "My queue" in handler.inner_text("header") and number in handler.inner_text("main")
    screenshot(handler, "handler-home-english-1440x900")
    citizen = open_page(PHONE)
    citizen.goto("/portal/")
    citizen.click("form.language button")
    assert "Submit a request" in citizen.inner_text("main")
    screenshot(citizen, "portal-submit-english-390x844")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
