"""The rate formulas, the scores and the ranking, on counters with known answers."""

import pytest

from hotline.analytics.rates import (
    RATE_BY_CODE,
    RATES,
    composite_score,
    rank,
    rounded,
    satisfaction_score,
)


def rate(code, **counts):
    return RATE_BY_CODE[code].of(counts)


def test_every_rate_has_a_written_definition_and_a_unique_code():
    assert len({r.code for r in RATES}) == len(RATES) == 11
    assert all(len(r.definition) > 20 for r in RATES)


def test_a_rate_with_an_empty_cohort_is_none_not_zero():
    assert rate("on_time_completion_rate", due=0, finished_on_time=0) is None


def test_the_overdue_rate_is_the_complement_of_the_on_time_completion_rate():
    counts = {"due": 8, "finished_on_time": 6}
    assert rate("overdue_rate", **counts) == pytest.approx(0.25)
    assert rate("overdue_rate", **counts) + rate(
        "on_time_completion_rate", **counts
    ) == pytest.approx(1)


def test_the_satisfaction_rate_counts_basically_satisfied_as_satisfied():
    assert rate(
        "satisfaction_rate", satisfied=6, basically_satisfied=2, unsatisfied=2
    ) == pytest.approx(0.8)


def test_the_satisfaction_score_uses_the_configured_points_per_grade():
    counts = {"satisfied": 1, "basically_satisfied": 1, "unsatisfied": 2}
    assert satisfaction_score(counts) == pytest.approx((100 + 80) / 4)
    assert satisfaction_score(
        counts, {"satisfied": 10, "basically_satisfied": 6, "unsatisfied": 2}
    ) == pytest.approx(5)
    assert satisfaction_score({}) is None


def test_the_composite_score_weighs_response_20_resolution_40_satisfaction_40():
    rates = {"first_contact_rate": 0.5, "resolution_rate": 1.0, "satisfaction_rate": 0.75}
    assert composite_score(rates) == pytest.approx(100 * (0.1 + 0.4 + 0.3))


def test_a_rate_without_a_cohort_leaves_the_score_and_its_weight_goes_to_the_others():
    rates = {"first_contact_rate": 0.5, "resolution_rate": None, "satisfaction_rate": 1.0}
    assert composite_score(rates) == pytest.approx(100 * (0.2 * 0.5 + 0.4 * 1.0) / 0.6)
    assert composite_score(dict.fromkeys(rates)) is None


def test_weights_are_configurable():
    rates = {"first_contact_rate": 1.0, "resolution_rate": 0.0, "satisfaction_rate": 0.0}
    assert composite_score(rates, {"first_contact_rate": 1}) == pytest.approx(100)


def test_rounding_is_half_up_as_on_paper():
    assert rounded(0.12345, 4) == 0.1235
    assert rounded(2.675, 2) == 2.68  # round() would give 2.67


def test_equal_scores_share_a_place_and_the_next_place_is_skipped():
    table = rank({1: 90.0, 2: 95.0, 3: 90.0, 4: 80.0})
    assert [(s.unit_id, s.rank) for s in table] == [(2, 1), (1, 2), (3, 2), (4, 4)]


def test_units_without_a_score_are_listed_last_without_a_place():
    table = rank({1: None, 2: 70.0})
    assert [(s.unit_id, s.rank) for s in table] == [(2, 1), (1, None)]


def test_the_change_of_place_is_measured_against_the_previous_period():
    table = {s.unit_id: s for s in rank({1: 90.0, 2: 80.0, 3: 70.0}, previous={1: 70.0, 2: 90.0})}
    assert table[1].change == 1 and table[2].change == -1
    assert table[3].change is None  # not ranked before
