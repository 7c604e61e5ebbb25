"""一呼即应 in the ranking tables: its own column, counted from the call-ins of the period."""

from datetime import timedelta

import pytest

from hotline.analytics import reports, selectors
from hotline.analytics.selectors import Period
from hotline.core import clock
from hotline.org.models import Unit
from hotline.problems import services
from hotline.problems.workflow import Status
from tests import factories
from tests.problems.make import problem_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return factories.city()


def _called_twice_answering_once_on_time(city) -> Unit:
    """streets[1] is called in on two problems: it reports in at once on one, days late on the
    other."""
    called = city.streets[1]
    for title, late in [("东城1路垃圾屡清屡堆", False), ("东城1路井盖缺失", True)]:
        p = problem_in(Status.IN_PROGRESS, city, title=title)
        call = services.call_in(problem=p, actor=city.lead(), unit=called, reason="请协助清运")
        p.refresh_from_db()
        with clock.frozen_at(clock.now() + timedelta(days=5 if late else 0, minutes=30)):
            services.report_in(problem=p, actor=city.lead(called), call=call, part="负责清运")
    return called


def _this_month() -> Period:
    today = clock.now().date()
    return Period.month(today.year, today.month)


def test_a_unit_answering_one_of_two_calls_on_time_has_half_the_rate(city):
    called = _called_twice_answering_once_on_time(city)
    table = selectors.unit_ranking(_this_month(), Unit.Kind.STREET)
    rates = {f.unit.pk: f.call_in_answer_rate for f in table}
    assert rates[called.pk] == 0.5
    assert rates[city.streets[0].pk] is None  # never called in: no rate, not zero


def test_call_ins_count_for_the_unit_above_the_one_called(city):
    p = problem_in(Status.IN_PROGRESS, city, title="东城1路垃圾屡清屡堆")
    services.call_in(
        problem=p, actor=city.supervisor, unit=city.team, reason="请协助"
    )  # below streets[0]
    table = selectors.unit_ranking(_this_month(), Unit.Kind.STREET)
    assert {f.unit.pk: f.call_in_answer_rate for f in table}[city.streets[0].pk] == 0.0


def test_the_rate_does_not_move_the_composite_score(city):
    before = {f.unit.pk: f.score for f in selectors.unit_ranking(_this_month(), "street")}
    _called_twice_answering_once_on_time(city)
    after = {f.unit.pk: f.score for f in selectors.unit_ranking(_this_month(), "street")}
    assert after == before


def test_the_ranking_table_shows_the_rate_as_its_own_column(city):
    called = _called_twice_answering_once_on_time(city)
    section = reports.ranking_section("本月排名", _this_month())
    streets = next(t for t in section.tables if t.title.startswith("街道"))
    column = streets.columns.index("一呼即应率")
    row = next(r for r in streets.rows if r[1] == called.name)
    assert row[column] == 0.5 and column in streets.percent_columns
