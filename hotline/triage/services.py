"""Training triage models: from the generated corpus (the cold start) or the centre's history.

The only writers of models: reading (``selectors``) never trains."""

import random
from collections import Counter, defaultdict
from collections.abc import Callable

from hotline.catalog.selectors import category_by_code, responsible_unit
from hotline.core.cache import forget
from hotline.core.errors import InvalidInput
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.org.areas import ResolvedArea

from . import corpus
from .classifier import Example, TriageModel, train
from .evaluation import evaluate
from .models import ModelVersion
from .selectors import current_model

Progress = Callable[[str], None]
_QUIET: Progress = lambda _: None  # noqa: E731
# Orders whose category a dispatcher (or an operator answering on the spot) has settled.
_SETTLED = [
    Status.PENDING_DISPATCH,
    Status.DISPATCHED,
    Status.RETURNED,
    Status.ACCEPTED,
    Status.REPLIED,
    Status.PENDING_VISIT,
    Status.CLOSED,
]
# A learnt routing needs this many orders and this share of them to override the catalogue.
_MIN_ROUTED, _MIN_SHARE = 5, 0.6


def ensure_model(
    *, per_category: int = 400, progress: Progress = _QUIET
) -> tuple[int, TriageModel]:
    """(version, model) in use, training the cold-start model from the corpus first when there is
    none (a few seconds): at the worker's start, and before a command classifies."""
    if (in_use := current_model()) is None:
        progress("no triage model yet: training the cold-start model from the generated corpus")
        train_from_corpus(per_category=per_category, progress=progress)
        if (in_use := current_model()) is None:
            raise RuntimeError("the triage model just trained cannot be loaded")
    return in_use


def train_from_corpus(*, per_category: int = 400, progress: Progress = _QUIET) -> ModelVersion:
    """Train on the generated corpus alone (the cold start: a centre with no history yet)."""
    examples = corpus.generate(per_category)
    model = train(examples, progress=progress)
    return _store(model, ModelVersion.Source.CORPUS, len(examples), {})


def train_from_history(
    *, holdout: float = 0.1, corpus_per_category: int = 150, progress: Progress = _QUIET
) -> ModelVersion:
    """Train on the centre's own orders: the category, type and urgency finally settled (by the
    dispatcher's review, dispatch or the operator's answer), not the first guess at intake; the
    generated corpus stays in as a prior for categories the history hardly has. The newest
    ``holdout`` share of the orders is kept back to measure the model, and the units dispatchers
    actually chose per category and street are learnt where they differ from the catalogue."""
    progress("reading settled orders")
    rows = (
        WorkOrder.objects.filter(status__in=_SETTLED, category__isnull=False)
        .exclude(text="")
        .order_by("registered_at")
        .values_list("text", "category__code", "order_type", "urgency")
        .iterator(chunk_size=20_000)
    )
    history = []
    for i, (text, code, order_type, urgency) in enumerate(rows, 1):
        history.append(Example(text, code, order_type, urgency))
        if i % 100_000 == 0:
            progress(f"  {i:,} orders read")
    if not history:
        raise ValueError("no settled orders to learn from yet: the cold-start model stays in use")
    cut = len(history) - int(len(history) * holdout)
    learning, held_out = history[:cut], history[cut:]
    examples = learning + corpus.generate(corpus_per_category, seed=random.randrange(10**6))
    model = train(examples, progress=progress)
    metrics = {}
    if held_out:
        progress(f"measuring on the newest {len(held_out):,} orders")
        guesses = model.predict([e.text for e in held_out])
        metrics = {
            "category": evaluate(
                [e.category for e in held_out], [g.category for g in guesses]
            ).as_dict()
        }
    model.info["units"] = _learnt_routing(progress)
    return _store(model, ModelVersion.Source.HISTORY, len(examples), metrics)


def _learnt_routing(progress: Progress) -> dict[str, int]:
    """{"code@street_id": unit_id} where dispatchers consistently chose one unit."""
    progress("learning where dispatchers sent each category")
    counts: dict[str, Counter] = defaultdict(Counter)
    rows = (
        WorkOrder.objects.filter(
            status__in=_SETTLED, unit__isnull=False, category__isnull=False, street__isnull=False
        )
        .order_by()
        .values_list("category__code", "street_id", "unit_id")
        .iterator(chunk_size=20_000)
    )
    for code, street_id, unit_id in rows:
        counts[f"{code}@{street_id}"][unit_id] += 1
    learnt = {}
    for key, units in counts.items():
        unit_id, n = units.most_common(1)[0]
        if (
            n >= _MIN_ROUTED
            and n / sum(units.values()) >= _MIN_SHARE
            and unit_id != _catalogue_unit(key)
        ):
            learnt[key] = unit_id
    return learnt


def _catalogue_unit(key: str) -> int | None:
    code, street_id = key.split("@")
    try:
        return responsible_unit(category_by_code(code), ResolvedArea(street_id=int(street_id))).pk
    except InvalidInput:
        return None


def _store(model: TriageModel, source: str, examples: int, metrics: dict) -> ModelVersion:
    version = ModelVersion.objects.create(
        source=source, examples=examples, metrics=metrics, blob=model.to_bytes()
    )
    forget("triage.")
    return version
