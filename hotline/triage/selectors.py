"""Suggestions at intake: the model in use, its answer for a request, probable duplicates, and
how often suggestions were taken."""

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import TextChoices

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category, Routing
from hotline.catalog.selectors import category_by_code, responsible_unit
from hotline.core import clock
from hotline.core.cache import cached
from hotline.core.errors import InvalidInput
from hotline.knowledge.selectors import best_matches_each
from hotline.orders.models import WorkOrder
from hotline.orders.suggestions import Request
from hotline.orders.validation import clean_phone
from hotline.orders.workflow import Status
from hotline.org.areas import ResolvedArea
from hotline.org.selectors import active_unit, area_index

from . import duplicates as dup
from .classifier import Guess, Prediction, TriageModel
from .models import ModelVersion

log = logging.getLogger(__name__)
_loaded: tuple[int, TriageModel] | None = None


def current_model() -> tuple[int, TriageModel] | None:
    """(version, model) of the newest active model, or None when there is none yet (a reader
    never trains: ``services.ensure_model`` does, at the worker's start and from the commands).
    The version in force is looked up at most once a minute per process, and a new one is loaded
    when it changes."""
    global _loaded
    version = cached(
        "triage.version",
        lambda: ModelVersion.objects.filter(active=True).values_list("pk", flat=True).first(),
    )
    if version is None:
        return None
    if _loaded is None or _loaded[0] != version:
        blob = bytes(ModelVersion.objects.get(pk=version).blob)
        try:
            _loaded = (version, TriageModel.from_bytes(blob))
        except ValueError:
            log.warning("triage model v%s was stored in an older format: train a new one", version)
            return None
    return _loaded


def _names() -> dict[str, str]:
    return cached(
        "catalog.category_names", lambda: dict(Category.objects.values_list("code", "name"))
    )


def suggest(text: str, address: str = "", *, phone: str = "", at: datetime | None = None) -> dict:
    """What the model suggests for a request, as stored beside the order: category (with the top
    3), type, urgency (each with its confidence), the responsible unit when the place is known,
    probable duplicates and knowledge articles."""
    return suggest_each([Request(text, address, phone)], at=at)[0]


def suggest_each(requests: list[Request], *, at: datetime | None = None) -> list[dict]:
    """``suggest`` for several requests: the model and the knowledge index read them in one pass.
    With no model in use yet, the suggestions hold only the duplicates and the articles."""
    in_use = current_model()
    texts = [r.text for r in requests]
    predictions = in_use[1].predict(texts) if in_use else [None] * len(requests)
    articles = best_matches_each(texts, limit=3)
    index = area_index()
    suggestions = []
    for request, prediction, matches in zip(requests, predictions, articles, strict=True):
        area = index.resolve(request.address) if request.address else ResolvedArea()
        duplicates = probable_duplicates(
            text=request.text, area=area, address=request.address, phone=request.phone, at=at
        )
        suggestion = {
            "model": in_use[0] if in_use else None,
            "duplicates": [
                {"number": o.number, "score": s, "status": o.status} for o, s in duplicates
            ],
            "articles": [m._asdict() for m in matches],
        }
        if in_use and prediction:
            suggestion |= _predicted(in_use[1], prediction, area)
        suggestions.append(suggestion)
    return suggestions


def _predicted(model: TriageModel, prediction: Prediction, area: ResolvedArea) -> dict:
    names, category = _names(), prediction.category
    return {
        "category": {
            "code": category.label,
            "name": names.get(category.label, ""),
            "confidence": category.confidence,
            "top3": [
                {"code": c, "name": names.get(c, ""), "confidence": p} for c, p in category.top
            ],
        },
        "order_type": _choice(prediction.order_type, OrderType),
        "urgency": _choice(prediction.urgency, Urgency),
        "unit": _unit(model, category.label, area),
    }


def _choice(guess: Guess, choices: type[TextChoices]) -> dict:
    return {
        "value": guess.label,
        "label": str(dict(choices.choices).get(guess.label, guess.label)),
        "confidence": guess.confidence,
    }


def _unit(model: TriageModel, code: str, area: ResolvedArea) -> dict | None:
    learnt = model.info.get("units", {}).get(f"{code}@{area.street_id}") if area.street_id else None
    unit = active_unit(learnt) if learnt else None
    if unit is None:
        category = category_by_code(code)
        try:
            unit = responsible_unit(category, area)
        except InvalidInput:
            if category.routing in (
                Routing.DEPARTMENT,
                Routing.ENTERPRISE,
            ):  # named, not yet set up as a unit
                return {"id": None, "name": category.default_unit, "learnt": False}
            return None  # a local category without a place: the dispatcher decides
    return {"id": unit.pk, "name": unit.name, "learnt": unit.pk == learnt}


# The candidates of the duplicate search, in plain SQL: it runs for every order registered, and
# building it through the ORM cost as much as the scoring itself. A moment is read as seconds since
# 1970, much quicker to load than a time zone-aware datetime.
_EPOCH = {
    "postgresql": "EXTRACT(EPOCH FROM registered_at)::float8",
    "sqlite": "(julianday(registered_at) - 2440587.5) * 86400.0",
}
_CANDIDATES = (
    "SELECT id, number, status, text, address, caller_phone, community_id, street_id, {epoch} "
    f"FROM {WorkOrder._meta.db_table} "
    "WHERE ({near}) AND registered_at >= %s AND registered_at <= %s "
    "AND status NOT IN (%s, %s){exclude} ORDER BY registered_at DESC LIMIT 300"
)


class Candidate(NamedTuple):
    """An order found as a probable duplicate: what a suggestion shows of it."""

    pk: int
    number: str
    status: str


def probable_duplicates(
    *,
    text: str,
    area: ResolvedArea | None = None,
    address: str = "",
    phone: str = "",
    at: datetime | None = None,
    window_days: int = 7,
    threshold: float = 0.45,
    limit: int = 5,
    exclude: int | None = None,
) -> list[tuple[Candidate, float]]:
    """Open or recent orders that are probably the same problem: at the same place (community, or
    street when that is all that is known) or from the same caller, registered within
    ``window_days``, scored on text, place and time. Reads the place and caller indexes only
    (never the whole table), at most a few hundred of the newest rows, as plain tuples: this runs
    at every registration."""
    at, area = at or clock.now(), area or ResolvedArea()
    window = timedelta(days=window_days)
    try:
        phone = clean_phone(phone)  # as the orders store it
    except InvalidInput:
        phone = ""  # not a number anyone called from (or still being typed)
    near: list[str] = []
    params: list[Any] = []
    if area.community_id:
        near.append("community_id = %s")
        params.append(area.community_id)
    elif area.street_id:
        near.append("street_id = %s")
        params.append(area.street_id)
    if phone:
        near.append("caller_phone = %s")
        params.append(phone)
    if not near:
        return []
    adapt = connection.ops.adapt_datetimefield_value
    params += [adapt(at - window), adapt(at), Status.CANCELLED, Status.MERGED] + (
        [exclude] if exclude else []
    )
    sql = _CANDIDATES.format(
        epoch=_EPOCH[connection.vendor],
        near=" OR ".join(near),
        exclude=" AND id <> %s" if exclude else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    words = dup.request_bigrams(text, address)
    here = dup.Place(area.community_id, area.street_id, address, phone)
    now, scored = at.timestamp(), []
    for (
        pk,
        number,
        status,
        their_text,
        their_address,
        their_phone,
        community_id,
        street_id,
        registered,
    ) in rows:
        there = dup.Place(community_id, street_id, their_address, their_phone)
        theirs = dup.request_bigrams(their_text, their_address)
        score = dup.duplicate_score(
            dup.text_likeness(words, theirs),
            dup.place_likeness(here, there),
            timedelta(seconds=abs(now - registered)),
            window,
        )
        if score >= threshold:
            scored.append((Candidate(pk, number, status), score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def repeat_calls(phone: str, *, at: datetime | None = None, days: int = 30) -> int:
    """How many orders the same caller registered in the last ``days`` (重复来电)."""
    if not phone:
        return 0
    at = at or clock.now()
    return WorkOrder.objects.filter(
        caller_phone=phone, registered_at__gte=at - timedelta(days=days), registered_at__lte=at
    ).count()


def suggestion_acceptance(*, since: datetime, until: datetime) -> dict[str, dict]:
    """Per final category: orders registered in [since, until) with a suggestion and a settled
    category, and how many of them kept the suggested category (the acceptance rate)."""
    rows = (
        WorkOrder.objects.filter(
            registered_at__gte=since, registered_at__lt=until, category__isnull=False
        )
        .exclude(suggestions={})
        .values_list("category__code", "suggestions__category__code")
    )
    totals: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for final, suggested in rows:
        totals[final] += 1
        kept[final] += final == suggested
    return {
        code: {"orders": n, "accepted": kept[code], "rate": round(kept[code] / n, 4)}
        for code, n in sorted(totals.items())
    }
