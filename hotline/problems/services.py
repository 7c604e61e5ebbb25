"""Every action on a problem: one function each, one transaction each.

As for orders, each service checks its input, locks the problem's row, refuses a stale copy
(``Conflict``), asks the transition table whether this actor may take this action now and on
this problem (``workflow.TRANSITIONS`` and its reach), changes it and appends one event, or
raises a ``DomainError`` and changes nothing. ``actor`` None is the system (the worker's watch).

Linking an order to a problem changes nothing on the order: its lifecycle, deadlines, reply and
rates stay its own. Refusals are said in the active language; what is recorded stays in Chinese,
the language of the record.
"""

import copy
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.catalog.models import Category
from hotline.core import clock
from hotline.core.errors import (
    ActionRefused,
    Conflict,
    InvalidInput,
    PermissionDenied,
    TransitionNotAllowed,
)
from hotline.core.lifecycle import Refusal
from hotline.notifications import services as notifications
from hotline.notifications.models import Message
from hotline.orders.models import WorkOrder
from hotline.orders.selectors import can_see
from hotline.orders.validation import clean_text
from hotline.org.models import Unit, User
from hotline.org.permissions import at_centre
from hotline.org.roles import Role
from hotline.org.selectors import subtree_ids
from hotline.sla import selectors as sla

from . import selectors, workflow
from .models import (
    Batch,
    CallIn,
    LinkedOrder,
    Measure,
    Meeting,
    Problem,
    ProblemEvent,
    Source,
)
from .watch import Verdict, WatchRule, verdict
from .workflow import REPORT_IN_WITHIN, Action, Reach, Status

Change = Callable[[Problem, datetime], dict[str, Any] | None]


def _role(actor: User | None) -> Role:
    return Role(actor.role) if actor is not None else Role.SYSTEM


def _subject(problem: Problem) -> str:
    return _("难题 #%(id)s") % {"id": problem.pk}


def _refuse(
    error: type[ActionRefused], problem: Problem, action: Action, reason: str
) -> ActionRefused:
    return error(
        order=str(problem.pk),
        action=str(action.label),
        status=str(Status(problem.status).label),
        reason=reason,
        subject=_subject(problem),
    )


def _check_reach(actor: User | None, problem: Problem, reach: Reach) -> str | None:
    if actor is None or at_centre(actor) or actor.pk == problem.leader_id:
        return None
    if actor.unit_id is None:
        return _("没有所属单位的人员不能执行")
    if reach == Reach.CALLED:
        called = problem.call_ins.values_list("unit_id", flat=True)
        return None if actor.unit_id in called else _("只有被吹哨的单位可以执行")
    lead = problem.lead_unit
    if lead is not None and actor.unit_id in subtree_ids(lead):
        return None
    return _("只有牵头单位、包案领导和热线中心可以执行")


def _act(
    problem: Problem,
    actor: User | None,
    action: Action,
    *,
    guard: Callable[[Problem], str | None] | None = None,
    change: Change | None = None,
    note: str = "",
) -> Problem:
    """Lock, check, change, record: ``guard`` returns a refusal reason (after the table said
    yes); ``change`` mutates the problem and returns the event's payload."""
    rule = workflow.TRANSITIONS[action]
    with transaction.atomic():
        stored = (
            Problem.objects.select_for_update()
            .filter(pk=problem.pk)
            .values_list("version", flat=True)
            .first()
        )
        if stored != problem.version:
            reason = _(
                "难题已被他人更新（现为第 %(stored)s 版，您看到的是第 %(seen)s 版），请刷新后重试"
            )
            seen = problem.version
            raise _refuse(Conflict, problem, action, reason % {"stored": stored, "seen": seen})
        work = copy.copy(problem)
        before = Status(work.status)
        if refused := workflow.refusal(action, before, _role(actor)):
            kind, reason = refused
            error = TransitionNotAllowed if kind == Refusal.STATE else PermissionDenied
            raise _refuse(error, work, action, reason)
        if out_of_reach := _check_reach(actor, work, rule.reach):
            raise _refuse(PermissionDenied, work, action, out_of_reach)
        if guard and (guarded := guard(work)):
            raise _refuse(TransitionNotAllowed, work, action, guarded)
        now = clock.now()
        payload = (change(work, now) if change else None) or {}
        work.status = rule.target_from(before)
        work.version += 1
        work.save()
        _append_event(work, actor, action, before, now, note, payload)
    return work


def _append_event(
    problem: Problem,
    actor: User | None,
    action: Action,
    before: str,
    now: datetime,
    note: str,
    payload: dict[str, Any],
) -> None:
    ProblemEvent.objects.create(
        problem=problem,
        seq=problem.version,
        at=now,
        action=action,
        from_status=before,
        to_status=problem.status,
        actor=actor,
        actor_role=_role(actor),
        note=note,
        payload=payload,
    )


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    """What people type, cleaned as orders' texts are (no control characters: PostgreSQL
    cannot store a NUL)."""
    return clean_text(value, field, required=required, max_length=limit)


# --- the lifecycle -----------------------------------------------------------------------------


def propose_problem(
    *,
    actor: User | None,
    title: str,
    source: str,
    description: str = "",
    source_ref: str = "",
    area: Unit | None = None,
    address: str = "",
    categories: Iterable[Category] = (),
    orders: Iterable[WorkOrder] = (),
) -> Problem:
    """A problem is proposed from a finding, a set of orders, repeated complaints or by hand.
    The orders must be ones the proposer can see; a unit's lead proposes for its own unit."""
    errors: dict[str, str] = {}
    if source not in Source.values:
        errors["source"] = _("来源须为：%(values)s") % {"values": "、".join(Source.values)}
    orders = list(orders)
    if source == Source.FINDING and not source_ref.strip():
        errors["source_ref"] = _("来源为分析发现时须注明是哪一项发现")
    if source == Source.ORDERS and not orders:
        errors["orders"] = _("来源为一组工单时须关联工单")
    if hidden := [o.number for o in orders if not can_see(actor, o)]:
        errors["orders"] = _("看不到这些工单：%(numbers)s") % {"numbers": "、".join(hidden)}
    title = _text(title, "title", limit=100)
    if errors:
        raise InvalidInput(errors)
    if refused := workflow.refusal(Action.PROPOSE, None, _role(actor)):
        raise PermissionDenied(
            order="—", action=str(Action.PROPOSE.label), status="—", reason=refused[1],
            subject=_("新难题"),
        )  # fmt: skip
    now = clock.now()
    own_unit = actor.unit if actor is not None and not at_centre(actor) else None
    with transaction.atomic():
        problem = Problem.objects.create(
            title=title,
            description=_text(description, "description", limit=5000, required=False),
            status=Status.PROPOSED,
            version=1,
            source=source,
            source_ref=_text(source_ref, "source_ref", limit=200, required=False),
            area=area,
            address=_text(address, "address", limit=200, required=False),
            lead_unit=own_unit,
            proposed_at=now,
        )
        problem.categories.set(categories)
        for order in orders:
            LinkedOrder.objects.create(
                problem=problem, order=order, reason="提出难题时关联", linked_at=now
            )
        _append_event(
            problem, actor, Action.PROPOSE, "", now, "",
            {"source": source, "orders": [o.number for o in orders]},
        )  # fmt: skip
    return problem


def accept_problem(
    *,
    problem: Problem,
    actor: User,
    leader: User,
    lead_unit: Unit,
    deadline: datetime,
    responsible: User | None = None,
    batch: Batch | None = None,
    watch: WatchRule | None = None,
) -> Problem:
    """立项: a named leader (a supervisor) owns it, a lead unit works it, by a deadline in the
    future; the responsible person (责任人), if named, is staff of the lead unit."""
    errors: dict[str, str] = {}
    if leader.role != Role.SUPERVISOR or not leader.is_active:
        errors["leader"] = _("包案领导须为在岗的督办员")
    if not lead_unit.active or lead_unit.kind == Unit.Kind.CENTRE:
        errors["lead_unit"] = _("牵头单位须为在用的承办单位")
    if deadline <= clock.now():
        errors["deadline"] = _("办结时限须晚于现在")
    if responsible is not None and responsible.unit_id != lead_unit.pk:
        errors["responsible"] = _("责任人须为牵头单位的人员")
    if errors:
        raise InvalidInput(errors)
    rule = watch or WatchRule()

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        p.leader, p.lead_unit, p.deadline, p.responsible, p.batch = (
            leader, lead_unit, deadline, responsible, batch,
        )  # fmt: skip
        p.watch_weeks, p.watch_threshold = rule.weeks, rule.threshold
        return {
            "leader": leader.username,
            "lead_unit": lead_unit.pk,
            "deadline": deadline.isoformat(),
            "batch": batch.name if batch else None,
        }

    return _act(problem, actor, Action.ACCEPT, change=change)


def reject_problem(*, problem: Problem, actor: User, reason: str) -> Problem:
    """Not taken on (不予立项), with the reason."""
    return _act(problem, actor, Action.REJECT, note=_text(reason, "reason", limit=500))


def start_problem(*, problem: Problem, actor: User, note: str = "") -> Problem:
    """The lead unit starts work on an accepted (or recurred) problem."""
    return _act(problem, actor, Action.START, note=_text(note, "note", limit=500, required=False))


def resolve_problem(*, problem: Problem, actor: User, note: str) -> Problem:
    """The leader declares it solved: the watch begins (观察期). Every measure must be done."""
    note = _text(note, "note", limit=2000)

    def guard(p: Problem) -> str | None:
        if p.measures.filter(state=Measure.State.OPEN).exists():
            return _("还有未完成的措施")
        return None

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        p.resolved_at, p.recurred_at = now, None
        return {"watch_weeks": p.watch_weeks, "watch_threshold": p.watch_threshold}

    return _act(problem, actor, Action.RESOLVE, guard=guard, change=change, note=note)


def verify_problem(*, problem: Problem, actor: User | None) -> Problem:
    """销号: only after the watch ended with the matching orders registered during it at or
    under the threshold."""

    def guard(p: Problem) -> str | None:
        assert p.resolved_at is not None  # a resolved problem has its moment
        rule = selectors.watch_rule(p)
        matching = selectors.registered_since(p, p.resolved_at)
        said = verdict(rule, p.resolved_at, clock.now(), matching)
        if said == Verdict.WATCHING:
            end = f"{timezone.localtime(rule.ends(p.resolved_at)):%Y-%m-%d %H:%M}"
            return _("观察期到 %(end)s 才结束") % {"end": end}
        if said == Verdict.RECURRED:
            return _("观察期内的同类工单超过 %(n)s 件，问题已回潮") % {"n": rule.threshold}
        return None

    def change(p: Problem, at: datetime) -> None:
        p.verified_at = at

    return _act(problem, actor, Action.VERIFY, guard=guard, change=change)


def recur_problem(*, problem: Problem, actor: User | None, order: WorkOrder | None) -> Problem:
    """回潮: a matching order came during the watch or after the problem was struck off; it is
    linked, and the problem goes back to its leader, who is told."""

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        p.recurred_at = now
        if order is not None and not p.links.filter(order=order, unlinked_at=None).exists():
            _link(p, order, "回潮工单", now)  # recorded: in the language of the record
        if (leader := p.leader) is not None:
            notifications.enqueue_about_problem(
                p, Message.Kind.RECURRED, phone=leader.phone, email=leader.email,
                context={"order": order},
            )  # fmt: skip
        return {"order": order.number if order is not None else None}

    return _act(problem, actor, Action.RECUR, change=change)


# --- orders ------------------------------------------------------------------------------------


def _link(problem: Problem, order: WorkOrder, reason: str, now: datetime) -> None:
    if problem.links.filter(order=order, unlinked_at__isnull=True).exists():
        raise InvalidInput({"order": _("工单 %(n)s 已关联本难题") % {"n": order.number}})
    LinkedOrder.objects.create(problem=problem, order=order, reason=reason, linked_at=now)


def link_order(*, problem: Problem, actor: User | None, order: WorkOrder, reason: str) -> Problem:
    """An order is linked, with why; only one the actor can see. The order is not changed."""
    reason = _text(reason, "reason", limit=200)
    if not can_see(actor, order):
        raise InvalidInput({"order": _("看不到工单 %(n)s") % {"n": order.number}})

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        _link(p, order, reason, now)
        return {"order": order.number}

    return _act(problem, actor, Action.LINK_ORDER, change=change, note=reason)


def unlink_order(*, problem: Problem, actor: User, order: WorkOrder, reason: str) -> Problem:
    """A linked order is detached, with why; the link stays on record."""
    reason = _text(reason, "reason", limit=200)

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        live = p.links.filter(order=order, unlinked_at__isnull=True)
        if not live.update(unlinked_at=now, unlink_reason=reason):
            raise InvalidInput({"order": _("工单 %(n)s 未关联本难题") % {"n": order.number}})
        return {"order": order.number}

    return _act(problem, actor, Action.UNLINK_ORDER, change=change, note=reason)


# --- the plan (一案一策) --------------------------------------------------------------------------


def add_measure(
    *,
    problem: Problem,
    actor: User,
    text: str,
    unit: Unit | None,
    due: date,
    meeting: Meeting | None = None,
) -> Measure:
    """A measure of the plan: what, which unit answers for it, by when (not in the past);
    perhaps a decision of one of the problem's meetings."""
    errors: dict[str, str] = {}
    if unit is None or not unit.active:
        errors["unit"] = _("措施须有在用的责任单位")
    if due < timezone.localdate(clock.now()):
        errors["due"] = _("完成期限不能早于今天")
    if meeting is not None and meeting.problem_id != problem.pk:
        errors["meeting"] = _("该会议不属于本难题")
    text = _text(text, "text", limit=300)
    if errors or unit is None:
        raise InvalidInput(errors)
    made: list[Measure] = []

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        made.append(
            Measure.objects.create(problem=p, text=text, unit=unit, due=due, meeting=meeting)
        )
        return {
            "measure": made[0].pk, "unit": unit.pk, "due": due.isoformat(),
            "meeting": meeting.pk if meeting is not None else None,
        }  # fmt: skip

    _act(problem, actor, Action.ADD_MEASURE, change=change, note=text)
    return made[0]


def finish_measure(*, problem: Problem, actor: User, measure: Measure, evidence: str) -> Problem:
    """A measure is done, with its evidence (what was done, where the photos are)."""
    evidence = _text(evidence, "evidence", limit=2000)
    if measure.problem_id != problem.pk or measure.state == Measure.State.DONE:
        raise InvalidInput({"measure": _("该措施不属于本难题或已完成")})

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        Measure.objects.filter(pk=measure.pk).update(
            state=Measure.State.DONE, evidence=evidence, done_at=now
        )
        return {"measure": measure.pk}

    return _act(problem, actor, Action.FINISH_MEASURE, change=change, note=evidence)


def note_progress(*, problem: Problem, actor: User, text: str) -> Problem:
    """A progress note on the timeline."""
    return _act(problem, actor, Action.NOTE_PROGRESS, note=_text(text, "text", limit=2000))


def hold_meeting(
    *,
    problem: Problem,
    actor: User,
    held_at: datetime,
    place: str,
    units: Iterable[Unit],
    decisions: str,
    people: str = "",
) -> Meeting:
    """集体会诊 / 现场办公, recorded once held (not in the future): where, the units present
    (at least one), who, and the decisions (each may then become a measure)."""
    units = list(units)
    errors: dict[str, str] = {}
    if not units:
        errors["units"] = _("至少要有一个参会单位")
    if held_at > clock.now():
        errors["held_at"] = _("会议须已召开：时间不能晚于现在")
    place = _text(place, "place", limit=200)
    decisions = _text(decisions, "decisions", limit=5000)
    people = _text(people, "people", limit=500, required=False)
    if errors:
        raise InvalidInput(errors)
    made: list[Meeting] = []

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        meeting = Meeting.objects.create(
            problem=p, held_at=held_at, place=place, people=people, decisions=decisions
        )
        meeting.units.set(units)
        made.append(meeting)
        return {"meeting": meeting.pk, "units": [u.pk for u in units]}

    _act(problem, actor, Action.HOLD_MEETING, change=change, note=decisions)
    return made[0]


# --- 吹哨报到 ------------------------------------------------------------------------------------


def call_in(*, problem: Problem, actor: User, unit: Unit, reason: str) -> CallIn:
    """The lead unit blows the whistle: ``unit`` must report in (报到) within
    ``REPORT_IN_WITHIN`` of working time. Not the lead unit itself, nor a unit called in and
    not yet done."""
    reason = _text(reason, "reason", limit=300)
    if unit.pk == problem.lead_unit_id:
        raise InvalidInput({"unit": _("不能向牵头单位本身吹哨")})
    if not unit.active or unit.kind == Unit.Kind.CENTRE:
        raise InvalidInput({"unit": _("只能向在用的承办单位吹哨")})
    if problem.call_ins.filter(unit=unit, done_at__isnull=True).exists():
        raise InvalidInput({"unit": _("该单位已被吹哨，尚未办结")})
    made: list[CallIn] = []

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        assert p.lead_unit is not None  # a problem in progress has its lead unit
        due = sla.work_calendar().deadline(now, REPORT_IN_WITHIN)
        made.append(
            CallIn.objects.create(
                problem=p,
                unit=unit,
                called_by=p.lead_unit,
                called_at=now,
                report_deadline=due,
                reason=reason,
            )  # fmt: skip
        )
        notifications.enqueue_about_problem(
            p, Message.Kind.CALL_IN, phone=unit.duty_phone, email=unit.duty_email,
            context={"call": made[0]},
        )  # fmt: skip
        return {"call_in": made[0].pk, "unit": unit.pk, "report_deadline": due.isoformat()}

    _act(problem, actor, Action.CALL_IN, change=change, note=reason)
    return made[0]


def _on_this_problem(problem: Problem, call: CallIn) -> None:
    if call.problem_id != problem.pk:
        raise InvalidInput({"call_in": _("这不是本难题的吹哨")})


def _own_call(actor: User, call: CallIn) -> Callable[[Problem], str | None]:
    """The guard of the called unit's actions: only that unit answers its own call."""
    return lambda p: None if call.unit_id == actor.unit_id else _("只有被吹哨的单位可以答复")


def report_in(*, problem: Problem, actor: User, call: CallIn, part: str) -> Problem:
    """报到: the unit called in acknowledges and says its part (late or not: the time is kept)."""
    part = _text(part, "part", limit=1000)
    _on_this_problem(problem, call)
    if call.reported_at is not None:
        raise InvalidInput({"call_in": _("已经报到")})

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        CallIn.objects.filter(pk=call.pk).update(reported_at=now, part=part)
        return {"call_in": call.pk, "on_time": now <= call.report_deadline}

    guard = _own_call(actor, call)
    return _act(problem, actor, Action.REPORT_IN, guard=guard, change=change, note=part)


def report_done(*, problem: Problem, actor: User, call: CallIn, result: str) -> Problem:
    """The unit called in reports what it did; it must have reported in first."""
    result = _text(result, "result", limit=2000)
    _on_this_problem(problem, call)
    if call.reported_at is None or call.done_at is not None:
        raise InvalidInput({"call_in": _("须先报到，且只能报告一次")})

    def change(p: Problem, now: datetime) -> dict[str, Any]:
        CallIn.objects.filter(pk=call.pk).update(done_at=now, result=result)
        return {"call_in": call.pk}

    guard = _own_call(actor, call)
    return _act(problem, actor, Action.REPORT_DONE, guard=guard, change=change, note=result)


# --- the watch (the worker's) --------------------------------------------------------------------


def urge_late_call_ins() -> int:
    """Tell each unit called in that has not reported in by its deadline, once (the call's
    ``urged_at`` records it); returns how many were told."""
    late = CallIn.objects.filter(
        reported_at__isnull=True, urged_at__isnull=True, report_deadline__lt=clock.now()
    ).select_related("unit", "problem")
    told = 0
    for call in late:
        with transaction.atomic():
            if not CallIn.objects.filter(pk=call.pk, urged_at__isnull=True).update(
                urged_at=clock.now()
            ):
                continue  # another worker told it first
            notifications.enqueue_about_problem(
                call.problem, Message.Kind.CALL_IN_LATE, phone=call.unit.duty_phone,
                email=call.unit.duty_email, context={"call": call},
            )  # fmt: skip
            told += 1
    return told


def watch_problems() -> dict[str, int]:
    """Every watched problem, looked at once: struck off when its watch ended quiet, come back
    when matching orders came (during the watch beyond its threshold, or any after 销号); the
    order that tipped it is linked. Safe beside another worker: a problem it changed first is
    left to it. Returns how many of each."""
    done = {"problems verified": 0, "problems recurred": 0, "call-ins urged": urge_late_call_ins()}
    for problem in selectors.watched():
        try:
            if said := _watched_once(problem):
                done[f"problems {said}"] += 1
        except (Conflict, TransitionNotAllowed):
            continue  # another worker (or a person) acted on it meanwhile
    return done


def _watched_once(problem: Problem) -> Verdict | None:
    now = clock.now()
    if problem.status == Status.RESOLVED:
        assert problem.resolved_at is not None
        matching = selectors.registered_since(problem, problem.resolved_at)
        said = verdict(selectors.watch_rule(problem), problem.resolved_at, now, matching)
        if said == Verdict.VERIFIED:
            verify_problem(problem=problem, actor=None)
            return said
        if said == Verdict.WATCHING:
            return None
        since = problem.resolved_at
    else:
        assert problem.verified_at is not None
        since = problem.verified_at
    newest = (
        selectors.matching_orders(problem)
        .filter(registered_at__gte=since)
        .order_by("-registered_at")
        .first()
    )
    if newest is None:
        return None
    recur_problem(problem=problem, actor=None, order=newest)
    return Verdict.RECURRED


def actions_for(actor: User, problem: Problem) -> list[Action]:
    """The actions ``actor`` may take on ``problem`` now, by the table and its reach (the page
    offers these; each service still judges the rest)."""
    return [
        action
        for action in workflow.actions_available(Status(problem.status), _role(actor))
        if _check_reach(actor, problem, workflow.TRANSITIONS[action].reach) is None
    ]
