"""What each order adds to the counters behind the rates (pure: no database).

An order's events are folded into *contributions*: counters dated by the day that puts them in a
rate's cohort and attributed to the unit responsible then (``docs/rates.md``). Summing the
contributions of every order over any period, unit, category, area or channel gives the
numerators and denominators of every rate; ``rates.py`` divides them.

A *round* is one unit's turn at handling the order: it starts at dispatch, reassignment or
reopening (重办: "reopened orders count again in the period of the second handling"), and its
deadlines are the ones recorded in the events' payloads. A round taken away by the centre
(reassigned, return approved, merged) leaves the unit's finish cohort: the centre's decision is
not the unit's lateness. Merged orders count once, through their master: only their
registration and the merge itself are counted. Cancelled orders count only in volume.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hotline.orders.deadlines import ROUND_STARTS
from hotline.orders.workflow import Action, Status
from hotline.sla.worktime import SHANGHAI

# Every counter, in the order of the rollup table's columns. Each is documented where it is set.
COUNTERS = (
    "registered",
    "cancelled",
    "merged",
    "answered",
    "closed",
    "dispatched",
    "accepted_on_time",
    "returned",
    "contact_required",
    "contacted_on_time",
    "accepted",
    "extended",
    "due",
    "finished_on_time",
    "replied_on_time",
    "visited",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reopened",
)

# A round taken away by the centre's decision leaves the unit's finish cohort.
ENDS_ROUND_FOR_CENTRE = frozenset({Action.REASSIGN, Action.APPROVE_RETURN, Action.MERGE})


@dataclass(frozen=True)
class OrderFacts:
    """What the fold needs of the order row besides its events."""

    id: int
    category_id: int | None
    street_id: int | None
    channel: str
    reachable: bool  # the caller left a phone: first contact (先行联系) is required


@dataclass(frozen=True)
class EventFacts:
    seq: int
    at: datetime
    action: str
    to_status: str
    unit_id: int | None
    payload: dict[str, Any]


@dataclass
class _Round:
    unit_id: int | None
    started: datetime
    accept_deadline: datetime | None = None
    contact_deadline: datetime | None = None
    finish_deadline: datetime | None = None
    original_finish_deadline: datetime | None = None
    accepted_at: datetime | None = None
    contacted_at: datetime | None = None
    first_reply_at: datetime | None = None
    final_reply_at: datetime | None = None
    returns: int = 0
    extended: bool = False
    taken_away: bool = False


CellKey = tuple[date, int]  # (day, unit id; 0 for none)


@dataclass
class Contributions:
    """An order's counters by (day, unit), with the order's fixed dimensions."""

    order_id: int
    category_id: int
    street_id: int
    channel: str
    cells: dict[CellKey, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, at: datetime, unit_id: int | None, **counts: int) -> None:
        cell = self.cells[(local_day(at), unit_id or 0)]
        for name, n in counts.items():
            if n:
                cell[name] = cell.get(name, 0) + n

    def rows(self) -> list[tuple[date, int, dict[str, int]]]:
        return [(day, unit, counts) for (day, unit), counts in sorted(self.cells.items()) if counts]


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _by(moment: datetime | None, deadline: datetime | None) -> int:
    return int(moment is not None and deadline is not None and moment <= deadline)


def fold(order: OrderFacts, events: Sequence[EventFacts]) -> Contributions:
    """Fold one order's events (in sequence) into its contributions."""
    result = Contributions(order.id, order.category_id or 0, order.street_id or 0, order.channel)
    events = sorted(events, key=lambda e: e.seq)
    if not events:
        return result
    merged = any(e.action == Action.MERGE for e in events)
    last_unit = events[-1].unit_id
    # Volume and repeat requests (重复诉求率) are dated by registration and attributed to the unit
    # that has the order now (none for orders never dispatched).
    registered_at = events[0].at
    result.add(
        registered_at,
        last_unit,
        registered=1,
        merged=int(merged),
        cancelled=int(events[-1].to_status == Status.CANCELLED),
    )
    if merged:
        return result

    rounds: list[_Round] = []
    current: _Round | None = None
    closed_at: datetime | None = None
    for e in events:
        if e.action in ENDS_ROUND_FOR_CENTRE and current:
            current.taken_away = True
            current = None
        if e.action in ROUND_STARTS:
            current = _Round(unit_id=e.unit_id, started=e.at)
            rounds.append(current)
        if current is not None:
            _apply(current, e)
        if e.action == Action.ANSWER_ON_THE_SPOT:
            result.add(e.at, e.unit_id, answered=1)
        elif e.action == Action.VISIT:
            grade = e.payload.get("satisfaction", "")
            result.add(
                e.at,
                e.unit_id,
                visited=1,
                resolved=int(bool(e.payload.get("resolved"))),
                satisfied=int(grade == "satisfied"),
                basically_satisfied=int(grade == "basically"),
                unsatisfied=int(grade == "unsatisfied"),
            )
        elif e.action == Action.REOPEN:
            result.add(e.at, e.unit_id, reopened=1)
        closed_at = e.at if e.to_status == Status.CLOSED else None
    if closed_at is not None:
        result.add(closed_at, last_unit, closed=1)

    for r in rounds:
        _count_round(result, r, order.reachable)
    return result


def _apply(r: _Round, e: EventFacts) -> None:
    for name, value in (e.payload or {}).get("deadlines", {}).items():
        if hasattr(r, f"{name}_deadline"):
            setattr(r, f"{name}_deadline", _moment(value))
    match e.action:
        case Action.ACCEPT:
            r.accepted_at = r.accepted_at or e.at
        case Action.RECORD_CONTACT:
            r.contacted_at = r.contacted_at or e.at
        case Action.REQUEST_RETURN:
            r.returns += 1
        case Action.APPROVE_EXTENSION:
            r.extended = True
        case Action.STAGE_REPLY:
            r.first_reply_at = r.first_reply_at or e.at
        case Action.REPLY:
            r.first_reply_at = r.first_reply_at or e.at
            r.final_reply_at = e.at
        case Action.REJECT_REPLY:
            r.final_reply_at = None  # sent back: the unit has not replied until it replies again


def _count_round(result: Contributions, r: _Round, reachable: bool) -> None:
    # 及时签收率, 退单率 and 先行联系率 are cohorts of the dispatch: dated by the round's start.
    result.add(
        r.started,
        r.unit_id,
        dispatched=1,
        returned=r.returns,
        accepted_on_time=_by(r.accepted_at, r.accept_deadline),
        contact_required=int(reachable),
        contacted_on_time=int(reachable) * _by(r.contacted_at, r.contact_deadline),
    )
    # 延期率: orders accepted in the period.
    if r.accepted_at:
        result.add(r.accepted_at, r.unit_id, accepted=1, extended=int(r.extended))
    # 按时办结率, 及时回复率, 超期率: a round falls due on its final reply or, if it has none by
    # then, on its deadline in force, whichever comes first; so each round is counted exactly
    # once, in the period it was decided.
    if r.taken_away or r.finish_deadline is None:
        return
    decided = min(r.final_reply_at, r.finish_deadline) if r.final_reply_at else r.finish_deadline
    result.add(
        decided,
        r.unit_id,
        due=1,
        finished_on_time=_by(r.final_reply_at, r.finish_deadline),
        replied_on_time=_by(r.first_reply_at, r.original_finish_deadline),
    )


def total(contributions: Iterable[Contributions]) -> dict[str, int]:
    """All counters summed (tests, checks)."""
    sums = dict.fromkeys(COUNTERS, 0)
    for c in contributions:
        for _, _, counts in c.rows():
            for name, n in counts.items():
                sums[name] += n
    return sums
