"""Replaying an order's events (pure): what its status and deadlines must be.

The order row is a cache of this fold; tests and ``hotline check-orders`` compare the two.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

DEADLINE_FIELDS = ("accept", "contact", "finish", "original_finish", "visit")


@dataclass
class Projection:
    status: str | None = None
    version: int = 0
    deadlines: dict[str, datetime | None] = field(
        default_factory=lambda: dict.fromkeys(DEADLINE_FIELDS)
    )


def project(events: Iterable) -> Projection:
    """Fold events (objects with seq, from_status, to_status, payload) in sequence order."""
    result = Projection()
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq != result.version + 1:
            raise ValueError(f"event sequence has a gap before #{event.seq}")
        if (event.from_status or None) != result.status:
            raise ValueError(
                f"event #{event.seq} starts from {event.from_status}, order was {result.status}"
            )
        result.status = event.to_status
        result.version = event.seq
        for name, value in (event.payload or {}).get("deadlines", {}).items():
            result.deadlines[name] = datetime.fromisoformat(value) if value else None
    return result
