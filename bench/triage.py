"""Triage benchmark: accuracy, suggestion latency, training time and memory, duplicate search.

    .venv/bin/python bench/triage.py [--sizes 100000 1000000] [--orders 1000000] [--quick]

Every figure is measured here, on this machine, in a throwaway SQLite database under a temporary
folder; the last line printed is one JSON object with the headline figures. See bench/README.md.
"""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "tipdm2020"
LABELS = ROOT / "bench" / "data" / "tipdm_labels.jsonl"


def held_out_accuracy() -> dict:
    """Train on most of each category's phrases; test on requests built from the phrases held back."""
    from hotline.triage import corpus
    from hotline.triage.evaluation import evaluate
    from hotline.triage.classifier import train

    learn, unseen = corpus.split_phrases()
    rng, test_rng = random.Random(1), random.Random(99)
    train_examples = [e for code in learn for e in corpus.examples_for(code, 400, rng, learn[code])]
    test_examples = [e for code in unseen for e in corpus.examples_for(code, 60, test_rng, unseen[code])]
    model = train(train_examples)
    predictions = model.predict([e.text for e in test_examples])
    return {
        "category": evaluate([e.category for e in test_examples], [p.category for p in predictions]).as_dict(),
        "type": evaluate([e.order_type for e in test_examples], [p.order_type for p in predictions]).as_dict(),
        "urgency": evaluate([e.urgency for e in test_examples], [p.urgency for p in predictions]).as_dict(),
    }


def compare_learners() -> dict:
    """The raw category accuracy of other feature sets and learners on the held-out-phrase test:
    the figures behind the choice in model.py."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import LinearSVC

    from hotline.triage import corpus
    from hotline.triage.classifier import normalise

    learn, unseen = corpus.split_phrases()
    rng, test_rng = random.Random(1), random.Random(99)
    train_examples = [e for code in learn for e in corpus.examples_for(code, 400, rng, learn[code])]
    test_examples = [e for code in unseen for e in corpus.examples_for(code, 60, test_rng, unseen[code])]
    texts, labels = [normalise(e.text) for e in train_examples], [e.category for e in train_examples]
    test_texts, truth = [normalise(e.text) for e in test_examples], np.array([e.category for e in test_examples])
    results = {}
    for name, ngrams, learner in [
        ("chars+bigrams SGD (kept)", (1, 2), lambda: SGDClassifier(loss="modified_huber", alpha=2e-5, max_iter=15, tol=None,
                                                                   n_jobs=2, random_state=0)),
        ("chars+bigrams SVM", (1, 2), lambda: LinearSVC(C=0.2, dual=True, max_iter=2000)),
        ("chars..trigrams SVM", (1, 3), lambda: LinearSVC(C=0.2, dual=True, max_iter=2000)),
        ("bigrams+trigrams SVM", (2, 3), lambda: LinearSVC(C=0.2, dual=True, max_iter=2000)),
        ("chars..4-grams SVM", (1, 4), lambda: LinearSVC(C=0.2, dual=True, max_iter=2000)),
    ]:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngrams, min_df=2, sublinear_tf=True, dtype=np.float32)
        features = vectorizer.fit_transform(texts)
        started = time.perf_counter()
        model = learner().fit(features, labels)
        results[name] = {"accuracy": round(float((model.predict(vectorizer.transform(test_texts)) == truth).mean()), 4),
                         "fit_s": round(time.perf_counter() - started, 1), "features": features.shape[1]}
    return results


def real_accuracy(model) -> dict | None:
    """The cold-start model on real messages to a city board, labelled by hand (ids only here)."""
    from hotline.triage.evaluation import evaluate

    if not LABELS.exists() or not SHARED.exists():
        return None
    sources = {}
    for name in ("messages_with_votes.jsonl", "messages_with_replies.jsonl"):
        with (SHARED / name).open(encoding="utf-8") as f:
            sources[name] = {row["id"]: row for row in map(json.loads, f)}
    labels = [json.loads(line) for line in LABELS.open(encoding="utf-8")]
    texts = [f"{sources[x['file']][x['id']]['title']}。{sources[x['file']][x['id']]['text']}" for x in labels]
    predictions = model.predict(texts)
    return {
        "category": evaluate([x["category"] for x in labels], [p.category for p in predictions]).as_dict(),
        "type": evaluate([x["type"] for x in labels], [p.order_type for p in predictions]).as_dict(),
    }


def training_run(size: int) -> dict:
    """Train on ``size`` generated requests in a child process: wall time and peak memory."""
    code = (
        "import json, time, resource; from hotline.triage import corpus; from hotline.triage.classifier import train;"
        f"ex = corpus.generate(per_category={max(1, size // 60)}, seed=5); t = time.perf_counter(); m = train(ex);"
        "print(json.dumps({'examples': len(ex), 'train_s': round(time.perf_counter() - t, 1),"
        "'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), 'features': m.info['features'],"
        "'model_mb': round(len(m.to_bytes()) / 2**20, 1)}))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2), "requests": len(ordered)}


def database_figures(orders: int, requests: int) -> dict:
    """Suggestion and duplicate-search latency with ``orders`` orders in a SQLite database."""
    os.environ["HOTLINE_VAR_DIR"] = tempfile.mkdtemp(prefix="hotline-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from hotline.demo.city import build_city
    from hotline.orders.models import WorkOrder
    from hotline.org.selectors import area_index
    from hotline.triage import corpus
    from hotline.triage.selectors import probable_duplicates, suggest
    from hotline.triage.services import ensure_model

    call_command("migrate", verbosity=0)
    city = build_city()
    started = time.perf_counter()
    ensure_model()  # the cold start, timed separately
    cold_start_s = time.perf_counter() - started
    _fill(WorkOrder, city, orders)
    rng = random.Random(3)
    texts = [e.text for e in corpus.generate(per_category=max(1, requests // 60), seed=8)]
    places = [(c, rng.choice(city.compounds[c.pk])) for c in city.communities]
    suggest_times, duplicate_times = [], []
    now = timezone.now()
    for text in texts[:requests]:
        community, compound = rng.choice(places)
        address = f"{compound}{rng.randint(1, 30)}栋"
        t = time.perf_counter()
        suggest(text, address, at=now)
        suggest_times.append(time.perf_counter() - t)
        area = area_index().resolve(address)
        t = time.perf_counter()
        probable_duplicates(text=text, area=area, address=address, at=now)
        duplicate_times.append(time.perf_counter() - t)
    return {"orders_in_db": WorkOrder.objects.count(), "cold_start_train_s": round(cold_start_s, 1),
            "suggest": _percentiles(suggest_times), "duplicate_search": _percentiles(duplicate_times)}


def _fill(WorkOrder, city, count: int, batch: int = 20_000) -> None:
    """``count`` orders spread over the last 365 days and the city's communities (bulk insert:
    the figures measure reading, not registration)."""
    from django.utils import timezone

    from hotline.triage import corpus

    rng = random.Random(4)
    texts = [e.text for e in corpus.generate(per_category=50, seed=9)]
    now = timezone.now()
    communities = city.communities
    done = 0
    while done < count:
        rows = []
        for i in range(min(batch, count - done)):
            community = rng.choice(communities)
            rows.append(WorkOrder(
                number=f"B{done + i:012d}", status=rng.choice(["closed", "closed", "closed", "accepted", "dispatched"]),
                version=1, channel="phone", order_type="complaint", title="", text=rng.choice(texts),
                address=rng.choice(city.compounds[community.pk]), community_id=community.pk, street_id=community.parent_id,
                district_id=None, caller_phone=f"13{rng.randrange(10**9):09d}",
                registered_at=now - timedelta(seconds=rng.randrange(365 * 86400)),
            ))
        WorkOrder.objects.bulk_create(rows, batch_size=5000)
        done += len(rows)
        print(f"  {done:,} orders inserted", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000], help="training set sizes")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the database for latency figures")
    parser.add_argument("--requests", type=int, default=2000, help="suggestions to time")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--compare", action="store_true", help="also compare other features and learners")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.orders, args.requests = [20_000], 20_000, 300
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    report: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}
    print("accuracy on held-out phrases ...", file=sys.stderr, flush=True)
    report["held_out_phrases"] = held_out_accuracy()
    if args.compare:
        print("comparing features and learners ...", file=sys.stderr, flush=True)
        report["learners"] = compare_learners()
    for size in args.sizes:
        print(f"training on {size:,} requests ...", file=sys.stderr, flush=True)
        report[f"training_{size}"] = training_run(size)
    print(f"latency with {args.orders:,} orders ...", file=sys.stderr, flush=True)
    report["database"] = database_figures(args.orders, args.requests)
    from hotline.triage.services import ensure_model

    report["real_messages"] = real_accuracy(ensure_model()[1])
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
