"""The generated cold-start corpus."""

import csv
from collections import Counter
from pathlib import Path

from hotline.catalog.choices import OrderType, Urgency
from hotline.triage import corpus
from hotline.triage.phrases import PHRASES

TAXONOMY = Path(__file__).resolve().parents[2] / "hotline" / "catalog" / "taxonomy.csv"
CODES = [row["code"] for row in csv.DictReader(TAXONOMY.open(encoding="utf-8"))]


def test_every_taxonomy_leaf_has_examples_and_no_other_label_appears():
    counts = Counter(e.category for e in corpus.generate(per_category=20))
    assert sorted(counts) == sorted(CODES)
    assert set(counts.values()) == {20}


def test_the_corpus_is_the_same_for_the_same_seed_and_differs_for_another():
    assert corpus.generate(5, seed=1) == corpus.generate(5, seed=1)
    assert corpus.generate(5, seed=1) != corpus.generate(5, seed=2)


def test_types_and_urgencies_are_valid_choices():
    examples = corpus.generate(per_category=30)
    assert {e.order_type for e in examples} <= set(OrderType.values)
    assert {e.urgency for e in examples} == set(Urgency.values)


def test_examples_vary_in_voice_length_and_script():
    texts = [e.text for e in corpus.generate(per_category=50)]
    lengths = sorted(len(t) for t in texts)
    assert lengths[len(lengths) // 10] < 20 and lengths[-len(lengths) // 10] > 45
    assert any(t.startswith("来电人") for t in texts) and any("尊敬的领导" in t for t in texts)
    assert any("區" in t or "們" in t or "題" in t for t in texts)  # some in traditional characters
    assert len(set(texts)) > 0.95 * len(texts)


def test_held_out_phrases_are_never_trained_on():
    train, test = corpus.split_phrases()
    for code in PHRASES:
        assert test[code] and train[code]
        assert not set(test[code]) & set(train[code])
        assert sorted(test[code] + train[code]) == sorted(PHRASES[code])
