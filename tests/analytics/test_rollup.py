"""The rollup, kept by the worker and rebuilt at will, always equals a recomputation from events."""

from datetime import date, datetime

import pytest

from hotline.analytics import selectors, services
from hotline.analytics.models import Cell, Stale
from hotline.analytics.selectors import Period
from hotline.core import clock
from hotline.orders import services as orders
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories

OCTOBER, NOVEMBER = Period.month(2026, 10), Period.month(2026, 11)


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def in_state(city, state, moment, **kwargs):
    with clock.frozen_at(moment):
        return factories.order_in(state, city, **kwargs)


@pytest.fixture
def history(city):
    """A few orders of October, one running into November, handled in several ways."""
    done = [in_state(city, Status.CLOSED, at(10, d)) for d in (12, 13, 14)]
    in_state(city, Status.MERGED, at(10, 15))
    in_state(city, Status.CANCELLED, at(10, 15))
    in_state(city, Status.RETURNED, at(10, 16))
    late = in_state(city, Status.ACCEPTED, at(10, 30, 16))
    with clock.frozen_at(at(11, 20)):
        orders.reply_order(order=late, actor=city.handler(), result="已处理", solved=True)
    with clock.frozen_at(at(10, 20)):
        orders.reopen_order(order=done[0], actor=city.visitor, reason="市民反映仍未清运")
    return city


def rolled_up(period, by=("unit_id",)):
    return selectors.counters(period, by=by)


def drain():
    while services.refresh_rollup(limit=3)["rolled up"]:
        pass


@pytest.mark.parametrize(
    "by", [("unit_id",), ("day", "unit_id", "category_id", "street_id", "channel"), ()]
)
def test_the_refreshed_rollup_equals_a_recomputation_from_events(history, by):
    drain()
    for period in (OCTOBER, NOVEMBER):
        assert rolled_up(period, by) == selectors.recomputed_counters(period, by=by)


def test_a_refresh_applies_each_event_once_and_clears_its_marks(history):
    assert Stale.objects.exists()
    drain()
    assert not Stale.objects.exists()
    before = rolled_up(OCTOBER)
    assert services.refresh_rollup() == {"rolled up": 0}
    assert rolled_up(OCTOBER) == before


def test_a_change_after_a_refresh_is_applied_as_a_difference(history):
    drain()
    order = factories.register(history)
    with clock.frozen_at(at(10, 21)):
        order = orders.dispatch_order(order=order, actor=history.dispatcher)
    drain()
    assert rolled_up(OCTOBER) == selectors.recomputed_counters(OCTOBER)
    with clock.frozen_at(at(10, 21, 11)):
        orders.accept_order(order=order, actor=history.handler())
    drain()
    assert rolled_up(OCTOBER) == selectors.recomputed_counters(OCTOBER)


def test_a_rebuild_gives_the_same_rollup_as_the_refreshes(history):
    drain()
    refreshed = sorted(
        Cell.objects.values_list(
            "day",
            "unit_id",
            "category_id",
            "street_id",
            "channel",
            "dispatched",
            "due",
            "visited",
            "registered",
        )
    )
    assert services.rebuild_rollup() == 8
    assert not Stale.objects.exists()
    rebuilt = sorted(
        Cell.objects.values_list(
            "day",
            "unit_id",
            "category_id",
            "street_id",
            "channel",
            "dispatched",
            "due",
            "visited",
            "registered",
        )
    )
    assert rebuilt == refreshed


def test_the_rates_of_the_test_month_are_the_ones_worked_out_by_hand(history):
    drain()
    street = history.streets[0].pk
    october = selectors.counters(OCTOBER, by=("unit_id",))[(street,)]
    # dispatched: 3 closed + the returned + the late one + the reopened; accepted at once: all
    # but the returned one and the reopened round (not accepted again)
    assert october["dispatched"] == 6 and october["accepted_on_time"] == 4
    assert october["returned"] == 1
    # due in October: the 3 closed orders' first rounds (replied at once), and, unreplied, the
    # returned one (a pending return does not stop the clock) and the reopened round (3 working
    # days from 10-20)
    assert october["due"] == 5 and october["finished_on_time"] == 3
    assert october["visited"] == 3 and october["reopened"] == 1
    # registered: the 5 orders the street has; the duplicate, its master and the cancelled order
    # were never dispatched
    assert october["registered"] == 5 and october["merged"] == 0
    november = selectors.counters(NOVEMBER, by=("unit_id",))[(street,)]
    assert november["due"] == 1 and november["finished_on_time"] == 0  # replied on 11-20: late


def test_a_district_with_its_sub_units_adds_up_its_streets(history):
    drain()
    per_unit = selectors.by_unit(OCTOBER)
    own = selectors.by_unit(OCTOBER, with_subunits=False)
    district, street = history.districts[0].pk, history.streets[0].pk
    assert per_unit[district]["dispatched"] == own[street]["dispatched"] == 6
    assert district not in own
    dispatched_somewhere = sum(c["registered"] for unit, c in own.items() if unit)
    assert per_unit[history.centre.pk]["registered"] == dispatched_somewhere == 5


def test_streets_are_ranked_by_composite_score_with_units_without_work_unranked(history):
    drain()
    table = selectors.unit_ranking(OCTOBER, "street")
    first = table[0]
    assert first.unit == history.streets[0] and first.standing.rank == 1
    assert first.score == pytest.approx(
        100
        * (
            0.2 * first.rates["first_contact_rate"]
            + 0.4 * first.rates["resolution_rate"]
            + 0.4 * first.rates["satisfaction_rate"]
        )
    )
    assert all(f.standing.rank is None for f in table[1:])


def test_imported_orders_are_marked_and_rolled_up_like_any_other(city, tmp_path):
    from hotline.transfer.services import import_orders
    from tests.transfer.files import ON_THE_SPOT, VISITED, write_csv

    import_orders(write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT]))
    assert set(Stale.objects.values_list("order_id", flat=True)) == set(
        WorkOrder.objects.values_list("pk", flat=True)
    )
    drain()
    everything = Period(date(2000, 1, 1), date(2100, 1, 1))
    assert rolled_up(everything, ())[()]["registered"] == 2
    assert rolled_up(everything, ()) == selectors.recomputed_counters(everything, by=())


def test_a_month_is_parsed_and_a_bad_one_is_named():
    assert Period.parse_month("2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert Period.parse_month("2026-12").previous() == Period.month(2026, 11)
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse_month("October")


def test_the_weights_come_from_the_settings(history, settings):
    drain()
    settings.HOTLINE_SCORE_WEIGHTS = {"satisfaction_rate": 1}
    first = selectors.unit_ranking(OCTOBER, "street")[0]
    assert first.score == pytest.approx(100 * first.rates["satisfaction_rate"])


def test_a_weight_for_an_unknown_rate_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.HOTLINE_SCORE_WEIGHTS = {"happiness": 1}
    with pytest.raises(ImproperlyConfigured, match="happiness"):
        selectors.weights()


def test_weeks_start_on_monday_and_months_on_the_first(history):
    drain()
    weeks = selectors.counters(OCTOBER, by=("week",), fields=("registered",))
    months = selectors.counters(
        Period(date(2026, 10, 1), date(2026, 11, 30)), by=("month",), fields=("registered",)
    )
    assert {monday.weekday() for (monday,) in weeks} == {0}
    assert sum(c["registered"] for c in weeks.values()) == selectors.totals(OCTOBER)["registered"]
    registered = {month: c["registered"] for (month,), c in months.items()}
    assert registered == {date(2026, 10, 1): 8, date(2026, 11, 1): 0}  # November: only a deadline


def test_a_units_dashboard_trend_is_its_figures_with_its_sub_units(history):
    drain()
    district = history.districts[0]
    figures = selectors.dashboard_rates(district, today=date(2026, 11, 1))
    october = selectors.figures_for(district, selectors.by_unit(OCTOBER)[district.pk])
    assert figures["months"][-1] == "2026-10"
    for rate in figures["rates"]:
        assert rate["value"] == october.rates[rate["code"]]
        assert rate["trend"][-1] == pytest.approx(october.rates[rate["code"]], abs=1e-4)
