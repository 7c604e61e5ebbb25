"""The deadlines of each step of an order's life (pure: no database, no clock).

The one place that says which deadlines an action sets, from which start and on which SLA span,
and which deadline an open order waits for in each state. The services, the import of legacy
orders and the bulk generator all call these functions; they differ only in how they count time
(``datetime`` through ``WorkCalendar``, or the generator's epoch seconds through its cached
calendar), so the functions are generic over the time type and take the arithmetic as arguments:

    ``deadline(start, span)``     when a deadline of ``span`` that starts at ``start`` falls due
    ``add_working_days(at, n)``   the close of the ``n``-th working day after ``at``

Each step returns the deadlines it sets as ``{name: time or None}``; the services record the
same mapping in the event's payload, so that replaying the events (``projection.project``)
gives the order's deadlines back.
"""

from collections.abc import Callable, Mapping
from typing import TypeVar

from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span

from .workflow import Action, Status

T = TypeVar("T")

DEADLINE_FIELDS = ("accept", "contact", "finish", "original_finish", "visit")

# The deadline a unit works against in each state, and the span its warning (黄牌) is measured on.
_WAITED: dict[str, str] = {
    Status.DISPATCHED: "accept",
    Status.ACCEPTED: "finish",
    Status.PENDING_VISIT: "visit",
}
# The actions that give the order to a unit with a fresh set of deadlines (``round_deadlines``):
# each starts a round of handling, which the rates count on its own.
ROUND_STARTS = frozenset({Action.DISPATCH, Action.REASSIGN, Action.REOPEN})
# The states in which the worker urges (催办) once the deadline passes.
URGED_STATES = frozenset({Status.DISPATCHED, Status.ACCEPTED})


def round_deadlines(
    start: T,
    spans: Mapping[DeadlineKind, Span],
    deadline: Callable[[T, Span], T],
    *,
    reopened: bool,
) -> dict[str, T | None]:
    """A unit gets the order (派单, 改派, 重办): accept, contact and finish run afresh from
    ``start``; a reopened order (重办) finishes on the reopen span; the original finish is the
    finish (an extension moves only the finish); no visit is due."""
    finish = deadline(start, spans[DeadlineKind.REOPEN_FINISH if reopened else DeadlineKind.FINISH])
    return {
        "accept": deadline(start, spans[DeadlineKind.ACCEPT]),
        "contact": deadline(start, spans[DeadlineKind.CONTACT]),
        "finish": finish,
        "original_finish": finish,
        "visit": None,
    }


def cleared_deadlines() -> dict[str, None]:
    """The order goes back to the centre (同意退单): no unit, no deadline."""
    return dict.fromkeys(DEADLINE_FIELDS)


def extended_deadlines(
    finish: T, days: int, add_working_days: Callable[[T, int], T]
) -> dict[str, T | None]:
    """An extension is granted (同意延期): the finish moves by ``days`` working days from the
    current finish; the original finish stays, and a stage reply is still due by it."""
    return {"finish": add_working_days(finish, days)}


def visit_deadlines(
    approved_at: T, spans: Mapping[DeadlineKind, Span], deadline: Callable[[T, Span], T]
) -> dict[str, T | None]:
    """The reply is approved (回复审核通过): the return visit is due on the visit span."""
    return {"visit": deadline(approved_at, spans[DeadlineKind.VISIT])}


def waited_deadline(status: str) -> str | None:
    """The name of the deadline an order in ``status`` waits for (None: it waits for none)."""
    return _WAITED.get(status)


def warning_start(status: str, *, dispatched_at: T, waiting_since: T) -> T:
    """Where the warning of the deadline an order in ``status`` waits for is measured from: the
    dispatch for a unit's deadlines, the approval of the reply for the visit."""
    return waiting_since if Status(status) == Status.PENDING_VISIT else dispatched_at


def warning_span(status: str, spans: Mapping[DeadlineKind, Span], *, reopened: bool) -> Span:
    """The span of the deadline an order in ``status`` waits for: its warning point is measured
    in working time when that span is."""
    name = _WAITED[Status(status)]
    if name == "accept":
        return spans[DeadlineKind.ACCEPT]
    if name == "visit":
        return spans[DeadlineKind.VISIT]
    return spans[DeadlineKind.REOPEN_FINISH if reopened else DeadlineKind.FINISH]


def next_sweep(
    status: str,
    *,
    due: T | None,
    urged: T | None,
    supervised: bool,
    last_urged: T | None,
    escalate: Callable[[T], T],
) -> T | None:
    """When the worker should look at the order next: at its deadline, to urge it (催办) once
    per missed deadline; then, if it is still not supervised, ``escalate(last_urged)`` later, to
    put it under supervision (督办); never for an order in a state that is not urged."""
    if status not in URGED_STATES or due is None:
        return None
    if urged != due:
        return due
    if not supervised and last_urged is not None:
        return escalate(last_urged)
    return None
