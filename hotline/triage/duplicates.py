"""How alike two requests are (pure): the score behind duplicate suggestions (并单).

Two requests are probably the same problem when they are at the same place, say the same thing
and came close in time. Text likeness is the overlap of character bigrams (Dice), which needs no
model, works on any two texts and ignores word order and filler.
"""

from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple

from .classifier import normalise

_PUNCTUATION = set("，。！？、；：,.!?;:（）()【】[]“”\"'《》<> 　")


def bigrams(text: str) -> frozenset[str]:
    chars = [c for c in normalise(text) if c not in _PUNCTUATION]
    return frozenset(a + b for a, b in zip(chars, chars[1:], strict=False))


@lru_cache(maxsize=8192)
def request_bigrams(text: str, address: str = "") -> frozenset[str]:
    """The bigrams of a request's words without its address (the place is scored on its own).
    Kept for the most recent requests: every registration at a place compares itself with the
    same few hundred recent orders there (about 4 KB each)."""
    return bigrams(text.replace(address, "") if address else text)


def text_likeness(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two bigram sets: 1 for the same words, 0 for nothing in common."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


class Place(NamedTuple):
    community_id: int | None = None
    street_id: int | None = None
    address: str = ""
    phone: str = ""


def place_likeness(a: Place, b: Place) -> float:
    """1 for the same address or caller, 0.8 for the same community, 0.4 for the same street."""
    if (a.address and a.address == b.address) or (a.phone and a.phone == b.phone):
        return 1.0
    if a.community_id and a.community_id == b.community_id:
        return 0.8
    if a.street_id and a.street_id == b.street_id:
        return 0.4
    return 0.0


def duplicate_score(text: float, place: float, age: timedelta, window: timedelta) -> float:
    """Weighted evidence that two requests are one problem, in [0, 1]. Text counts most: two
    different problems in one compound are common; the same words about it are not."""
    recency = max(0.0, 1 - age / window) if window else 0.0
    return round(0.6 * text + 0.28 * place + 0.12 * recency, 4)
