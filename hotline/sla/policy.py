"""Choosing deadlines from SLA policies (pure).

Each policy names the orders it covers by type, category and urgency (blank = any) and may set
any of the deadline spans. For each deadline, the most specific covering policy that sets it
wins. Specificity is ordered urgency first, then type, then category: an 特急 gas leak runs on
the 特急 clock whatever its category, and a 咨询 is due in one working day even in a category
whose complaints take fifteen.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .worktime import Span


class DeadlineKind(StrEnum):
    ACCEPT = "accept"  # 签收
    CONTACT = "contact"  # 先行联系
    FINISH = "finish"  # 办结
    REOPEN_FINISH = "reopen_finish"  # 重办后办结
    VISIT = "visit"  # 回访


@dataclass(frozen=True)
class PolicySpec:
    order_type: str = ""
    category: str = ""
    urgency: str = ""
    spans: dict[DeadlineKind, Span] = field(default_factory=dict)
    name: str = ""

    def covers(self, order_type: str, category: str, urgency: str) -> bool:
        return (
            self.order_type in ("", order_type)
            and self.category in ("", category)
            and self.urgency in ("", urgency)
        )

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        return (bool(self.urgency), bool(self.order_type), bool(self.category))


class NoPolicy(LookupError):
    pass


def resolve_spans(
    policies: Iterable[PolicySpec], *, order_type: str, category: str, urgency: str
) -> dict[DeadlineKind, tuple[Span, PolicySpec]]:
    """For every deadline kind, the span of the most specific policy that covers the order."""
    covering = sorted(
        (p for p in policies if p.covers(order_type, category, urgency)),
        key=lambda p: p.specificity,
        reverse=True,
    )
    chosen: dict[DeadlineKind, tuple[Span, PolicySpec]] = {}
    for kind in DeadlineKind:
        for policy in covering:
            if kind in policy.spans:
                chosen[kind] = (policy.spans[kind], policy)
                break
        else:
            raise NoPolicy(
                f"no SLA policy sets the {kind} deadline for {order_type}/{category}/{urgency}"
            )
    return chosen
