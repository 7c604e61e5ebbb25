"""The events an imported order would have had (pure: no database).

Rates come from the event log and triage learns from settled orders, so an imported order gets
the simplest chain of real actions that leads from its registration to its status, each at the
time its row gives, by the system, with ``{"imported": true}`` in the payload:

    登记 (registered_at) → 派单 to the unit (dispatched_at) → 签收 (accepted_at)
    → 先行联系 (first_contact_at, when given) → 回复 with the result (replied_at)
    → 回复审核通过 (also replied_at: legacy systems rarely date the review)
    → 回访 with resolved and satisfaction (closed_at), or 结案 when there was no visit.

An order closed without a unit was answered on the spot (直接答复 at closed_at); a cancelled one
gets 作废 at closed_at. Deadlines are those the SLA policies in force give for the order's type,
category and urgency, started at the dispatch (and, for the visit, at the review), exactly as
the services set them; so are what an open order waits for (``due_at``, ``warn_at``) and when
the worker looks at it next (``sweep_at``).
"""

from datetime import datetime
from typing import NamedTuple

from hotline.orders import deadlines as steps
from hotline.orders.projection import DEADLINE_FIELDS, Projection
from hotline.orders.workflow import Action, Status, next_states
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span, WorkCalendar

from .legacy import Record

# The order columns ``synthesise`` gives, beyond the row's own.
COLUMNS = (
    *(f"{d}_deadline" for d in DEADLINE_FIELDS),
    "due_at",
    "warn_at",
    "sweep_at",
    "close_reason",
    "resolved",
    "version",
)
NO_VISIT = "历史工单：原系统无回访记录"
CANCELLED = "历史工单：原系统已作废"
# The steps of the transition table, whoever took them: imported events are the system's.
_STEPS = {(action, source): target for (action, source, _role), target in next_states().items()}


class EventRow(NamedTuple):
    """An event's columns, in this order, but for its order and the actor (the system)."""

    seq: int
    at: datetime
    action: str
    from_status: str
    to_status: str
    unit_id: int | None
    note: str
    payload: dict


class _Chain:
    """The events of one imported order, each a step the transition table allows, folded as the
    projection folds the events of any order."""

    def __init__(self, r: Record):
        self.record, self.fold = r, Projection[datetime]()
        self.events: list[EventRow] = []

    def add(
        self,
        action: Action,
        at: datetime | None,
        note: str = "",
        deadlines: dict[str, datetime | None] | None = None,
        **payload: object,
    ) -> None:
        before = self.fold.status or ""
        to = _STEPS.get((action, before))
        if to is None:
            raise AssertionError(f"the table has no step {action} from {before or 'nothing'}")
        if deadlines is not None:
            payload["deadlines"] = _iso(deadlines)
        unit = self.record.unit
        unit_id = unit.id if unit and action != Action.REGISTER else None  # responsible after it
        seq = len(self.events) + 1
        self.fold.apply(seq, before, to, deadlines or {})
        self.events.append(
            EventRow(seq, _on(at), action, before, to, unit_id, note, payload | {"imported": True})
        )


def _on(at: datetime | None) -> datetime:
    """A moment the checks of ``legacy`` have required for the step that is dated by it."""
    if at is None:
        raise AssertionError("a checked record has a time for each of its steps")
    return at


def synthesise(
    r: Record, spans: dict[DeadlineKind, Span] | None, calendar: WorkCalendar
) -> tuple[dict, list[EventRow]]:
    """(order columns beyond the row's own, events) for a checked record. ``spans`` are the
    deadline spans of the order (None for an order without a unit)."""
    chain = _Chain(r)
    columns: dict = {"close_reason": "", "resolved": r.resolved}
    chain.add(Action.REGISTER, r.registered_at, channel=r.channel)
    if r.unit is None:
        if r.status == Status.CLOSED:
            columns["resolved"] = True if r.resolved is None else r.resolved
            chain.add(Action.ANSWER_ON_THE_SPOT, r.closed_at, r.answer)
        elif r.status == Status.CANCELLED:
            columns["close_reason"] = r.answer[:200] or CANCELLED
            chain.add(Action.CANCEL, r.closed_at, columns["close_reason"])
    else:
        assert spans is not None, "an order with a unit has deadline spans"
        columns["close_reason"] = _handled(chain, r, spans, calendar)
    fold = chain.fold
    columns |= {f"{name}_deadline": at for name, at in fold.deadlines.items()}
    columns |= _waiting_for(r, fold, spans, calendar)
    return columns | {"version": fold.version}, chain.events


def _handled(
    chain: _Chain, r: Record, spans: dict[DeadlineKind, Span], calendar: WorkCalendar
) -> str:
    """The events of an order a unit handled; the close reason, if it was closed unvisited."""
    unit, dispatched_at = r.unit, _on(r.dispatched_at)
    assert unit is not None, "only an order with a unit is handled"
    chain.add(
        Action.DISPATCH,
        dispatched_at,
        unit=unit.id,
        unit_name=unit.name,
        cohandlers=[],
        deadlines=steps.round_deadlines(dispatched_at, spans, calendar.deadline, reopened=False),
    )
    if r.accepted_at:
        chain.add(Action.ACCEPT, r.accepted_at)
    if r.first_contact_at:
        chain.add(Action.RECORD_CONTACT, r.first_contact_at, first=True)
    if r.replied_at:
        if r.resolved is None:
            chain.add(Action.REPLY, r.replied_at, r.answer)
        else:
            chain.add(Action.REPLY, r.replied_at, r.answer, solved=r.resolved)
    if r.status in (Status.PENDING_VISIT, Status.CLOSED):
        visit = steps.visit_deadlines(_on(r.replied_at), spans, calendar.deadline)
        chain.add(Action.APPROVE_REPLY, r.replied_at, deadlines=visit)
    if r.status == Status.CLOSED and r.satisfaction:
        chain.add(Action.VISIT, r.closed_at, resolved=r.resolved, satisfaction=r.satisfaction)
    elif r.status == Status.CLOSED:
        chain.add(Action.CLOSE, r.closed_at, NO_VISIT)
        return NO_VISIT
    return ""


def _iso(deadlines: dict[str, datetime | None]) -> dict[str, str | None]:
    return {name: at.isoformat() if at else None for name, at in deadlines.items()}


def _waiting_for(
    r: Record,
    fold: Projection[datetime],
    spans: dict[DeadlineKind, Span] | None,
    calendar: WorkCalendar,
) -> dict:
    """``due_at``, ``warn_at`` and ``sweep_at`` of an open order, as the services leave them."""
    status = fold.status or ""
    name = steps.waited_deadline(status)
    if name is None or spans is None:
        return {"due_at": None, "warn_at": None, "sweep_at": None}
    due = _on(fold.deadlines[name])
    span = steps.warning_span(status, spans, reopened=False)
    start = steps.warning_start(
        status, dispatched_at=_on(r.dispatched_at), waiting_since=r.replied_at or due
    )
    sweep = steps.next_sweep(
        status, due=due, urged=None, supervised=False, last_urged=None, escalate=lambda at: at
    )
    return {
        "due_at": due,
        "warn_at": calendar.warning_point(start, due, span.on_working_time),
        "sweep_at": sweep,
    }
