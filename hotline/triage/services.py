"""Training triage models, and registering an order with the suggestions beside it."""

import random
from collections import Counter, defaultdict
from collections.abc import Callable

from django.db import transaction

from hotline.catalog.selectors import category_by_code, responsible_unit
from hotline.core.cache import forget
from hotline.core.errors import InvalidInput
from hotline.orders import services as orders
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.org.areas import ResolvedArea
from hotline.org.models import User

from . import corpus
from .evaluation import evaluate
from .model import Example, train
from .models import ModelVersion

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


def _store(model, source: str, examples: int, metrics: dict) -> ModelVersion:
    version = ModelVersion.objects.create(
        source=source, examples=examples, metrics=metrics, blob=model.to_bytes()
    )
    forget("triage.")
    return version


def register_with_suggestions(
    *,
    actor: User | None,
    text: str,
    address: str = "",
    category_code: str = "",
    order_type: str = "",
    urgency: str = "",
    **fields,
) -> WorkOrder:
    """Register an order (``orders.services.register_order``) with the triage suggestions stored
    beside what was chosen, so that how often each suggestion is taken can be measured.

    What the operator chose always wins. A request that reaches the centre without an operator
    (portal, apps, Open311) takes the suggested type and urgency, and the suggested category when
    the model is confident; the dispatcher reviews it either way.
    """
    from .selectors import suggest  # the selectors load models, which needs the apps ready

    suggestion = suggest(text, address, phone=fields.get("caller_phone", ""))
    return _register(
        actor,
        suggestion,
        text=text,
        address=address,
        category_code=category_code,
        order_type=order_type,
        urgency=urgency,
        **fields,
    )


MAX_BATCH = 100


def register_batch(*, actor: User | None, requests: list[dict]) -> list[WorkOrder]:
    """Register several orders at once (批量登记: what another platform or a branch centre
    forwards), each exactly as ``register_with_suggestions`` would, in one transaction: all are
    registered, or, when any one is refused, none is, and the refusal names the request by its
    position (``orders.3.address``). At most ``MAX_BATCH`` at a time."""
    from .selectors import Request, suggest_each

    if not 1 <= len(requests) <= MAX_BATCH:
        raise InvalidInput(
            {"orders": f"一次登记 1 至 {MAX_BATCH} 个工单，而不是 {len(requests)} 个"}
        )
    suggestions = suggest_each(
        [
            Request(r.get("text", ""), r.get("address", ""), r.get("caller_phone", ""))
            for r in requests
        ]
    )
    registered = []
    with transaction.atomic():
        for i, (request, suggestion) in enumerate(zip(requests, suggestions, strict=True)):
            try:
                registered.append(_register(actor, suggestion, **request))
            except InvalidInput as refused:
                raise InvalidInput(
                    {f"orders.{i}.{field}": message for field, message in refused.errors.items()}
                ) from None
    return registered


def _register(
    actor: User | None,
    suggestion: dict,
    *,
    text: str,
    address: str = "",
    category_code: str = "",
    order_type: str = "",
    urgency: str = "",
    **fields,
) -> WorkOrder:
    if actor is None:
        order_type = order_type or suggestion["order_type"]["value"]
        urgency = urgency or suggestion["urgency"]["value"]
        if not category_code and suggestion["category"]["confidence"] >= 0.8:
            category_code = suggestion["category"]["code"]
    return orders.register_order(
        actor=actor,
        text=text,
        address=address,
        category_code=category_code,
        order_type=order_type or "help",
        urgency=urgency or "normal",
        suggestions=suggestion,
        **fields,
    )
