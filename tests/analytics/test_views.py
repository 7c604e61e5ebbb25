"""The report pages: for the centre, as pages, PDF and Excel; refused to units; bad input named."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from hotline.analytics.services import refresh_rollup
from hotline.core import clock
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(city):
    with clock.frozen_at(datetime(2026, 10, 12, 10, tzinfo=SHANGHAI)):
        factories.order_in(Status.CLOSED, city)
    refresh_rollup()
    return city


def test_the_supervisor_reads_the_monthly_analysis_with_its_charts(october, client):
    client.force_login(october.supervisor)
    page = client.get("/reports/monthly/?month=2026-10")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "2026年10月 12345热线运行分析" in body
        and "data-echarts" in body
        and "街道/镇综合排名" in body
    )


@pytest.mark.parametrize("fmt, magic", [("pdf", b"%PDF-"), ("xlsx", b"PK")])
def test_each_report_downloads_as_a_real_file(october, client, fmt, magic):
    client.force_login(october.dispatcher)
    response = client.get(f"/reports/daily/?date=2026-10-12&format={fmt}")
    assert response.status_code == 200 and response.content.startswith(magic)
    assert f'filename="daily-2026-10-12.{fmt}"' in response["Content-Disposition"]


def test_the_weekly_workbook_has_numbers_as_numbers(october, client):
    client.force_login(october.supervisor)
    book = load_workbook(
        io.BytesIO(client.get("/reports/weekly/?date=2026-10-14&format=xlsx").content)
    )
    ranking = next(book[name] for name in book.sheetnames if "街道" in name)
    first = [cell.value for cell in ranking[2]]
    assert (
        first[0] == 1 and first[1] == october.streets[0].name and isinstance(first[2], int | float)
    )


def test_a_unit_cannot_read_the_reports(october, client):
    client.force_login(october.lead())
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/monthly/?month=2026-10&format=pdf").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/reports/monthly/?month=October",
        "/reports/daily/?date=2026-13-01",
        "/reports/yearly/?date=2026-10-01",
    ],
)
def test_a_bad_request_is_named_and_answered_400(october, client, url):
    client.force_login(october.supervisor)
    response = client.get(url)
    assert response.status_code == 400 and "errors" in response.content.decode()


def test_a_units_dashboard_shows_its_own_rates(october, client):
    client.force_login(october.lead())
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert page.context["rates"]["ranking"] == []  # the city's ranking is the centre's


def test_the_reports_link_is_shown_to_exactly_those_the_reports_let_in(october, client):
    for user, shown in [
        (october.supervisor, True),
        (october.dispatcher, True),
        (october.operator, False),
        (october.lead(), False),
    ]:
        client.force_login(user)
        assert ('href="/reports/"' in client.get("/").content.decode()) is shown, user.role
