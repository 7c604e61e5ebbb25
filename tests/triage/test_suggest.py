"""Suggestions at intake, the model in use, and how often suggestions are taken."""

from datetime import timedelta

import pytest

from hotline.core import clock
from hotline.core.cache import forget
from hotline.orders import services as orders
from hotline.orders.models import WorkOrder
from hotline.triage import selectors, services
from hotline.triage.models import ModelVersion
from tests import factories


def test_a_suggestion_names_category_type_urgency_and_the_unit_with_confidences(city, model_in_use):
    s = selectors.suggest("小区门口的下水道堵了好几天，污水都漫到路上了", "东城1路11小区")
    assert s["model"] == model_in_use.pk
    assert s["category"]["code"] == "03.04" and s["category"]["name"] == "下水道堵塞"
    assert [c["code"] for c in s["category"]["top3"]][0] == "03.04" and len(
        s["category"]["top3"]
    ) == 3
    assert 0 < s["category"]["confidence"] <= 1 and 0 < s["order_type"]["confidence"] <= 1
    assert s["urgency"]["value"] == "normal"
    assert s["unit"]["name"] == "水务局"


def test_a_local_problem_is_suggested_to_the_street_of_the_address(city, model_in_use):
    s = selectors.suggest("门口垃圾好几天没人清运，垃圾桶都满了", "西城2路18号")
    assert s["category"]["code"] == "02.01"
    assert s["unit"]["id"] == city.streets[3].pk


def test_a_local_problem_without_an_address_has_no_unit_yet(city, model_in_use):
    assert selectors.suggest("门口垃圾好几天没人清运，垃圾桶都满了")["unit"] is None


def test_with_no_model_at_all_a_suggestion_trains_nothing_and_writes_nothing(city):
    selectors._loaded = None
    s = selectors.suggest("门口垃圾好几天没人清运，垃圾桶都满了", "东城1路11小区")
    assert not ModelVersion.objects.exists()
    assert s["model"] is None and "category" not in s and s["duplicates"] == []


def test_a_citizens_request_with_no_model_is_registered_with_the_defaults(city):
    selectors._loaded = None
    order = orders.register_order(actor=None, channel="web", text="门口垃圾好几天没人清运")
    assert (order.order_type, order.urgency, order.category) == ("help", "normal", None)
    assert not ModelVersion.objects.exists()


def test_ensure_model_trains_and_stores_the_cold_start_model_when_there_is_none(
    db, monkeypatch, small_model
):
    selectors._loaded = None
    monkeypatch.setattr(
        "hotline.triage.services.train", lambda examples, progress=None: small_model
    )
    version, model = services.ensure_model()
    assert ModelVersion.objects.get(pk=version).source == ModelVersion.Source.CORPUS
    assert (
        model.predict(["路灯坏了"])[0].category.label
        == small_model.predict(["路灯坏了"])[0].category.label
    )
    assert services.ensure_model()[0] == version  # the second time, the one in use


def test_a_newly_trained_model_is_used_without_a_restart(city, model_in_use, small_model):
    assert selectors.current_model()[0] == model_in_use.pk
    newer = ModelVersion.objects.create(
        source=ModelVersion.Source.HISTORY, examples=1, blob=small_model.to_bytes()
    )
    forget("triage.")  # what another process sees within a minute, this one at once
    assert selectors.current_model()[0] == newer.pk


def test_a_deactivated_model_is_no_longer_used(city, model_in_use, small_model):
    newer = ModelVersion.objects.create(
        source=ModelVersion.Source.HISTORY, examples=1, blob=small_model.to_bytes()
    )
    newer.active = False
    newer.save()
    forget("triage.")
    assert selectors.current_model()[0] == model_in_use.pk


def test_registering_stores_the_suggestions_beside_the_operators_choice(city, model_in_use):
    order = orders.register_order(
        actor=city.operator,
        text="小区门口的下水道堵了好几天，污水都漫到路上了",
        address="东城1路11小区",
        category_code="03.05",
        order_type="help",
        caller_phone="13812345678",
    )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.category.code == "03.05"  # the operator's choice wins
    assert order.suggestions["category"]["code"] == "03.04"


def test_a_citizens_request_takes_the_suggested_type_and_urgency(city, model_in_use):
    order = orders.register_order(
        actor=None,
        channel="web",
        text="楼道里燃气味特别浓，怀疑燃气泄漏了",
        address="东城1路11小区",
    )
    assert order.urgency == "critical"
    assert order.order_type == order.suggestions["order_type"]["value"]


def test_the_acceptance_rate_compares_the_suggestion_with_the_category_finally_settled(
    city, model_in_use
):
    start = clock.now() - timedelta(minutes=1)
    kept = orders.register_order(
        actor=city.operator,
        text="下水道堵了，污水漫到路上",
        address="东城1路",
        category_code="03.04",
    )
    changed = orders.register_order(
        actor=city.operator, text="下水道又堵了，污水横流", address="东城1路"
    )
    orders.dispatch_order(order=changed, actor=city.dispatcher, category_code="03.05")
    rates = selectors.suggestion_acceptance(since=start, until=clock.now() + timedelta(minutes=1))
    assert rates["03.04"] == {"orders": 1, "accepted": 1, "rate": 1.0}
    assert rates["03.05"] == {"orders": 1, "accepted": 0, "rate": 0.0}
    assert kept.suggestions and changed.suggestions


def test_training_from_history_learns_the_settled_category_and_measures_itself(
    city, model_in_use, monkeypatch
):
    for _ in range(12):
        order = factories.register(
            city, text="小区里的路灯晚上都不亮，黑漆漆的", category_code="", address="东城1路"
        )
        orders.dispatch_order(order=order, actor=city.dispatcher, category_code="03.03")
    factories.register(city, text="这个不算", category_code="03.01")  # registered only: not settled
    seen = {}
    monkeypatch.setattr("hotline.triage.services.corpus.generate", lambda n, seed=0: [])

    def fake_train(examples, progress=None):
        seen["examples"] = examples
        return selectors.current_model()[1]

    monkeypatch.setattr("hotline.triage.services.train", fake_train)
    version = services.train_from_history(holdout=0.25)
    assert {e.category for e in seen["examples"]} == {"03.03"} and len(seen["examples"]) == 9
    assert (
        version.source == ModelVersion.Source.HISTORY
        and version.metrics["category"]["examples"] == 3
    )


def test_training_from_history_without_settled_orders_says_so(city, model_in_use):
    with pytest.raises(ValueError, match="no settled orders"):
        services.train_from_history()


def test_units_that_dispatchers_consistently_chose_are_learnt(city, model_in_use, monkeypatch):
    target = city.departments["城市管理局"]
    for _ in range(6):
        order = factories.register(city, text="垃圾清运", address="东城1路", category_code="02.01")
        orders.dispatch_order(order=order, actor=city.dispatcher, unit=target)
    monkeypatch.setattr(
        "hotline.triage.services.train",
        lambda examples, progress=None: selectors.current_model()[1],
    )
    version = services.train_from_history(holdout=0)
    model = selectors.TriageModel.from_bytes(bytes(version.blob))
    assert model.info["units"] == {f"02.01@{city.streets[0].pk}": target.pk}


def test_routing_that_only_repeats_the_catalogue_is_not_stored_as_learnt(
    city, model_in_use, monkeypatch
):
    for _ in range(6):
        order = factories.register(city, text="垃圾清运", address="东城1路", category_code="02.01")
        orders.dispatch_order(order=order, actor=city.dispatcher)  # the catalogue's street
    monkeypatch.setattr(
        "hotline.triage.services.train",
        lambda examples, progress=None: selectors.current_model()[1],
    )
    version = services.train_from_history(holdout=0)
    assert selectors.TriageModel.from_bytes(bytes(version.blob)).info["units"] == {}


def test_type_and_urgency_suggestions_carry_their_chinese_labels(city, model_in_use):
    s = selectors.suggest("请问公租房怎么申请")
    assert (s["order_type"]["value"], s["order_type"]["label"]) == ("consultation", "咨询")
    assert s["urgency"]["label"] == "一般"
