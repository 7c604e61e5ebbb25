"""The statistical findings of the monthly analysis, as pure functions over plain data.

The caller counts orders in the database and passes the counts in; nothing here reads a model.
Keys are whatever the caller groups by (a category code, a (category, street) pair, ...): they are
only compared and hashed, and come back unchanged in the findings.

- ``sudden_rises``: this week's count is improbable given the trailing weeks (突增).
- ``seasonal_warnings``: the coming month has been well above its year's level in most past years
  (未诉先办: act before the calls come).
- ``monthly_theme_candidates``: frequent problems that many units handle (每月一题).
- ``repeat_callers`` and ``hot_spots``: the same caller or the same place, again and again.
"""

import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from scipy import stats

K = TypeVar("K", bound=Hashable)
Month = tuple[int, int]  # (year, month)


# --- sudden rises ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rise(Generic[K]):
    key: K
    current: int  # the count in the week under review
    expected: float  # the mean of the trailing weeks
    ratio: float  # current / expected, the expectation floored at ``floor`` (a new problem)
    p_value: float  # P(a count >= current) under the trailing weeks' model


def sudden_rises(
    weekly: Mapping[K, Sequence[int]],
    *,
    min_history: int = 6,
    history: int = 26,
    alpha: float = 0.001,
    min_count: int = 5,
    min_ratio: float = 1.5,
    floor: float = 0.5,
) -> list[Rise[K]]:
    """Keys whose last week is far above what their trailing weeks make likely; most improbable
    first (then the larger excess over the expectation, then the key).

    Each value is a series of weekly counts, oldest first, the last being the week under review.
    The trailing weeks (at most ``history`` of them: half a year follows level changes and still
    estimates the spread) are modelled as Poisson when their sample variance is at most their mean,
    otherwise as negative binomial with that mean and variance, so a key whose counts always swing
    must rise further to be flagged than a steady one. A key is flagged when all of:

    - the upper-tail probability P(X >= current) is below ``alpha`` (0.001: reviewing some 250 keys
      a week, about one alarm a month by chance before the two rules below, which drop most);
    - current >= ``min_count`` (a jump from 1 to 4 is probable somewhere among hundreds of keys and
      is nothing to act on);
    - current >= ``min_ratio`` x expected (on a large key a 10% rise can be significant and still
      not a sudden rise worth a line in the report).

    The expectation is floored at ``floor`` so that a key silent for weeks can still be flagged when
    it suddenly gets calls. Keys with fewer than ``min_history`` trailing weeks are skipped: there
    is nothing to compare with. The order of the weeks within the history does not matter.
    """
    rises = []
    for key, series in weekly.items():
        trailing = [int(c) for c in series[:-1]][-history:]
        if len(trailing) < min_history or len(trailing) < 2:
            continue
        current = int(series[-1])
        # From integer sums, so that the same weeks in any order give exactly the same answer.
        n, total, squares = len(trailing), sum(trailing), sum(c * c for c in trailing)
        expected = total / n
        variance = (n * squares - total * total) / (n * (n - 1))
        level = max(expected, floor)
        if current < min_count or current < min_ratio * level:
            continue
        p_value = _upper_tail(level, variance, current)
        if p_value < alpha:
            rises.append(Rise(key, current, expected, current / level, p_value))
    rises.sort(key=lambda r: (r.p_value, -(r.current - r.expected), str(r.key)))
    return rises


def _upper_tail(mean: float, variance: float, current: int) -> float:
    if variance <= mean:
        return float(stats.poisson(mean).sf(current - 1))
    # Negative binomial with the given mean and variance: n successes, success probability p.
    p = mean / variance
    n = mean * p / (1 - p)
    return float(stats.nbinom(n, p).sf(current - 1))


# --- seasonal warnings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeasonalWarning(Generic[K]):
    key: K
    month: Month  # the coming month warned about
    factor: float  # the month's usual multiple of its year's average month (median over the years)
    level: float  # the average month over the 12 months before ``month``
    expected: int  # level x factor, rounded: the count to prepare for
    years: tuple[int, ...]  # the past years in which that month was high

    @property
    def rise(self) -> float:
        return self.expected - self.level


def seasonal_warnings(
    monthly: Mapping[K, Mapping[Month, int]],
    target: Month,
    *,
    min_factor: float = 1.5,
    min_count: int = 5,
    start: Month | None = None,
) -> list[SeasonalWarning[K]]:
    """Keys whose calls rise in the calendar month of ``target`` year after year; the largest
    expected rise first (then the key).

    For each key and each earlier full calendar year on record, the month's seasonal factor is its
    count divided by that year's average monthly count. The month is high in a year when the factor
    is at least ``min_factor`` and the count at least ``min_count`` (2 calls against an average of
    0.5 is chance, not season). A key is warned about when the month was high in a strict majority
    of its years, at least one: two high Julys out of two warn, one out of three does not, nor one
    out of two. The reported factor is the median over the years, which that majority keeps at or
    above ``min_factor`` and one freak year cannot inflate; the expected count applies it to the
    average month of the 12 months before ``target``.

    Missing months count as zero. Data starts at ``start`` (default: the earliest month present for
    any key); a year counts only if it lies wholly between ``start`` and ``target``, and a key's
    year with no calls at all is left out for that key (it has no level to compare with).
    """
    if start is None:
        known = [month for counts in monthly.values() for month in counts]
        if not known:
            return []
        start = min(known)
    year, month = target
    first_year = start[0] if start[1] == 1 else start[0] + 1
    recent = [m for m in _months_before(target, 12) if m >= start]

    warnings = []
    for key, counts in monthly.items():
        factors: dict[int, float] = {}
        high = []
        for past in range(first_year, year):
            total = sum(counts.get((past, m), 0) for m in range(1, 13))
            if total <= 0:
                continue
            count = counts.get((past, month), 0)
            factors[past] = count / (total / 12)
            if factors[past] >= min_factor and count >= min_count:
                high.append(past)
        if not high or 2 * len(high) <= len(factors) or not recent:
            continue
        factor = statistics.median(factors.values())
        level = sum(counts.get(m, 0) for m in recent) / len(recent)
        warnings.append(
            SeasonalWarning(key, target, factor, level, round(level * factor), tuple(high))
        )
    warnings.sort(key=lambda w: (-w.rise, str(w.key)))
    return warnings


def _months_before(target: Month, count: int) -> list[Month]:
    index = target[0] * 12 + target[1] - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count, index)]


# --- candidate themes for 每月一题 --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate(Generic[K]):
    key: K
    orders: int
    units: int  # distinct units that handled them
    areas: int  # distinct areas they came from
    score: float


def monthly_theme_candidates(
    rows: Iterable[tuple[K, Hashable, Hashable, int]],
    *,
    top: int = 5,
    min_units: int = 3,
) -> list[Candidate[K]]:
    """The ``top`` problems most worth a 每月一题 (one problem a month solved at its root).

    Rows are (key, unit id, area id, order count). Per key: the orders, the distinct units and the
    distinct areas (ids of None are not counted; a key with no known area counts as one). The
    score is orders x ln(1 + units) x ln(1 + areas): frequent first, and among equally frequent
    problems those that several units and many places share, because a problem one unit can fix
    alone is that unit's job, not a theme. Keys handled by fewer than ``min_units`` units are left
    out. Highest score first, then more orders, then the key. Rows with a count of zero or less
    are ignored.
    """
    orders: Counter = Counter()
    units: defaultdict[K, set] = defaultdict(set)
    areas: defaultdict[K, set] = defaultdict(set)
    for key, unit, area, count in rows:
        if count <= 0:
            continue
        orders[key] += count
        if unit is not None:
            units[key].add(unit)
        if area is not None:
            areas[key].add(area)
    candidates = []
    for key, total in orders.items():
        spread_units, spread_areas = len(units[key]), max(len(areas[key]), 1)
        if spread_units < min_units:
            continue
        score = total * math.log1p(spread_units) * math.log1p(spread_areas)
        candidates.append(Candidate(key, total, spread_units, len(areas[key]), score))
    candidates.sort(key=lambda c: (-c.score, -c.orders, str(c.key)))
    return candidates[:top]


# --- repeat callers and hot spots -----------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str  # the normalised phone or place the orders share
    label: str  # how it is shown: the most common spelling as received
    orders: int
    order_ids: tuple[Hashable, ...]  # in the order received, each once


def normalise_phone(phone: str) -> str:
    """Digits only, without a leading 86 / 0086 country code before an 11-digit mobile number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def normalise_place(place: str) -> str:
    """Width-folded and lowercased, without spaces, punctuation or symbols. Building and door
    numbers stay ("3号楼2单元" is another place than "5号楼"): callers wanting coarser spots pass
    the community or the road instead of the full address."""
    text = unicodedata.normalize("NFKC", place or "").lower()
    return "".join(
        c for c in text if not c.isspace() and not unicodedata.category(c).startswith(("P", "S"))
    )


def repeat_callers(rows: Iterable[tuple[str, Hashable]], *, min_orders: int = 3) -> list[Group]:
    """Callers behind at least ``min_orders`` distinct orders, most orders first (then the phone).
    Rows are (phone, order id); phones are compared after ``normalise_phone``, empty ones
    skipped."""
    return _grouped(rows, normalise_phone, min_orders)


def hot_spots(rows: Iterable[tuple[str, Hashable]], *, min_orders: int = 3) -> list[Group]:
    """Places with at least ``min_orders`` distinct orders, most orders first (then the place).
    Rows are (place, order id); places are compared after ``normalise_place``, empty ones
    skipped."""
    return _grouped(rows, normalise_place, min_orders)


def _grouped(
    rows: Iterable[tuple[str, Hashable]], normalise: Callable[[str], str], min_orders: int
) -> list[Group]:
    ids: defaultdict[str, dict] = defaultdict(dict)  # a dict keeps arrival order, once each
    spellings: defaultdict[str, Counter] = defaultdict(Counter)
    for raw, order_id in rows:
        key = normalise(raw)
        if not key:
            continue
        ids[key][order_id] = None
        spellings[key][(raw or "").strip()] += 1
    groups = [
        Group(key, spellings[key].most_common(1)[0][0], len(found), tuple(found))
        for key, found in ids.items()
        if len(found) >= min_orders
    ]
    groups.sort(key=lambda g: (-g.orders, g.key))
    return groups
