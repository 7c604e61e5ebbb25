"""Per-process caches of reference data: units, categories, the dispatch catalogue, deadline
policies and the working calendar.

They are read on every action and change rarely. Each entry is dropped when its models change in
this process (signals) and rebuilt at least every minute, so edits made by another process (the
admin on another app server) show up within a minute.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
TTL_SECONDS = 60
_entries: dict[str, tuple[float, object]] = {}


def cached(key: str, build: Callable[[], T]) -> T:
    hit = _entries.get(key)
    if hit is None or time.monotonic() - hit[0] > TTL_SECONDS:
        hit = (time.monotonic(), build())
        _entries[key] = hit
    return hit[1]  # type: ignore[return-value]


def forget(*prefixes: str) -> None:
    """Drop the entries whose keys start with any of ``prefixes`` (all entries when none given)."""
    for key in list(_entries):
        if not prefixes or key.startswith(prefixes):
            _entries.pop(key, None)
