"""Every rate, defined once (pure: no database).

A rate is a numerator over a denominator, both sums of the counters that ``cohorts.fold`` dates
and attributes; the docstring of each definition is what the reports print under their tables.
The composite score and the ranking follow the Beijing practice of three rates (三率).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import overload

Counts = Mapping[str, int]


@dataclass(frozen=True)
class Rate:
    code: str
    name: str
    numerator: Callable[[Counts], int]
    denominator: Callable[[Counts], int]
    definition: str
    # True where a higher figure is worse (退单率, 超期率 …): rankings and colours read it.
    lower_is_better: bool = False

    def of(self, counts: Counts) -> float | None:
        """The rate as a fraction, or None when the cohort is empty (not 0 %: nothing to judge)."""
        d = self.denominator(counts)
        return self.numerator(counts) / d if d else None


def _c(name: str) -> Callable[[Counts], int]:
    return lambda counts: counts.get(name, 0)


def _rated(counts: Counts) -> int:
    return (
        counts.get("satisfied", 0)
        + counts.get("basically_satisfied", 0)
        + counts.get("unsatisfied", 0)
    )


RATES: tuple[Rate, ...] = (
    Rate(
        "accepted_in_time_rate",
        "及时签收率",
        _c("accepted_on_time"),
        _c("dispatched"),
        "派单（含改派、重办）后在签收时限内签收的次数 ÷ 统计期内派给该单位的次数（按派单日期计）",
    ),
    Rate(
        "first_contact_rate",
        "先行联系率（响应率）",
        _c("contacted_on_time"),
        _c("contact_required"),
        "在先行联系时限内联系诉求人的工单 ÷ 统计期内派给该单位且留有联系电话的工单（按派单日期计）",
    ),
    Rate(
        "on_time_completion_rate",
        "按时办结率",
        _c("finished_on_time"),
        _c("due"),
        "在现行办结时限（含批准的延期）内作出最终回复的工单 ÷ 统计期内到期的工单；"
        "工单以最终回复与办结时限中较早者所在日期计入一次；被改派、同意退单或并单的不计",
    ),
    Rate(
        "timely_reply_rate",
        "及时回复率",
        _c("replied_on_time"),
        _c("due"),
        "在原办结时限内作出首次回复（阶段性回复或最终回复）的工单 ÷ 与按时办结率相同的工单",
    ),
    Rate(
        "resolution_rate",
        "实际解决率（解决率）",
        _c("resolved"),
        _c("visited"),
        "回访中诉求人确认已解决的次数 ÷ 统计期内的回访次数（按回访日期计）",
    ),
    Rate(
        "satisfaction_rate",
        "满意率",
        lambda c: c.get("satisfied", 0) + c.get("basically_satisfied", 0),
        _rated,
        "回访评价为满意或基本满意的次数 ÷ 统计期内有评价的回访次数",
    ),
    Rate(
        "return_rate",
        "退单率",
        _c("returned"),
        _c("dispatched"),
        "申请退单的次数 ÷ 统计期内派给该单位的次数（按派单日期计）",
        lower_is_better=True,
    ),
    Rate(
        "reopen_rate",
        "重办率",
        _c("reopened"),
        _c("visited"),
        "统计期内的重办次数 ÷ 统计期内的回访次数",
        lower_is_better=True,
    ),
    Rate(
        "extension_rate",
        "延期率",
        _c("extended"),
        _c("accepted"),
        "获批延期的工单 ÷ 统计期内签收的工单（按签收日期计）",
        lower_is_better=True,
    ),
    Rate(
        "overdue_rate",
        "超期率",
        lambda c: c.get("due", 0) - c.get("finished_on_time", 0),
        _c("due"),
        "到期时仍未作出最终回复的工单 ÷ 与按时办结率相同的工单",
        lower_is_better=True,
    ),
    Rate(
        "repeat_request_rate",
        "重复诉求率",
        _c("merged"),
        _c("registered"),
        "统计期内登记后被并入主工单（并单）的工单 ÷ 统计期内登记的工单（按登记日期计）",
        lower_is_better=True,
    ),
)
RATE_BY_CODE = {r.code: r for r in RATES}

# 一呼即应: counted from the problems' call-ins (吹哨报到, ``problems.selectors.call_in_counts``),
# not from the orders' events, so it stands beside the order rates rather than among them.
CALL_IN_RATE = Rate(
    "call_in_answer_rate",
    "一呼即应率",
    _c("reported_in_on_time"),
    _c("called_in"),
    "被吹哨后在报到时限内报到的次数 ÷ 统计期内被吹哨的次数（按吹哨日期计，尚未报到的算作未按时）",
)

# Points per grade of the satisfaction score (满意度得分); settings may override them.
DEFAULT_GRADE_POINTS: dict[str, float] = {
    "satisfied": 100,
    "basically_satisfied": 80,
    "unsatisfied": 0,
}
# The composite score's weights (综合得分, 三率): 响应率 20 %, 解决率 40 %, 满意率 40 %.
DEFAULT_WEIGHTS = {"first_contact_rate": 0.2, "resolution_rate": 0.4, "satisfaction_rate": 0.4}


def satisfaction_score(
    counts: Counts, points: Mapping[str, float] = DEFAULT_GRADE_POINTS
) -> float | None:
    """满意度得分: the mean of the configured points per grade over rated visits (0–100)."""
    rated = _rated(counts)
    if not rated:
        return None
    return sum(counts.get(grade, 0) * p for grade, p in points.items()) / rated


def composite_score(
    rates: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> float | None:
    """综合得分 (0–100): the weighted mean of the weighted rates that have a cohort.

    A rate with an empty cohort (no visits this month, say) leaves the score and its weight is
    shared by the others, so a unit is neither punished nor rewarded for having nothing to judge.
    None if none of the weighted rates has a cohort.
    """
    present = {
        code: (rate, w) for code, w in weights.items() if (rate := rates.get(code)) is not None
    }
    total_weight = sum(w for _, w in present.values())
    if not total_weight:
        return None
    return 100 * sum(rate * w for rate, w in present.values()) / total_weight


def all_rates(counts: Counts) -> dict[str, float | None]:
    return {r.code: r.of(counts) for r in RATES}


@overload
def rounded(value: float, places: int = 4) -> float: ...
@overload
def rounded(value: None, places: int = 4) -> None: ...
def rounded(value: float | None, places: int = 4) -> float | None:
    """Half-up rounding, as people do it on paper (Python's round() would round half to even)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Standing:
    unit_id: int
    score: float | None
    rank: int | None
    previous_rank: int | None

    @property
    def change(self) -> int | None:
        """Places gained since the previous period (positive: up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def rank(
    scores: Mapping[int, float | None], previous: Mapping[int, float | None] | None = None
) -> list[Standing]:
    """Competition ranking (1, 2, 2, 4) by score, highest first; units without a score last,
    unranked. Ties on the rounded score share a place, so rounding never decides a rank."""

    def places(s: Mapping[int, float | None]) -> dict[int, int]:
        scored = sorted(
            ((rounded(v, 2), u) for u, v in s.items() if v is not None), key=lambda t: -t[0]
        )
        result, place = {}, 0
        for i, (value, unit) in enumerate(scored):
            if i == 0 or value != scored[i - 1][0]:
                place = i + 1
            result[unit] = place
        return result

    now, before = places(scores), places(previous or {})
    ordered = sorted(scores, key=lambda u: (now.get(u, len(scores) + 1), u))
    return [Standing(u, scores[u], now.get(u), before.get(u)) for u in ordered]
