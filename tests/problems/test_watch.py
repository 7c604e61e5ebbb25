"""Proof that the calls stopped: the watch rule on its own, and through the services with time
moved on."""

from datetime import UTC, datetime, timedelta

import pytest

from hotline.core import clock
from hotline.core.errors import TransitionNotAllowed
from hotline.problems import selectors, services
from hotline.problems.watch import Verdict, WatchRule, verdict, weekly_counts
from hotline.problems.workflow import Status
from tests import factories

from .make import problem_in

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
WEEK = timedelta(weeks=1)


def test_a_quiet_problem_is_watched_until_its_watch_ends_then_verified():
    rule = WatchRule(weeks=4)
    assert verdict(rule, T0, T0 + 4 * WEEK - timedelta(seconds=1), []) == Verdict.WATCHING
    assert verdict(rule, T0, T0 + 4 * WEEK, []) == Verdict.VERIFIED


def test_one_order_over_the_threshold_during_the_watch_is_a_recurrence_at_once():
    rule = WatchRule(weeks=4, threshold=1)
    assert verdict(rule, T0, T0 + WEEK, [T0 + timedelta(days=1)]) == Verdict.WATCHING
    two = [T0 + timedelta(days=1), T0 + timedelta(days=2)]
    assert verdict(rule, T0, T0 + WEEK, two) == Verdict.RECURRED


def test_orders_before_the_resolution_or_after_the_watch_do_not_count():
    rule = WatchRule(weeks=2)
    outside = [T0 - timedelta(seconds=1), T0 + 2 * WEEK, T0 + 3 * WEEK]
    assert verdict(rule, T0, T0 + 5 * WEEK, outside) == Verdict.VERIFIED


def test_a_watch_needs_a_week_and_a_threshold_of_zero_or_more():
    for weeks, threshold in ((0, 0), (2, -1)):
        with pytest.raises(ValueError):
            WatchRule(weeks, threshold)


def test_weekly_counts_put_each_order_in_its_week_either_side_of_the_pivot():
    moments = [T0 - timedelta(days=1), T0 - timedelta(days=8), T0 - 9 * WEEK, T0, T0 + 13 * WEEK]
    before, after = weekly_counts(moments, T0, 3, 2)
    assert (before, after) == ([0, 1, 1], [1, 0])


@pytest.mark.django_db
def test_verifying_before_the_watch_ends_is_refused_and_changes_nothing(city):
    p = problem_in(Status.RESOLVED, city)
    with pytest.raises(TransitionNotAllowed, match="观察期到"):
        services.verify_problem(problem=p, actor=city.supervisor)
    p.refresh_from_db()
    assert p.status == Status.RESOLVED and p.verified_at is None


@pytest.mark.django_db
def test_the_watch_strikes_off_a_quiet_problem_once_its_weeks_have_passed(city):
    p = problem_in(Status.RESOLVED, city)
    with clock.frozen_at(clock.now() + 3 * WEEK):
        assert services.watch_problems() == {
            "problems verified": 0,
            "problems recurred": 0,
            "call-ins urged": 0,
        }
    with clock.frozen_at(clock.now() + 4 * WEEK + timedelta(minutes=1)):
        assert services.watch_problems() == {
            "problems verified": 1,
            "problems recurred": 0,
            "call-ins urged": 0,
        }
    p.refresh_from_db()
    assert p.status == Status.VERIFIED
    assert [e.action for e in p.events.all()][-1] == "verify"


@pytest.mark.django_db
def test_a_matching_order_after_verification_brings_the_problem_back_linked(city):
    p = problem_in(Status.VERIFIED, city, area=city.streets[0])
    p.categories.set([factories.register(city).category])
    with clock.frozen_at(clock.now() + 6 * WEEK):
        again = factories.register(city)  # 02.01 in 东城1街道 again
        assert services.watch_problems() == {
            "problems verified": 0,
            "problems recurred": 1,
            "call-ins urged": 0,
        }
    p.refresh_from_db()
    assert p.status == Status.RECURRED
    assert p.links.filter(order=again, unlinked_at=None).exists()
    assert sum(selectors.before_and_after(p)[1]) == 2  # the first order and the one that came back
