"""Proof that the calls stopped (pure): the watch after a problem is solved, the weekly
counts of matching orders before and after, and a campaign's progress against its target.

A resolved problem is watched for ``weeks``. It is struck off (销号) only when the matching
orders registered during the watch stayed at or under ``threshold``; one more than that and it
has come back (回潮), watch or not. After it is struck off, any matching order means it came back.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class WatchRule:
    weeks: int = 4
    threshold: int = 0  # matching orders allowed during the watch

    def __post_init__(self) -> None:
        if self.weeks < 1 or self.threshold < 0:
            raise ValueError("a watch lasts at least a week and allows no negative count")

    def ends(self, resolved_at: datetime) -> datetime:
        return resolved_at + timedelta(weeks=self.weeks)


class Verdict(StrEnum):
    WATCHING = "watching"
    VERIFIED = "verified"
    RECURRED = "recurred"


def verdict(
    rule: WatchRule, resolved_at: datetime, now: datetime, matching: Iterable[datetime]
) -> Verdict:
    """What the watch says at ``now`` of a problem resolved at ``resolved_at``, given when the
    matching orders were registered."""
    end = rule.ends(resolved_at)
    during = sum(1 for at in matching if resolved_at <= at < min(now, end))
    if during > rule.threshold:
        return Verdict.RECURRED
    return Verdict.WATCHING if now < end else Verdict.VERIFIED


def weekly_counts(
    moments: Iterable[datetime], pivot: datetime, weeks_before: int, weeks_after: int
) -> tuple[list[int], list[int]]:
    """Matching orders per week before ``pivot`` (oldest first) and from it on, for the chart
    of a problem (``pivot``: when it was resolved, or now while it is still being worked)."""
    before, after = [0] * weeks_before, [0] * weeks_after
    week = timedelta(weeks=1)
    for at in moments:
        if at < pivot:
            back = (pivot - at) // week
            if back < weeks_before:
                before[weeks_before - 1 - back] += 1
        else:
            ahead = (at - pivot) // week
            if ahead < weeks_after:
                after[ahead] += 1
    return before, after


@dataclass(frozen=True)
class CampaignProgress:
    """专项整治: the orders of a campaign's weeks so far against its baseline's: the same weeks
    a year before (or, without a year of history, as many weeks just before it)."""

    this_year: int
    last_year: int  # the baseline's orders
    target_drop: int  # percent
    baseline: str = "去年同期"

    @property
    def drop(self) -> float | None:
        """How far the orders fell, in percent (negative: they rose); None without a base."""
        if not self.last_year:
            return None
        return 100 * (self.last_year - self.this_year) / self.last_year

    @property
    def on_target(self) -> bool | None:
        drop = self.drop
        return None if drop is None else drop >= self.target_drop
