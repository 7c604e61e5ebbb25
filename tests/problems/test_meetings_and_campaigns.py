"""集体会诊 and 专项整治: a meeting's decisions become measures; a campaign's orders are
counted against the same weeks a year before."""

from datetime import date, datetime, timedelta

import pytest

from hotline.core import clock
from hotline.core.errors import InvalidInput
from hotline.problems import selectors, services
from hotline.problems.models import Campaign, Meeting, Problem
from hotline.problems.watch import CampaignProgress
from hotline.problems.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories

from .make import problem_in


def test_a_campaign_on_target_fell_by_at_least_its_target():
    assert CampaignProgress(70, 100, 30).on_target is True
    assert CampaignProgress(71, 100, 30).on_target is False
    assert CampaignProgress(5, 0, 30).drop is None  # nothing to compare with


def test_a_rise_is_a_negative_drop():
    assert CampaignProgress(120, 100, 30).drop == -20


@pytest.mark.django_db
def test_a_meeting_is_recorded_and_its_decision_becomes_a_measure(city):
    p = problem_in(Status.IN_PROGRESS, city)
    department = next(iter(city.departments.values()))
    meeting = services.hold_meeting(
        problem=p, actor=city.lead(), held_at=clock.now() - timedelta(hours=2),
        place="东城1路11小区门口", units=[city.streets[0], department],
        people="街道副主任、物业经理", decisions="物业每日两次清运；街道增设收集点",
    )  # fmt: skip
    p.refresh_from_db()
    measure = services.add_measure(
        problem=p, actor=city.lead(), text="增设收集点", unit=city.streets[0],
        due=date(2099, 1, 1), meeting=meeting,
    )  # fmt: skip
    assert set(meeting.units.all()) == {city.streets[0], department}
    assert list(meeting.measures.all()) == [measure]
    assert [e.action for e in p.events.all()][-2:] == ["hold_meeting", "add_measure"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "held_at, units, error",
    [(timedelta(days=1), True, "held_at"), (-timedelta(days=1), False, "units")],
)
def test_a_meeting_in_the_future_or_without_units_is_refused_and_changes_nothing(
    city, held_at, units, error
):
    p = problem_in(Status.IN_PROGRESS, city)
    with pytest.raises(InvalidInput) as refused:
        services.hold_meeting(
            problem=p, actor=city.lead(), held_at=clock.now() + held_at, place="现场",
            units=[city.streets[0]] if units else [], decisions="限期整改",
        )  # fmt: skip
    assert set(refused.value.errors) == {error}
    assert not Meeting.objects.exists() and Problem.objects.get(pk=p.pk).version == p.version


@pytest.mark.django_db
def test_a_campaigns_orders_are_counted_week_by_week_against_the_year_before(city):
    start = date(2026, 6, 1)
    rubbish = factories.register(city).category
    for moment, n in ((datetime(2025, 6, 3, 10, tzinfo=SHANGHAI), 4),
                      (datetime(2026, 6, 2, 10, tzinfo=SHANGHAI), 1),
                      (datetime(2026, 6, 9, 10, tzinfo=SHANGHAI), 1)):  # fmt: skip
        with clock.frozen_at(moment):
            for _ in range(n):
                factories.register(city)
    campaign = Campaign.objects.create(
        name="东城垃圾专项整治", area=city.streets[0], starts=start, ends=date(2026, 8, 31),
        target_drop=30,
    )  # fmt: skip
    campaign.categories.set([rubbish])
    this, before, baseline = selectors.campaign_weeks(campaign, date(2026, 6, 10))
    assert (this, before) == ([1, 1], [4, 0])  # 2025-06-03 is 52 weeks before 2026-06-02
    assert baseline == selectors.LAST_YEAR
    progress = selectors.campaign_progress(campaign, date(2026, 6, 10))
    assert (progress.drop, progress.on_target) == (50.0, True)


@pytest.mark.django_db
def test_without_a_year_of_orders_a_campaign_is_compared_with_the_weeks_just_before_it(city):
    rubbish = factories.register(city).category  # registered now: no order is a year old
    soon = clock.now().date() + timedelta(days=7)
    campaign = Campaign.objects.create(
        name="东城垃圾专项整治", area=city.streets[0], starts=soon,
        ends=soon + timedelta(days=90), target_drop=30,
    )  # fmt: skip
    campaign.categories.set([rubbish])
    today = campaign.starts + timedelta(days=6)
    this, before, baseline = selectors.campaign_weeks(campaign, today)
    assert (this, before, baseline) == ([0], [1], selectors.WEEKS_BEFORE)
    assert selectors.campaign_progress(campaign, today).drop == 100.0
