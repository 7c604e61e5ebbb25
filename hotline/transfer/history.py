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

from hotline.orders.projection import DEADLINE_FIELDS
from hotline.orders.workflow import Action, Status
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import WorkCalendar

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


def synthesise(
    r: Record, spans: dict | None, calendar: WorkCalendar
) -> tuple[dict, list[EventRow]]:
    """(order columns beyond the row's own, events) for a checked record. ``spans`` are the
    deadline spans of the order (None for an order without a unit)."""
    events: list[EventRow] = []
    columns: dict = dict.fromkeys(f"{d}_deadline" for d in DEADLINE_FIELDS) | {
        "due_at": None,
        "warn_at": None,
        "sweep_at": None,
        "close_reason": "",
        "resolved": r.resolved,
    }

    def add(action: Action, at: datetime, to: Status, note: str = "", **payload) -> None:
        before = events[-1].to_status if events else ""
        unit_id = (
            r.unit.id if r.unit and action != Action.REGISTER else None
        )  # the unit responsible after it
        events.append(
            EventRow(
                len(events) + 1, at, action, before, to, unit_id, note, payload | {"imported": True}
            )
        )

    add(Action.REGISTER, r.registered_at, Status.REGISTERED, channel=r.channel)
    if r.unit is None:
        if r.status == Status.CLOSED:
            columns["resolved"] = True if r.resolved is None else r.resolved
            add(Action.ANSWER_ON_THE_SPOT, r.closed_at, Status.CLOSED, r.answer)
        elif r.status == Status.CANCELLED:
            columns["close_reason"] = r.answer[:200] or CANCELLED
            add(Action.CANCEL, r.closed_at, Status.CANCELLED, columns["close_reason"])
        return columns | {"version": len(events)}, events

    deadlines = _dispatch_deadlines(r.dispatched_at, spans, calendar)
    columns.update({f"{name}_deadline": at for name, at in deadlines.items()})
    add(
        Action.DISPATCH,
        r.dispatched_at,
        Status.DISPATCHED,
        unit=r.unit.id,
        unit_name=r.unit.name,
        cohandlers=[],
        deadlines=_iso(deadlines),
    )
    if r.accepted_at:
        add(Action.ACCEPT, r.accepted_at, Status.ACCEPTED)
    if r.first_contact_at:
        add(Action.RECORD_CONTACT, r.first_contact_at, Status.ACCEPTED, first=True)
    if r.replied_at:
        add(
            Action.REPLY,
            r.replied_at,
            Status.REPLIED,
            r.answer,
            **({} if r.resolved is None else {"solved": r.resolved}),
        )
    if r.status in (Status.PENDING_VISIT, Status.CLOSED):
        visit = columns["visit_deadline"] = calendar.deadline(
            r.replied_at, spans[DeadlineKind.VISIT]
        )
        add(
            Action.APPROVE_REPLY,
            r.replied_at,
            Status.PENDING_VISIT,
            deadlines=_iso({"visit": visit}),
        )
    if r.status == Status.CLOSED and r.satisfaction:
        add(
            Action.VISIT,
            r.closed_at,
            Status.CLOSED,
            resolved=r.resolved,
            satisfaction=r.satisfaction,
        )
    elif r.status == Status.CLOSED:
        columns["close_reason"] = NO_VISIT
        add(Action.CLOSE, r.closed_at, Status.CLOSED, NO_VISIT)
    columns.update(_waiting_for(r, columns, spans, calendar))
    return columns | {"version": len(events)}, events


def _dispatch_deadlines(
    at: datetime, spans: dict, calendar: WorkCalendar
) -> dict[str, datetime | None]:
    finish = calendar.deadline(at, spans[DeadlineKind.FINISH])
    return {
        "accept": calendar.deadline(at, spans[DeadlineKind.ACCEPT]),
        "contact": calendar.deadline(at, spans[DeadlineKind.CONTACT]),
        "finish": finish,
        "original_finish": finish,
        "visit": None,
    }


def _iso(deadlines: dict) -> dict:
    return {name: at.isoformat() if at else None for name, at in deadlines.items()}


def _waiting_for(r: Record, columns: dict, spans: dict, calendar: WorkCalendar) -> dict:
    """``due_at``, ``warn_at`` and ``sweep_at`` of an open order, as the services leave them."""
    waits = {
        Status.DISPATCHED: ("accept", DeadlineKind.ACCEPT, r.dispatched_at),
        Status.ACCEPTED: ("finish", DeadlineKind.FINISH, r.dispatched_at),
        Status.PENDING_VISIT: ("visit", DeadlineKind.VISIT, r.replied_at),
    }.get(Status(r.status))
    if waits is None:
        return {}
    name, kind, start = waits
    due = columns[f"{name}_deadline"]
    warn = calendar.warning_point(start, due, spans[kind].on_working_time)
    # The worker urges dispatched and accepted orders once their deadline passes.
    return {
        "due_at": due,
        "warn_at": warn,
        "sweep_at": due if r.status != Status.PENDING_VISIT else None,
    }
