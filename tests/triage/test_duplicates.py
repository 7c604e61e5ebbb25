"""Probable duplicates: the pure score, real messages, and the indexed search."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from hotline.core import clock
from hotline.orders.workflow import Status
from hotline.org.selectors import area_index
from hotline.triage import duplicates as dup
from hotline.triage.selectors import probable_duplicates, repeat_calls
from tests import factories

MESSAGES = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "tipdm2020"
    / "messages_with_votes.jsonl"
)


def test_the_same_words_are_fully_alike_and_unrelated_words_not_at_all():
    a = dup.bigrams("小区门口垃圾没人清运")
    assert dup.text_likeness(a, a) == 1.0
    assert dup.text_likeness(a, dup.bigrams("请问社保卡在哪里办理")) == 0.0


def test_the_same_problem_in_other_words_is_more_alike_than_another_problem_at_the_same_place():
    first = dup.bigrams("门口的垃圾好几天没人清运了，臭死了")
    again = dup.bigrams("门口垃圾一直没有清运，味道很大")
    other = dup.bigrams("楼下有人遛狗不拴绳，还随地大小便")
    assert dup.text_likeness(first, again) > 2 * dup.text_likeness(first, other)


def test_the_place_counts_most_for_the_same_address_or_caller_then_community_then_street():
    here = dup.Place(community_id=1, street_id=10, address="幸福小区3栋", phone="13800000000")
    assert dup.place_likeness(here, dup.Place(2, 20, "幸福小区3栋")) == 1.0
    assert dup.place_likeness(here, dup.Place(9, 90, "", "13800000000")) == 1.0
    assert dup.place_likeness(here, dup.Place(1, 10, "幸福小区5栋")) == 0.8
    assert dup.place_likeness(here, dup.Place(2, 10)) == 0.4
    assert dup.place_likeness(here, dup.Place(2, 20)) == 0.0


def test_a_score_is_higher_the_more_recent_and_within_zero_and_one():
    window = timedelta(days=7)
    fresh, old = (
        dup.duplicate_score(1, 1, timedelta(0), window),
        dup.duplicate_score(1, 1, timedelta(days=6), window),
    )
    assert fresh == 1.0 and 0 < old < fresh
    assert dup.duplicate_score(0, 0, timedelta(days=30), window) == 0.0


@pytest.mark.skipif(
    not MESSAGES.exists(), reason="the shared real messages are not beside the project"
)
def test_real_messages_about_one_problem_are_more_alike_than_messages_about_others():
    # Real posts by different people about the same estate's problem (a title word they share),
    # against posts about anything else: the pairs within the topic must score far higher.
    rows = [json.loads(line) for line in MESSAGES.open(encoding="utf-8")]
    topic = [r for r in rows if "伊景园滨河苑" in r["text"]]
    others = [r for r in rows if "伊景园" not in r["text"]][:300]
    assert len(topic) >= 10
    grams = [dup.bigrams(r["text"]) for r in topic]
    within = [dup.text_likeness(a, b) for i, a in enumerate(grams) for b in grams[i + 1 :]]
    across = [dup.text_likeness(a, dup.bigrams(o["text"])) for a in grams for o in others]
    assert sorted(within)[len(within) // 2] > 3 * sorted(across)[len(across) // 2]


# --- the search over orders -----------------------------------------------------------------------


def area(address):
    return area_index().resolve(address)


def test_an_open_order_at_the_same_place_with_like_words_is_suggested(city):
    first = factories.register(
        city, text="东城1路11小区门口垃圾三天没人清运，味道很大", address="东城1路11小区3栋"
    )
    found = probable_duplicates(
        text="11小区门口的垃圾一直没人清运",
        area=area("东城1路11小区5栋"),
        address="东城1路11小区5栋",
    )
    assert [o.pk for o, _ in found] == [first.pk]
    assert found[0][1] >= 0.45


def test_another_problem_at_the_same_place_is_not_a_duplicate(city):
    factories.register(
        city, text="东城1路11小区门口垃圾三天没人清运，味道很大", address="东城1路11小区3栋"
    )
    assert (
        probable_duplicates(
            text="小区里有人遛狗不拴绳，孩子被吓哭了", area=area("东城1路11小区3栋")
        )
        == []
    )


def test_the_same_words_at_another_street_are_not_a_duplicate(city):
    factories.register(city, text="门口垃圾三天没人清运，味道很大", address="东城1路11小区3栋")
    assert probable_duplicates(text="门口垃圾三天没人清运，味道很大", area=area("西城2路")) == []


def test_orders_older_than_the_window_or_finished_as_duplicates_are_left_out(city):
    with clock.frozen_at(clock.now() - timedelta(days=10)):
        factories.register(city, text="门口垃圾三天没人清运", address="东城1路11小区3栋")
    factories.order_in(Status.MERGED, city, text="门口垃圾三天没人清运", address="东城1路11小区3栋")
    found = probable_duplicates(text="门口垃圾三天没人清运", area=area("东城1路11小区3栋"))
    assert all(o.status != Status.MERGED for o, _ in found)
    assert len(found) == 1  # only the master of the merged one


def test_the_same_caller_is_found_even_without_a_place(city):
    first = factories.register(
        city, text="物业不给修电梯，电梯坏了一个月", caller_phone="13912345678", address=""
    )
    found = probable_duplicates(text="电梯坏了一个月物业不修", phone="13912345678")
    assert [o.pk for o, _ in found] == [first.pk]


def test_without_place_or_caller_nothing_is_searched(city, django_assert_num_queries):
    factories.register(city)
    with django_assert_num_queries(0):
        assert probable_duplicates(text="门口垃圾三天没人清运") == []


def test_repeat_calls_count_the_callers_recent_orders(city):
    for _ in range(3):
        factories.register(city, caller_phone="13700001111")
    assert repeat_calls("13700001111") == 3
    assert repeat_calls("") == 0
