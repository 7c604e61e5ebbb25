"""The supervisor reads the monthly analysis in the console: charts drawn, the PDF downloadable."""

from datetime import datetime

import pytest

from hotline.analytics.services import refresh_rollup
from hotline.core import clock
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.factories import City

from .conftest import DESKTOP, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_monthly_analysis_draws_its_charts_and_offers_the_pdf(open_page, city: City) -> None:
    for day in (5, 12, 19):
        with clock.frozen_at(datetime(2026, 10, day, 10, tzinfo=SHANGHAI)):
            factories.order_in(Status.CLOSED, city)
    refresh_rollup()
    page = open_page(DESKTOP)
    log_in(page, city.supervisor)
    page.click("text=报表")
    page.fill("input[name=month]", "2026-10")
    page.click("form[action$='/monthly/'] button[type=submit]")
    page.wait_for_selector(".report-plot svg")
    assert page.locator(".report-plot svg").count() >= 3  # daily line, categories, streets' scores
    assert page.locator("h3", has_text="街道/镇综合排名").count() == 1
    screenshot(page, "supervisor-monthly-report-1440x900")
    with page.expect_download() as download:
        page.click("text=PDF")
    assert download.value.suggested_filename == "monthly-2026-10.pdf"
