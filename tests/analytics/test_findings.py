"""The monthly analysis's statistical findings, on hand-made counts whose answers are known."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.analytics.findings import (
    Candidate,
    Group,
    hot_spots,
    monthly_theme_candidates,
    normalise_phone,
    normalise_place,
    repeat_callers,
    seasonal_warnings,
    sudden_rises,
)

STEADY = [10, 10, 11, 9, 10, 10, 9, 11, 10, 10, 11, 9]  # mean 10, variance 0.55: Poisson
NOISY = [2, 18, 4, 16, 6, 14, 8, 12, 10, 10, 3, 17]  # mean 10, variance 30.7: overdispersed
EVERYTHING = {"alpha": 1.0, "min_count": 0, "min_ratio": 0.0}  # report every key with its p


# --- sudden rises ---------------------------------------------------------------------------------


def test_a_flat_series_does_not_fire():
    assert sudden_rises({"noise": [10] * 13, "wobble": STEADY + [12]}) == []


def test_a_threefold_spike_on_a_steady_series_fires():
    [rise] = sudden_rises({"noise": STEADY + [30]})
    assert (rise.key, rise.current, rise.expected, rise.ratio) == ("noise", 30, 10, 3)
    assert rise.p_value < 1e-6


def test_the_same_spike_on_a_noisy_series_fires_less_readily():
    assert sudden_rises({"noise": NOISY + [30]}) == []
    steady, noisy = (
        sudden_rises({k: s + [30]}, **EVERYTHING)[0] for k, s in [("s", STEADY), ("n", NOISY)]
    )
    assert noisy.expected == steady.expected == 10
    assert noisy.p_value > 1000 * steady.p_value


def test_a_noisy_series_still_fires_on_a_spike_far_beyond_its_swings():
    assert [r.key for r in sudden_rises({"noise": NOISY + [60]})] == ["noise"]


def test_a_key_with_fewer_weeks_than_min_history_is_skipped():
    assert sudden_rises({"new": [10] * 5 + [40]}) == []
    assert [r.key for r in sudden_rises({"new": [10] * 5 + [40]}, min_history=5)] == ["new"]


def test_small_counts_do_not_fire_however_improbable():
    assert sudden_rises({"rare": [0] * 12 + [4]}) == []


def test_a_silent_key_that_suddenly_gets_calls_fires_with_its_expectation_floored():
    [rise] = sudden_rises({"new problem": [0] * 12 + [6]})
    assert rise.expected == 0 and rise.ratio == 6 / 0.5


def test_a_significant_but_small_relative_rise_on_a_large_key_is_not_a_sudden_rise():
    # 1200 against a steady 1000 is wildly improbable under Poisson, but only a fifth more.
    assert sudden_rises({"big": [1000] * 12 + [1200]}) == []
    assert sudden_rises({"big": [1000] * 12 + [1200]}, min_ratio=1.1) != []


def test_only_the_last_history_weeks_are_the_baseline():
    series = [100] * 10 + [10] * 26 + [30]  # a busy spell long ago, then a steady 10
    assert [r.key for r in sudden_rises({"k": series})] == ["k"]
    assert sudden_rises({"k": series}, history=36) == []


def test_rises_come_most_improbable_first():
    rises = sudden_rises({"small": STEADY + [25], "large": STEADY + [40], "noisy": NOISY + [60]})
    assert [r.key for r in rises][0] == "large"
    assert [r.p_value for r in rises] == sorted(r.p_value for r in rises)


def test_keys_come_back_unchanged_whatever_their_type():
    [rise] = sudden_rises({("供水", "东城街道"): STEADY + [30]})
    assert rise.key == ("供水", "东城街道")


weeks = st.lists(st.integers(0, 60), min_size=6, max_size=26)  # within the default history


@settings(max_examples=80, deadline=None)
@given(weeks, st.integers(0, 200), st.randoms(use_true_random=False))
def test_the_order_of_the_weeks_within_the_history_does_not_matter(trailing, current, random):
    shuffled = list(trailing)
    random.shuffle(shuffled)
    assert sudden_rises({"k": trailing + [current]}) == sudden_rises({"k": shuffled + [current]})


@settings(max_examples=80, deadline=None)
@given(weeks, st.integers(0, 200))
def test_a_flagged_week_would_still_be_flagged_with_one_more_call(trailing, current):
    if sudden_rises({"k": trailing + [current]}):
        assert sudden_rises({"k": trailing + [current + 1]})


@settings(max_examples=80, deadline=None)
@given(weeks, st.integers(0, 200))
def test_a_flagged_week_is_large_both_absolutely_and_against_its_mean(trailing, current):
    for rise in sudden_rises({"k": trailing + [current]}):
        assert rise.current >= 5
        assert rise.current >= 1.5 * max(rise.expected, 0.5)
        assert rise.p_value < 0.001


# --- seasonal warnings ----------------------------------------------------------------------------


def months(first_year, last, level=10, **high):
    """Monthly counts at ``level`` from January of ``first_year`` to ``last`` (year, month)
    inclusive, with overrides given as y2023_7=30."""
    counts = {}
    year, month = first_year, 1
    while (year, month) <= last:
        counts[(year, month)] = high.get(f"y{year}_{month}", level)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return counts


def test_a_key_high_every_july_in_two_past_years_warns_for_july():
    water = months(2023, (2025, 6), y2023_7=30, y2024_7=30)
    [warning] = seasonal_warnings({"供水": water}, (2025, 7))
    assert warning.key == "供水" and warning.month == (2025, 7)
    assert warning.years == (2023, 2024)
    assert warning.factor == pytest.approx(30 / (140 / 12))  # July against the year's mean month
    assert warning.level == pytest.approx(140 / 12)  # July 2024 .. June 2025
    assert warning.expected == 30


def test_the_high_month_does_not_warn_for_another_month():
    water = months(2023, (2025, 7), y2023_7=30, y2024_7=30)
    assert seasonal_warnings({"供水": water}, (2025, 8)) == []


def test_a_month_high_only_once_in_three_years_does_not_warn():
    water = months(2022, (2025, 6), y2023_7=30)
    assert seasonal_warnings({"供水": water}, (2025, 7)) == []


def test_a_month_high_in_two_of_three_years_warns_with_the_median_factor():
    water = months(2022, (2025, 6), y2022_7=30, y2024_7=40)
    [warning] = seasonal_warnings({"供水": water}, (2025, 7))
    assert warning.years == (2022, 2024)
    assert warning.factor == pytest.approx(30 / (140 / 12))


def test_one_high_year_out_of_two_does_not_warn():
    water = months(2023, (2025, 6), y2024_7=30)
    assert seasonal_warnings({"供水": water}, (2025, 7)) == []


def test_a_single_full_past_year_is_enough_when_it_is_all_there_is():
    water = months(2024, (2025, 6), y2024_7=30)
    assert [w.years for w in seasonal_warnings({"供水": water}, (2025, 7))] == [(2024,)]


def test_a_year_not_wholly_on_record_is_not_used():
    water = {m: c for m, c in months(2024, (2025, 6), y2024_7=30).items() if m >= (2024, 3)}
    assert seasonal_warnings({"供水": water}, (2025, 7)) == []
    # Told that records start in January, the missing months are zeros and the year counts.
    assert seasonal_warnings({"供水": water}, (2025, 7), start=(2024, 1)) != []


def test_a_few_calls_in_a_quiet_key_are_not_a_season():
    rare = months(2023, (2025, 6), level=0, y2023_7=3, y2024_7=4)
    assert seasonal_warnings({"罕见": rare}, (2025, 7)) == []


def test_a_key_with_no_calls_in_a_year_leaves_that_year_out():
    # 2022 is silent (the service did not exist yet): the two later high Julys still warn.
    counts = months(2022, (2025, 6), y2023_7=30, y2024_7=30)
    counts.update({(2022, m): 0 for m in range(1, 13)})
    [warning] = seasonal_warnings({"新业务": counts}, (2025, 7))
    assert warning.years == (2023, 2024)


def test_warnings_come_largest_expected_rise_first():
    data = {
        "small": months(2023, (2025, 6), y2023_7=20, y2024_7=20),
        "large": months(2023, (2025, 6), level=40, y2023_7=100, y2024_7=100),
    }
    assert [w.key for w in seasonal_warnings(data, (2025, 7))] == ["large", "small"]


def test_no_counts_give_no_warnings():
    assert seasonal_warnings({}, (2025, 7)) == []


# --- candidate themes -----------------------------------------------------------------------------


def test_a_problem_handled_by_fewer_than_three_units_is_not_a_candidate():
    rows = [("占道经营", "城管A", "东城", 500), ("占道经营", "城管B", "西城", 500)]
    assert monthly_theme_candidates(rows) == []


def test_counts_are_summed_and_units_and_areas_counted_once_each():
    rows = [
        ("供暖", "热力公司", "东城", 10),
        ("供暖", "热力公司", "西城", 5),
        ("供暖", "住建局", "东城", 3),
        ("供暖", "东城街道", None, 2),
    ]
    [candidate] = monthly_theme_candidates(rows)
    assert candidate == Candidate("供暖", 20, 3, 2, candidate.score)
    assert candidate.score == pytest.approx(20 * math.log(4) * math.log(3))


def test_with_the_same_orders_the_problem_more_units_share_ranks_first():
    rows = [("噪音", f"单位{u}", f"区{u}", 10) for u in range(3)]
    rows += [("停车", f"单位{u}", f"区{u}", 5) for u in range(6)]
    assert [c.key for c in monthly_theme_candidates(rows)] == ["停车", "噪音"]


def test_a_far_more_frequent_problem_outranks_a_more_widely_shared_one():
    rows = [("噪音", f"单位{u}", "东城", 100) for u in range(3)]
    rows += [("停车", f"单位{u}", f"区{u}", 5) for u in range(10)]
    assert [c.key for c in monthly_theme_candidates(rows)] == ["噪音", "停车"]


def test_only_the_top_candidates_are_returned():
    rows = [(f"问题{k}", f"单位{u}", "东城", k + 1) for k in range(8) for u in range(3)]
    assert [c.key for c in monthly_theme_candidates(rows, top=3)] == ["问题7", "问题6", "问题5"]


# --- repeat callers and hot spots -----------------------------------------------------------------


def test_a_caller_with_three_orders_repeats_and_one_with_two_does_not():
    rows = [
        ("13800000001", 1),
        ("13800000001", 2),
        ("13800000001", 3),
        ("13900000002", 4),
        ("13900000002", 5),
    ]
    assert repeat_callers(rows) == [Group("13800000001", "13800000001", 3, (1, 2, 3))]


def test_one_phone_written_several_ways_is_one_caller():
    rows = [("+86 138-0000-0001", 1), ("13800000001", 2), ("0086 13800000001", 3)]
    assert [(g.key, g.order_ids) for g in repeat_callers(rows)] == [("13800000001", (1, 2, 3))]


def test_a_landline_keeps_its_area_code():
    assert normalise_phone("0731-8888 8888") == "073188888888"
    assert normalise_phone("86-13800000001") == "13800000001"


def test_the_same_order_listed_twice_counts_once():
    rows = [("13800000001", 1), ("13800000001", 1), ("13800000001", 2)]
    assert repeat_callers(rows) == []


def test_repeat_callers_come_most_orders_first():
    rows = [("13800000001", i) for i in range(3)] + [("13900000002", i) for i in range(10, 15)]
    assert [(g.key, g.orders) for g in repeat_callers(rows)] == [
        ("13900000002", 5),
        ("13800000001", 3),
    ]


def test_calls_without_a_number_are_not_a_repeat_caller():
    assert repeat_callers([("", 1), ("", 2), ("", 3), ("  ", 4)]) == []


def test_one_address_written_with_other_spaces_punctuation_or_width_is_one_spot():
    rows = [("幸福小区3栋", 1), ("幸福小区 3栋", 2), ("幸福小区３栋。", 3), ("幸福小区3栋", 4)]
    [spot] = hot_spots(rows)
    assert (spot.key, spot.label, spot.orders) == ("幸福小区3栋", "幸福小区3栋", 4)


def test_another_building_is_another_spot():
    assert normalise_place("幸福小区3号楼2单元") != normalise_place("幸福小区5号楼")
    rows = [("幸福小区3号楼", i) for i in range(3)] + [("幸福小区5号楼", i) for i in range(3, 5)]
    assert [g.key for g in hot_spots(rows)] == ["幸福小区3号楼"]


def test_hot_spots_honour_min_orders():
    rows = [("幸福小区", 1), ("幸福小区", 2)]
    assert hot_spots(rows) == []
    assert [g.orders for g in hot_spots(rows, min_orders=2)] == [2]
