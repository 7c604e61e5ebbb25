"""Address → area resolution (pure).

Every district, street and community carries the names by which citizens refer to it (its own
name, roads, residential compounds, landmarks). An address resolves to the most specific unit
whose name appears in it; the longest name wins among units of the same level, so "桂花苑二期"
beats "桂花苑" when both are listed.
"""

from dataclasses import dataclass

LEVELS = ("community", "street", "district")


@dataclass(frozen=True)
class AreaEntry:
    unit_id: int
    kind: str  # one of LEVELS
    parent_id: int | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedArea:
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None

    def __bool__(self) -> bool:
        return self.district_id is not None


def _squeeze(text: str) -> str:
    return "".join(text.split())


class AreaIndex:
    def __init__(self, entries: list[AreaEntry]):
        self._by_id = {e.unit_id: e for e in entries}
        # Longest names first so the first hit at a level is the most precise one. Whitespace is
        # ignored in names as in addresses ("万达 广场" matches "万达广场").
        self._names = sorted(
            ((name, e) for e in entries for name in map(_squeeze, e.names) if name),
            key=lambda item: -len(item[0]),
        )

    def resolve(self, address: str) -> ResolvedArea:
        """Resolve ``address``; an empty ResolvedArea (falsy) means it is not in the city."""
        text = _squeeze(address)
        best: dict[str, AreaEntry] = {}
        for name, entry in self._names:
            if entry.kind not in best and name in text:
                best[entry.kind] = entry
        for level in LEVELS:
            if level in best:
                return self.expand(best[level].unit_id)
        return ResolvedArea()

    def expand(self, unit_id: int) -> ResolvedArea:
        """The district/street/community chain of one area unit."""
        chain: dict[str, int] = {}
        entry = self._by_id.get(unit_id)
        while entry is not None:
            chain[entry.kind] = entry.unit_id
            entry = self._by_id.get(entry.parent_id) if entry.parent_id else None
        return ResolvedArea(
            district_id=chain.get("district"),
            street_id=chain.get("street"),
            community_id=chain.get("community"),
        )
