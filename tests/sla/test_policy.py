"""Choosing deadlines from policies: pure resolution, the default policies, and editing them."""

import random
from datetime import date

import pytest
from pytest_django import Settings

from hotline.core.cache import forget
from hotline.core.errors import InvalidInput
from hotline.sla import selectors
from hotline.sla.models import CalendarDay, SlaPolicy
from hotline.sla.policy import DeadlineKind, NoPolicy, PolicySpec, resolve_spans
from hotline.sla.services import save_policy
from hotline.sla.worktime import Span, SpanUnit

K = DeadlineKind
WD, WH, D, H, MIN = (
    SpanUnit.WORKING_DAYS,
    SpanUnit.WORKING_HOURS,
    SpanUnit.CALENDAR_DAYS,
    SpanUnit.CALENDAR_HOURS,
    SpanUnit.CALENDAR_MINUTES,
)


def spans(**kinds: tuple[int, SpanUnit]) -> dict[DeadlineKind, Span]:
    return {K(kind): Span(amount, unit) for kind, (amount, unit) in kinds.items()}


ALL_KINDS = dict(
    accept=(2, WH), contact=(1, WD), finish=(5, WD), reopen_finish=(3, WD), visit=(3, WD)
)
BASE = PolicySpec(spans=spans(**ALL_KINDS), name="base")
COMPLAINT = PolicySpec(order_type="complaint", spans=spans(finish=(7, WD)), name="complaint")
CONSULTATION = PolicySpec(
    order_type="consultation", spans=spans(finish=(1, WD)), name="consultation"
)
BUILDING = PolicySpec(
    category="01.02", spans=spans(finish=(15, WD), visit=(4, WD)), name="building"
)
COMPLAINT_BUILDING = PolicySpec(
    order_type="complaint",
    category="01.02",
    spans=spans(finish=(12, WD)),
    name="complaint-building",
)
URGENT = PolicySpec(urgency="urgent", spans=spans(accept=(30, MIN), finish=(1, D)), name="urgent")
URGENT_CONSULTATION = PolicySpec(
    order_type="consultation",
    urgency="urgent",
    spans=spans(finish=(4, H)),
    name="urgent-consultation",
)
POLICIES = [
    BASE,
    COMPLAINT,
    CONSULTATION,
    BUILDING,
    COMPLAINT_BUILDING,
    URGENT,
    URGENT_CONSULTATION,
]


def chosen(policies=POLICIES, *, order_type="complaint", category="01.02", urgency="normal"):
    return {
        k: (span, p.name)
        for k, (span, p) in resolve_spans(
            policies, order_type=order_type, category=category, urgency=urgency
        ).items()
    }


# -- pure resolution -------------------------------------------------------------------------------


def test_urgency_beats_type_and_category() -> None:
    assert chosen(urgency="urgent")[K.FINISH] == (Span(1, D), "urgent")


def test_urgency_with_type_beats_urgency_alone() -> None:
    assert chosen(order_type="consultation", urgency="urgent")[K.FINISH] == (
        Span(4, H),
        "urgent-consultation",
    )


def test_type_beats_category() -> None:
    assert chosen(order_type="consultation")[K.FINISH] == (Span(1, WD), "consultation")


def test_type_with_category_beats_type_alone() -> None:
    assert chosen()[K.FINISH] == (Span(12, WD), "complaint-building")


def test_category_beats_the_catch_all() -> None:
    assert chosen(order_type="help")[K.FINISH] == (Span(15, WD), "building")


def test_a_kind_the_specific_policy_does_not_set_falls_through_to_the_next_one_that_does() -> None:
    result = chosen(urgency="urgent")
    assert result[K.ACCEPT] == (Span(30, MIN), "urgent")
    assert result[K.VISIT] == (Span(4, WD), "building")
    assert result[K.CONTACT] == (Span(1, WD), "base")
    assert result[K.REOPEN_FINISH] == (Span(3, WD), "base")


def test_policies_that_do_not_cover_the_order_are_ignored() -> None:
    result = chosen(order_type="help", category="02.01")
    assert {name for _, name in result.values()} == {"base"}


def test_the_order_in_which_policies_are_listed_does_not_matter() -> None:
    expected = chosen(urgency="urgent")
    rng = random.Random(12345)
    for _ in range(20):
        shuffled = POLICIES[:]
        rng.shuffle(shuffled)
        assert chosen(shuffled, urgency="urgent") == expected


def test_every_deadline_kind_is_resolved() -> None:
    assert set(chosen()) == set(DeadlineKind)


def test_a_kind_no_covering_policy_sets_raises_no_policy_naming_the_kind() -> None:
    partial = PolicySpec(
        spans=spans(accept=(2, WH), contact=(1, WD), finish=(5, WD), reopen_finish=(3, WD))
    )
    with pytest.raises(NoPolicy, match="visit"):
        resolve_spans([partial, BUILDING], order_type="help", category="02.01", urgency="normal")


def test_no_policy_at_all_raises_no_policy() -> None:
    with pytest.raises(NoPolicy):
        resolve_spans([COMPLAINT], order_type="help", category="02.01", urgency="normal")


# -- the default policies (migration 0002) ---------------------------------------------------------


def defaults(order_type, category, urgency="normal"):
    return selectors.spans_for(order_type=order_type, category=category, urgency=urgency)


def test_a_normal_complaint_is_accepted_in_2_working_hours_contacted_in_1_and_finished_in_5_working_days(  # noqa: E501  (the test's name)
    db: None,
) -> None:
    s = defaults("complaint", "14.99")
    assert (s[K.ACCEPT], s[K.CONTACT], s[K.FINISH]) == (Span(2, WH), Span(1, WD), Span(5, WD))


def test_a_normal_order_is_finished_in_3_working_days_after_a_reopen_and_visited_within_3(
    db: None,
) -> None:
    s = defaults("help", "14.99")
    assert (s[K.REOPEN_FINISH], s[K.VISIT]) == (Span(3, WD), Span(3, WD))


@pytest.mark.parametrize("order_type", ["consultation", "suggestion"])
def test_a_consultation_or_suggestion_is_finished_in_1_working_day(db: None, order_type) -> None:
    assert defaults(order_type, "14.99")[K.FINISH] == Span(1, WD)


def test_a_consultation_is_finished_in_1_working_day_even_about_illegal_building(db: None) -> None:
    assert defaults("consultation", "01.02")[K.FINISH] == Span(1, WD)


def test_a_complaint_about_illegal_building_takes_15_working_days(db: None) -> None:
    assert defaults("complaint", "01.02")[K.FINISH] == Span(15, WD)


def test_a_category_with_a_short_taxonomy_limit_gets_that_limit(db: None) -> None:
    assert defaults("complaint", "02.01")[K.FINISH] == Span(1, WD)  # 垃圾清运
    assert defaults("complaint", "03.03")[K.FINISH] == Span(3, WD)  # 路灯故障


def test_an_urgent_order_runs_on_the_clock_30_minutes_2_hours_1_day(db: None) -> None:
    s = defaults("complaint", "01.02", "urgent")
    assert (s[K.ACCEPT], s[K.CONTACT], s[K.FINISH]) == (Span(30, MIN), Span(2, H), Span(1, D))


def test_a_critical_order_runs_on_the_clock_10_minutes_30_minutes_2_hours(db: None) -> None:
    s = defaults("consultation", "01.02", "critical")
    assert (s[K.ACCEPT], s[K.CONTACT], s[K.FINISH]) == (Span(10, MIN), Span(30, MIN), Span(2, H))


@pytest.mark.parametrize("urgency", ["urgent", "critical"])
def test_urgent_and_critical_orders_are_visited_within_1_working_day(db: None, urgency) -> None:
    assert defaults("complaint", "02.01", urgency)[K.VISIT] == Span(1, WD)


# -- editing policies ------------------------------------------------------------------------------


def new_policy(**fields) -> SlaPolicy:
    # A scope no default policy uses, so that only the error under test can arise.
    return SlaPolicy(**{"name": "试行", "order_type": "report", "category_id": "14.99", **fields})


@pytest.mark.parametrize("amount", [0, -3])
def test_saving_a_policy_refuses_an_amount_that_is_not_positive_and_saves_nothing(
    db: None, amount
) -> None:
    before = SlaPolicy.objects.count()
    with pytest.raises(InvalidInput) as refused:
        save_policy(new_policy(finish_amount=amount, finish_unit="wd"))
    assert set(refused.value.errors) == {"finish_amount"}
    assert "大于 0" in refused.value.errors["finish_amount"]
    assert SlaPolicy.objects.count() == before


def test_saving_a_policy_refuses_an_amount_without_a_unit_and_saves_nothing(db: None) -> None:
    before = SlaPolicy.objects.count()
    with pytest.raises(InvalidInput) as refused:
        save_policy(new_policy(finish_amount=3))
    assert set(refused.value.errors) == {"finish_unit"}
    assert "单位" in refused.value.errors["finish_unit"]
    assert SlaPolicy.objects.count() == before


def test_saving_a_policy_refuses_a_scope_that_already_has_a_policy_and_saves_nothing(
    db: None,
) -> None:
    save_policy(new_policy(finish_amount=3, finish_unit="wd"))
    before = SlaPolicy.objects.count()
    with pytest.raises(InvalidInput) as refused:
        save_policy(new_policy(name="重复", finish_amount=4, finish_unit="wd"))
    assert set(refused.value.errors) == {"__all__"}
    assert "适用范围" in refused.value.errors["__all__"]
    assert SlaPolicy.objects.count() == before


def test_saving_a_second_catch_all_policy_is_refused(db: None) -> None:
    with pytest.raises(InvalidInput, match="适用范围"):
        save_policy(SlaPolicy(name="另一个默认", accept_amount=1, accept_unit="wh"))


def test_saving_a_policy_without_any_deadline_is_refused(db: None) -> None:
    with pytest.raises(InvalidInput, match="至少设置一项时限"):
        save_policy(new_policy())


def test_a_valid_policy_is_saved(db: None) -> None:
    policy = save_policy(new_policy(finish_amount=3, finish_unit="wd"))
    assert SlaPolicy.objects.get(pk=policy.pk).spec().spans == {K.FINISH: Span(3, WD)}


# -- the cache of the rules in force ---------------------------------------------------------------


def test_a_saved_policy_takes_effect_at_once(db: None) -> None:
    assert defaults("report", "14.99")[K.FINISH] == Span(5, WD)
    save_policy(new_policy(finish_amount=2, finish_unit="wd"))
    assert defaults("report", "14.99")[K.FINISH] == Span(2, WD)


def test_a_deleted_policy_stops_applying_at_once(db: None) -> None:
    policy = save_policy(new_policy(finish_amount=2, finish_unit="wd"))
    assert defaults("report", "14.99")[K.FINISH] == Span(2, WD)
    policy.delete()
    assert defaults("report", "14.99")[K.FINISH] == Span(5, WD)


def test_a_saved_calendar_day_changes_the_working_calendar_at_once(db: None) -> None:
    saturday = date(2026, 3, 7)
    assert not selectors.work_calendar().is_workday(saturday)
    CalendarDay.objects.create(day=saturday, workday=True, name="调休上班")
    assert selectors.work_calendar().is_workday(saturday)


def test_a_changed_calendar_day_changes_the_working_calendar_at_once(db: None) -> None:
    wednesday = date(2026, 3, 4)
    day = CalendarDay.objects.create(day=wednesday, workday=True)
    assert selectors.work_calendar().is_workday(wednesday)
    day.workday = False
    day.save()
    assert not selectors.work_calendar().is_workday(wednesday)


def test_the_work_calendar_uses_the_configured_office_hours(db: None, settings: Settings) -> None:
    settings.HOTLINE_OFFICE_HOURS = [("08:00", "16:00")]
    forget()
    cal = selectors.work_calendar()
    assert cal.close_of_day(date(2026, 3, 4)).hour == 16
