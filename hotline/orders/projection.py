"""Replaying an order's events (pure): what its status and deadlines must be.

The order row is a cache of this fold: the tests compare the two for the orders the services, the
import and the bulk generator write. The import and the generator fold the events they make with
the same ``Projection.apply``, one at a time.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from .deadlines import DEADLINE_FIELDS

__all__ = ["DEADLINE_FIELDS", "Projection", "project"]

T = TypeVar("T")


@dataclass
class Projection(Generic[T]):
    status: str | None = None
    version: int = 0
    deadlines: dict[str, T | None] = field(default_factory=lambda: dict.fromkeys(DEADLINE_FIELDS))

    def apply(
        self, seq: int, from_status: str | None, to_status: str, deadlines: Mapping[str, T | None]
    ) -> None:
        """Fold one more event: it must follow the last one and start from the current state."""
        if seq != self.version + 1:
            raise ValueError(f"event sequence has a gap before #{seq}")
        if (from_status or None) != self.status:
            raise ValueError(f"event #{seq} starts from {from_status}, order was {self.status}")
        self.status, self.version = to_status, seq
        self.deadlines.update(deadlines)


def project(events: Iterable[Any]) -> Projection[datetime]:
    """Fold events (objects with seq, from_status, to_status, payload) in sequence order."""
    result: Projection[datetime] = Projection()
    for event in sorted(events, key=lambda e: e.seq):
        recorded = (event.payload or {}).get("deadlines", {})
        deadlines = {k: datetime.fromisoformat(v) if v else None for k, v in recorded.items()}
        result.apply(event.seq, event.from_status, event.to_status, deadlines)
    return result
