"""A citizen on a phone: submit a request, read the number, track it; then rate it from the link."""

import pytest

from hotline.notifications import links
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

from .conftest import PHONE, screenshot, submit_in_portal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_citizen_submits_on_a_phone_and_tracks_the_order(
    open_page, city: City, model_in_use: ModelVersion
) -> None:
    page = open_page(PHONE)
    page.goto("/portal/")
    screenshot(page, "portal-submit-390x844")
    number = submit_in_portal(
        page,
        "东城1路11小区门口的路灯坏了一个星期，晚上很黑，老人出门不方便",
        "东城1路11小区",
        "13912345678",
    )
    screenshot(page, "portal-submitted-390x844")
    order = WorkOrder.objects.get(number=number)
    assert (order.channel, order.caller_phone) == ("web", "13912345678")

    page.click("main >> text=查询进度")
    page.fill("input[name=phone]", "13912345678")
    page.click("main button[type=submit]")
    assert "诉求已受理" in page.inner_text("main")
    screenshot(page, "portal-track-390x844")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    )  # nothing runs off the screen


def test_a_citizen_rates_from_the_survey_link(open_page, city: City) -> None:
    order = factories.order_in(Status.PENDING_VISIT, city)
    page = open_page(PHONE)
    page.goto(links.survey_url(order.number).split("8000", 1)[1])
    page.check("input[name=resolved][value='1']")
    page.check("input[name=satisfaction][value=satisfied]")
    screenshot(page, "portal-rate-390x844")
    page.click("main button[type=submit]")
    assert "感谢您的评价" in page.inner_text("main")
    order.refresh_from_db()
    assert (order.status, order.satisfaction) == (Status.CLOSED, "satisfied")
