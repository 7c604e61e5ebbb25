"""The lockout rule, pure: how one more failed login changes a count, and whether it locks.

A count starts at its first failure. The ``limit``-th failure within ``window`` of that start
locks the key for ``lockout`` from that failure. Once the window has passed without a lock, or a
lock has ended, the next failure starts a new count. While locked, attempts are refused without
being counted (so the lock is not pushed further by each refused try).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    limit: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Count:
    failures: int
    window_start: datetime
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def expires_at(self, policy: Policy) -> datetime:
        """When the count stops mattering: its window is over and so is its lock."""
        return max(self.window_start + policy.window, self.locked_until or self.window_start)


def after_failure(count: Count | None, now: datetime, policy: Policy) -> Count:
    """The count once one more failure at ``now`` is added (callers refuse locked keys first)."""
    if (
        count is None
        or now >= count.window_start + policy.window
        or (count.locked_until is not None and now >= count.locked_until)
    ):
        count = Count(0, now)
    failures = count.failures + 1
    locked_until = now + policy.lockout if failures >= policy.limit else None
    return Count(failures, count.window_start, locked_until)
