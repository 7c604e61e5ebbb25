"""What the reports find, and that each finding links to the orders behind it."""

from datetime import date, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from hotline.analytics import reports
from hotline.analytics.selectors import Period
from hotline.analytics.services import refresh_rollup
from hotline.core import clock
from hotline.orders import services
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)


def at(day, hour=10):
    return datetime(2026, 10, day, hour, tzinfo=SHANGHAI)


def linked_numbers(link: str) -> set[str]:
    return set(parse_qs(urlparse(link).query)["numbers"][0].split(","))


def table(report, title):
    return next(t for s in report.sections for t in s.tables if t.title == title)


def test_requests_from_one_address_however_spelt_are_a_hot_spot_linked_to_its_orders(city):
    spellings = [
        "东城1路11小区3栋",
        "东城1路11小区 3栋",
        "东城1路11小区3栋",
        "东城1路11小区 3栋",
        "东城1路11小区3栋",
    ]
    with clock.frozen_at(at(12)):
        same = [
            factories.register(city, address=spelling, caller_phone=f"1381234567{i}")
            for i, spelling in enumerate(spellings)
        ]
        factories.register(city, address="东城2路5号")
    refresh_rollup()
    spots = table(reports.monthly_analysis(OCTOBER), "同一地址的重复诉求")
    assert spots.rows == [["东城1路11小区3栋", 5]]
    assert linked_numbers(spots.links[0]) == {o.number for o in same}


def test_a_repeat_caller_is_listed_without_the_phone(city):
    with clock.frozen_at(at(12)):
        for i in range(3):
            factories.register(city, address=f"东城1路{i}号", caller_phone="13912345678")
    refresh_rollup()
    report = reports.monthly_analysis(OCTOBER)
    callers = table(report, "重复来电")
    assert callers.rows[0][:2] == ["来电人1", 3]
    assert "13912345678" not in str(report)


def test_the_daily_summary_lists_the_unsatisfied_visits_with_links(city):
    with clock.frozen_at(at(12)):
        order = factories.order_in(Status.PENDING_VISIT, city)
        services.visit_order(
            order=order, actor=city.visitor, resolved=False, satisfaction="unsatisfied"
        )
    refresh_rollup()
    unsatisfied = table(reports.daily_summary(date(2026, 10, 12)), "不满意回访")
    assert [row[0] for row in unsatisfied.rows] == [order.number]
    assert unsatisfied.links == [f"/orders/{order.number}/"]


def test_the_daily_summary_counts_the_day_by_channel(city):
    with clock.frozen_at(at(12)):
        factories.register(city, channel="web")
        factories.register(city)
    refresh_rollup()
    channels = table(reports.daily_summary(date(2026, 10, 12)), "按渠道")
    assert sorted(channels.rows) == [["电话", 1], ["网站", 1]]
    assert all("since=2026-10-12" in link for link in channels.links)


def test_the_weekly_ranking_gives_the_previous_weeks_place(city):
    for day in (5, 12):  # a Monday each week
        with clock.frozen_at(at(day)):
            factories.order_in(Status.CLOSED, city)
    refresh_rollup()
    streets = table(reports.weekly_evaluation(date(2026, 10, 14)), "街道/镇综合排名")
    first = streets.rows[0]
    assert first[:2] == [1, city.streets[0].name]
    assert first[-2:] == [1, 0]  # first the week before too: no change


def test_the_daily_summary_finds_the_week_s_hot_issue_in_the_texts(city):
    text = "东城1路11小区北门外的路灯坏了一个多星期，晚上一片漆黑，老人孩子走路很危险"
    with clock.frozen_at(at(12)):
        reported = [
            factories.register(
                city,
                text=text,
                caller_phone=f"1390000000{i}",
                category_code="03.05",
                address="东城1路11小区",
            )
            for i in range(3)
        ]
        factories.register(
            city, text="咨询社保卡补办需要带什么材料", category_code="14.01", address=""
        )
    issues = table(reports.daily_summary(date(2026, 10, 12)), "热点问题")
    assert [row[1:3] for row in issues.rows] == [[3, 3]]
    assert linked_numbers(issues.links[0]) == {o.number for o in reported}
