"""Reading the rollup: counters, rates, scores and rankings for any slice and period."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from typing import TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import DateField, F, Func, Q, Sum, Value
from django.db.models.functions import TruncMonth, TruncWeek

from hotline.orders.models import Event, WorkOrder
from hotline.org.models import Unit
from hotline.org.selectors import subtree_ids
from hotline.problems.selectors import call_in_tallies

from . import rates
from .cohorts import COUNTERS, Contributions, EventFacts, OrderFacts, fold
from .models import Cell
from .rates import Standing

DIMENSIONS = ("day", "unit_id", "category_id", "street_id", "channel")
# Coarser days, summed by the database: the Monday of the week, the first of the month.
TRUNCATED = {
    "week": TruncWeek("day", output_field=DateField()),
    "month": TruncMonth("day", output_field=DateField()),
}
# SQLite runs Django's Trunc functions in Python, row by row; its own date() is many times faster.
SQLITE_TRUNCATED = {
    "week": Func(
        F("day"), Value("-6 days"), Value("weekday 1"), function="date", output_field=DateField()
    ),
    "month": Func(F("day"), Value("start of month"), function="date", output_field=DateField()),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))

    @classmethod
    def parse_month(cls, text: str) -> "Period":
        """'2026-10' → October 2026; a clear ValueError otherwise."""
        try:
            year, month = (int(p) for p in text.split("-"))
            return cls.month(year, month)
        except ValueError:
            raise ValueError(f"月份应写作 YYYY-MM，例如 2026-10，而不是「{text}」") from None

    @classmethod
    def week_of(cls, day: date) -> "Period":
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6))

    def previous(self) -> "Period":
        """The period of the same kind just before (month before a month, else the same length)."""
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            before = self.start - timedelta(days=1)
            return Period.month(before.year, before.month)
        length = self.end - self.start + timedelta(days=1)
        return Period(self.start - length, self.start - timedelta(days=1))

    def year_before(self) -> "Period":
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            return Period.month(self.start.year - 1, self.start.month)
        return Period(
            self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1)
        )

    def __str__(self) -> str:
        if (
            self.start.day == 1
            and (self.end + timedelta(days=1)).day == 1
            and self.start.month == self.end.month
        ):
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


Counts = dict[str, int]


class Filters(TypedDict, total=False):
    """The slices ``counters`` can be narrowed to."""

    units: Iterable[int] | None
    categories: Iterable[int] | None
    streets: Iterable[int] | None
    channels: Iterable[str] | None


def counters(
    period: Period,
    *,
    by: Sequence[str] = (),
    units: Iterable[int] | None = None,
    categories: Iterable[int] | None = None,
    streets: Iterable[int] | None = None,
    channels: Iterable[str] | None = None,
    fields: Sequence[str] = COUNTERS,
) -> dict[tuple, Counts]:
    """The counters (all, or ``fields``) summed over the period, grouped by ``by`` (any of
    DIMENSIONS, "week" or "month"), optionally limited to some units, categories, streets or
    channels (ids; 0 means none)."""
    unknown = set(by) - set(DIMENSIONS) - set(TRUNCATED)
    if unknown:
        raise ValueError(f"unknown dimension: {', '.join(sorted(unknown))}")
    q = Q(day__gte=period.start, day__lte=period.end)
    for field, values in (
        ("unit_id", units),
        ("category_id", categories),
        ("street_id", streets),
        ("channel", channels),
    ):
        if values is not None:
            q &= Q(**{f"{field}__in": list(values)})
    sums = {n: Sum(n) for n in fields}
    cells = Cell.objects.filter(q)
    if not by:  # (values() without fields would group by every column)
        total = cells.aggregate(**sums)
        return {(): {n: total[n] or 0 for n in fields}} if total[fields[0]] is not None else {}
    functions = SQLITE_TRUNCATED if connection.vendor == "sqlite" else TRUNCATED
    truncated = {d: functions[d] for d in by if d in functions}
    rows = cells.annotate(**truncated).values(*by).annotate(**sums).order_by()
    return {tuple(r[d] for d in by): {n: r[n] or 0 for n in fields} for r in rows}


def totals(period: Period, **filters: Unpack[Filters]) -> Counts:
    return counters(period, **filters).get((), dict.fromkeys(COUNTERS, 0))


@dataclass
class UnitFigures:
    unit: Unit
    counts: Counts
    rates: dict[str, float | None]
    satisfaction_score: float | None
    score: float | None
    standing: Standing | None = None
    # 一呼即应 (its own column: not one of the composite score's rates)
    call_in_answer_rate: float | None = None


def _chosen(
    setting: str, default: dict[str, float], known: Iterable[str], what: str
) -> dict[str, float]:
    """The setting if given, else the default; a key outside ``known`` stops the process."""
    chosen = getattr(settings, setting, None) or default
    if unknown := set(chosen) - set(known):
        raise ImproperlyConfigured(f"{setting} names unknown {what}: {', '.join(sorted(unknown))}")
    return chosen


def _rank(figures: UnitFigures) -> int | None:
    return figures.standing.rank if figures.standing else None


def weights() -> dict[str, float]:
    """Each rate's weight in the composite score (HOTLINE_SCORE_WEIGHTS)."""
    return _chosen("HOTLINE_SCORE_WEIGHTS", rates.DEFAULT_WEIGHTS, rates.RATE_BY_CODE, "rates")


def grade_points() -> dict[str, float]:
    """The points of each satisfaction grade (HOTLINE_SATISFACTION_POINTS)."""
    return _chosen(
        "HOTLINE_SATISFACTION_POINTS",
        rates.DEFAULT_GRADE_POINTS,
        rates.DEFAULT_GRADE_POINTS,
        "grades",
    )


def figures_for(unit: Unit, counts: Counts) -> UnitFigures:
    values = rates.all_rates(counts)
    return UnitFigures(
        unit,
        counts,
        values,
        rates.satisfaction_score(counts, grade_points()),
        rates.composite_score(values, weights()),
    )


def _with_subunits(
    own: dict[int, dict[str, int]], zero: dict[str, int]
) -> dict[int, dict[str, int]]:
    """Each unit's counts with everything below it added (by the units' paths)."""
    paths = dict(Unit.objects.values_list("pk", "path"))
    summed: dict[int, dict[str, int]] = defaultdict(lambda: dict(zero))
    for unit_id, counts in own.items():
        path = paths.get(unit_id)
        if path is None:
            continue
        for ancestor in path.strip("/").split("/"):
            total = summed[int(ancestor)]
            for name, n in counts.items():
                total[name] += n
    return dict(summed)


def by_unit(period: Period, *, with_subunits: bool = True) -> dict[int, Counts]:
    """Counters per unit; with sub-units, each unit's figures include everything below it."""
    own = {key[0]: counts for key, counts in counters(period, by=("unit_id",)).items()}
    return _with_subunits(own, dict.fromkeys(COUNTERS, 0)) if with_subunits else own


def unit_rankings(
    period: Period, kinds: Iterable[str] | None = None
) -> dict[str, list[UnitFigures]]:
    """The ranking table of the units of each kind (streets, departments, companies …; default:
    every ranked kind), each unit with its sub-units, ranked by composite score, with its place
    in the previous period and its 一呼即应 rate. Units without a dispatch in the period are listed
    unranked."""
    now, before = by_unit(period), by_unit(period.previous())
    empty = dict.fromkeys(COUNTERS, 0)
    no_calls = {"called_in": 0, "reported_in_on_time": 0}
    calls = _with_subunits(call_in_tallies(period.start, period.end), no_calls)
    tables = {}
    for kind in kinds if kinds is not None else [k for k, _ in ranked_kinds()]:
        units = list(Unit.objects.filter(kind=kind, active=True).order_by("path"))
        table = [figures_for(u, now.get(u.pk, empty)) for u in units]
        previous = {u.pk: figures_for(u, before.get(u.pk, empty)).score for u in units}
        scores = {f.unit.pk: f.score if f.counts["dispatched"] else None for f in table}
        standings = {s.unit_id: s for s in rates.rank(scores, previous)}
        for f in table:
            f.standing = standings[f.unit.pk]
            f.call_in_answer_rate = rates.CALL_IN_RATE.of(calls.get(f.unit.pk, no_calls))
        tables[kind] = sorted(table, key=lambda f: (_rank(f) is None, _rank(f) or 0, f.unit.path))
    return tables


def unit_ranking(period: Period, kind: str) -> list[UnitFigures]:
    return unit_rankings(period, [kind])[kind]


def ranked_kinds() -> list[tuple[str, str]]:
    """The kinds of unit that are ranked against each other (same level), with their labels."""
    kinds = [Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.DEPARTMENT, Unit.Kind.COMPANY]
    present = set(Unit.objects.filter(kind__in=kinds).values_list("kind", flat=True))
    return [(k.value, str(k.label)) for k in kinds if k in present]


# --- folding orders straight from the event log ---------------------------------------------------

_ORDER_COLUMNS = ("id", "category_id", "street_id", "channel", "caller_phone")
_EVENT_COLUMNS = ("order_id", "seq", "at", "action", "to_status", "unit_id", "payload")


def _order_facts(rows: Iterable[dict]) -> dict[int, OrderFacts]:
    return {
        r["id"]: OrderFacts(
            r["id"], r["category_id"], r["street_id"], r["channel"], bool(r["caller_phone"])
        )
        for r in rows
    }


def _fold_grouped(orders: dict[int, OrderFacts], events: Iterable[dict]) -> Iterator[Contributions]:
    for order_id, group in groupby(events, key=lambda e: e["order_id"]):
        yield fold(
            orders[order_id],
            [
                EventFacts(
                    e["seq"], e["at"], e["action"], e["to_status"], e["unit_id"], e["payload"] or {}
                )
                for e in group
            ],
        )


def contributions_of(order_ids: list[int]) -> list[Contributions]:
    """These orders' contributions, folded from their events now."""
    orders = _order_facts(WorkOrder.objects.filter(pk__in=order_ids).values(*_ORDER_COLUMNS))
    events = (
        Event.objects.filter(order_id__in=order_ids)
        .order_by("order_id", "seq")
        .values(*_EVENT_COLUMNS)
    )
    return list(_fold_grouped(orders, events))


def fold_orders(*, batch: int = 20_000) -> Iterator[list[Contributions]]:
    """Every order's contributions, folded from the event log, ``batch`` orders at a time."""
    last_id = 0
    while ids := list(
        WorkOrder.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch]
    ):
        first_id, last_id = ids[0], ids[-1]
        orders = _order_facts(
            WorkOrder.objects.filter(pk__gte=first_id, pk__lte=last_id).values(*_ORDER_COLUMNS)
        )
        events = (
            Event.objects.filter(order_id__gte=first_id, order_id__lte=last_id)
            .order_by("order_id", "seq")
            .values(*_EVENT_COLUMNS)
            .iterator(chunk_size=10_000)
        )
        yield list(_fold_grouped(orders, events))


def recomputed_counters(period: Period, *, by: Sequence[str] = ("unit_id",)) -> dict[tuple, Counts]:
    """The same figures as ``counters``, but folded straight from the event log, bypassing the
    rollup: the check that the rollup is right (``hotline analytics verify``, the tests)."""
    index = {d: i for i, d in enumerate(DIMENSIONS)}
    result: dict[tuple, Counts] = {}
    for chunk in fold_orders():
        for c in chunk:
            for day, unit_id, counts in c.rows():
                if not period.start <= day <= period.end:
                    continue
                full = (day, unit_id, c.category_id, c.street_id, c.channel)
                key = tuple(full[index[d]] for d in by)
                into = result.setdefault(key, dict.fromkeys(COUNTERS, 0))
                for name, n in counts.items():
                    into[name] += n
    return result


def dashboard_rates(unit: Unit | None, *, today: date, months: int = 12) -> dict:
    """The headline rates for a dashboard: this month up to yesterday and the ``months`` months
    before, for the whole city (``unit`` None) or one unit with its sub-units; and, for the city,
    the streets' ranking this month so far.

    Today is left out: a round due later today is not decided yet, and counting it would show
    the day's work as late before it is."""
    headline = (
        "first_contact_rate",
        "on_time_completion_rate",
        "resolution_rate",
        "satisfaction_rate",
    )
    yesterday = today - timedelta(days=1)
    first = date(yesterday.year, yesterday.month, 1)
    periods = []
    for back in range(months - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        periods.append(Period.month(y, m + 1))
    periods[-1] = Period(periods[-1].start, yesterday)

    # One query for the year: by month, limited to the unit and the units below it.
    below = None if unit is None else subtree_ids(unit)
    per_month = counters(Period(periods[0].start, yesterday), by=("month",), units=below)
    empty = dict.fromkeys(COUNTERS, 0)
    trend = [per_month.get((p.start,), empty) for p in periods]
    current = figures_for(unit or Unit(name="全市"), trend[-1])
    result = {
        "until": yesterday,
        "months": [f"{p.start:%Y-%m}" for p in periods],
        "rates": [
            {
                "code": r.code,
                "name": r.name,
                "value": current.rates[r.code],
                "trend": [rates.rounded(r.of(c)) for c in trend],
            }
            for r in rates.RATES
            if r.code in headline
        ],
        "score": current.score,
        "volume": [c["registered"] for c in trend],
        "ranking": [],
    }
    if unit is None and Unit.objects.filter(kind=Unit.Kind.STREET).exists():
        table = unit_ranking(periods[-1], Unit.Kind.STREET)
        result["ranking"] = [
            {
                "unit": f.unit.name,
                "rank": _rank(f),
                "score": rates.rounded(f.score, 1),
                "change": f.standing.change if f.standing else None,
            }
            for f in table
        ]
    return result
