"""The triage model itself (no database)."""

import pytest

from hotline.triage.classifier import Example, TriageModel, normalise, train


def test_normalising_folds_traditional_characters_width_case_and_digits():
    assert normalise("小區門口ＡＢ 12號  下水道") == "小区门口ab 0号 下水道"


def test_the_model_names_the_category_of_a_clear_request(small_model):
    [prediction] = small_model.predict(["小区门口的下水道堵了好几天，污水都漫到路上了"])
    assert prediction.category.label == "03.04"


def test_a_request_in_traditional_characters_is_understood_alike(small_model):
    simplified, traditional = small_model.predict(
        ["楼上邻居家暖气不热，屋里太冷了", "樓上鄰居家暖氣不熱，屋裡太冷了"]
    )
    assert simplified.category.label == traditional.category.label == "04.04"


def test_the_top_three_are_distinct_and_ranked_with_the_best_first(small_model):
    [prediction] = small_model.predict(["路灯不亮了"])
    labels = [label for label, _ in prediction.category.top]
    confidences = [p for _, p in prediction.category.top]
    assert len(set(labels)) == 3 and labels[0] == prediction.category.label
    assert confidences == sorted(confidences, reverse=True) and 0 < sum(confidences) <= 1.0001


def test_a_gas_leak_is_critical_and_a_question_is_a_consultation(small_model):
    leak, question = small_model.predict(
        ["楼道里燃气味特别浓，怀疑燃气泄漏了，快来人", "请问公租房怎么申请，需要什么材料"]
    )
    assert leak.urgency.label == "critical"
    assert question.order_type.label == "consultation"


def test_a_stored_model_loads_back_and_answers_the_same(small_model):
    text = ["电梯困人了，里面有老人"]
    loaded = TriageModel.from_bytes(small_model.to_bytes())
    assert loaded.predict(text) == small_model.predict(text)


def test_a_model_stored_in_an_older_format_is_refused(small_model):
    small_model.format, blob = 0, None
    try:
        blob = small_model.to_bytes()
    finally:
        small_model.format = 1
    with pytest.raises(ValueError, match="old format"):
        TriageModel.from_bytes(blob)


def test_type_and_urgency_are_learnt_only_from_examples_that_have_them():
    examples = [
        Example(f"垃圾没人清运{i}", "02.01", "complaint" if i % 2 else "", "normal")
        for i in range(20)
    ]
    examples += [Example(f"路灯坏了不亮{i}", "03.03", "help", "") for i in range(20)]
    model = train(examples)
    assert set(model.heads["order_type"].classes_) == {"complaint", "help"}
    [prediction] = model.predict(["路灯坏了"])
    assert (prediction.urgency.label, prediction.urgency.confidence) == ("normal", 1.0)


def _texts():
    from hotline.triage import corpus

    return [normalise(e.text) for e in corpus.generate(per_category=3, seed=5)]


def test_the_compiled_heads_give_scikit_learns_probabilities_to_the_last_bit(small_model):
    import numpy as np

    features = small_model.vectorizer.transform(_texts())
    for name, head in small_model.heads.items():
        compiled = small_model._compiled()[name]
        assert np.array_equal(compiled.predict_proba(features), head.predict_proba(features)), name
        assert list(compiled.classes_) == list(head.classes_)


def test_a_two_class_head_is_compiled_to_the_same_probabilities():
    import numpy as np

    examples = [
        Example(f"垃圾没人清运{i}", "02.01", "complaint" if i % 3 else "help") for i in range(30)
    ]
    examples += [
        Example(f"路灯坏了不亮{i}", "03.03", "help" if i % 3 else "complaint") for i in range(30)
    ]
    model = train(examples)
    features = model.vectorizer.transform([normalise(e.text) for e in examples])
    for name in ("category", "order_type"):
        assert len(model.heads[name].classes_) == 2
        assert np.array_equal(
            model._compiled()[name].predict_proba(features),
            model.heads[name].predict_proba(features),
        )


def test_the_compiled_heads_are_not_stored_with_the_model(small_model):
    small_model.predict(["路灯不亮了"])
    assert "_heads" in small_model.__dict__
    assert "_heads" not in TriageModel.from_bytes(small_model.to_bytes()).__dict__


def test_text_without_traditional_characters_is_left_as_it_is_by_the_folding():
    from hotline.triage.variants import _converter, to_simplified

    # OpenCC's phrase table turns the simplified 打坏 into 打坯: text with nothing to fold is not
    # converted
    assert (
        to_simplified("玻璃被打坏了") == "玻璃被打坏了" != _converter("t2s").convert("玻璃被打坏了")
    )
    assert to_simplified("電梯壞了") == "电梯坏了"
