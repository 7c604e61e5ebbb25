"""Every action on a work order: one function each, one transaction each.

Each service checks its input, locks the order row, refuses stale copies (``Conflict``), asks
the transition table whether this actor may take this action now (``workflow.TRANSITIONS``),
applies the change, and appends one event — or raises a ``DomainError`` and changes nothing.

``actor`` is a staff ``User``; ``None`` means the citizen (for ``register_order``) or the
system (the worker's ``urge_order`` / ``supervise_order``). Callers pass the order as they last
loaded it and get the updated order back. Every action also takes ``expected_version`` (the
version the person or system last saw: an order changed since is a ``Conflict``) and ``files``
(photos or documents kept with the action, named in its event); see ``Along``.

Refusals and field errors are said in the active language (the request's); what is recorded in
the events (the system's own notes) stays in Chinese, the language of the record.
"""

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.selectors import category_by_code, responsible_unit
from hotline.core import clock
from hotline.core.errors import (
    ActionRefused,
    Conflict,
    InvalidInput,
    PermissionDenied,
    TransitionNotAllowed,
    listing,
)
from hotline.core.lifecycle import Refusal
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.org.selectors import area_index, dispatch_refusal
from hotline.sla import selectors as sla
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span

from . import attachments, workflow
from .deadlines import (
    cleared_deadlines,
    extended_deadlines,
    next_sweep,
    round_deadlines,
    visit_deadlines,
    waited_deadline,
    warning_span,
    warning_start,
)
from .models import Attachment, Channel, Event, Satisfaction, WorkOrder
from .numbers import next_number
from .selectors import can_see
from .signals import event_recorded
from .suggestions import Request, Suggestion, chosen_or_suggested, suggest_each
from .validation import clean_coordinate, clean_phone, clean_text, make_title
from .workflow import Action, Reach, Status

# --- the one write path ----------------------------------------------------------------------


# What an action's event records besides the order's columns: a JSON object.
Payload = dict[str, Any]


class Along(TypedDict, total=False):
    """What every action takes besides its own arguments."""

    expected_version: int | None  # the version the actor last saw; None: the order as passed
    files: Sequence[UploadedFile]  # kept with the action; one bad file refuses the action


def _role(actor: User | None, default: Role) -> Role:
    return Role(actor.role) if actor is not None else default


def _refuse(
    error: type[ActionRefused], order: WorkOrder, action: Action, reason: str
) -> ActionRefused:
    return error(
        order=order.number,
        action=str(action.label),
        status=str(Status(order.status).label),
        reason=reason,
    )


def _check_reach(actor: User | None, order: WorkOrder, reach: Reach) -> str | None:
    if actor is None:
        return None
    unit_id = actor.unit_id
    if reach == Reach.VISIBLE:
        return None if can_see(actor, order) else _("该工单不在本单位的可见范围内")
    if unit_id is None:
        return _("没有所属单位的人员不能执行")
    if reach == Reach.UNIT:
        return None if unit_id == order.unit_id else _("只有承办单位可以执行")
    if reach == Reach.HANDLING:
        return (
            None
            if unit_id in (order.unit_id, order.handling_unit_id)
            else _("只有承办单位或下派的办理单位可以执行")
        )
    if reach == Reach.CO_UNIT:
        return None if order.cohandlers.filter(pk=unit_id).exists() else _("只有协办单位可以执行")
    raise AssertionError(reach)


def actions_for(actor: User, order: WorkOrder) -> list[Action]:
    """The actions ``actor`` may take on ``order`` now, by the transition table and its reach
    (an action's own conditions, such as a pending extension, are checked when it is taken)."""
    role = _role(actor, Role.SYSTEM)
    return [
        a
        for a in workflow.actions_available(Status(order.status), role)
        if _check_reach(actor, order, workflow.TRANSITIONS[a].reach) is None
    ]


def _act(
    order: WorkOrder,
    actor: User | None,
    action: Action,
    *,
    default_role: Role = Role.SYSTEM,
    guard: Callable[[WorkOrder], str | None] | None = None,
    change: Callable[[WorkOrder, datetime], Payload | None] | None = None,
    note: str = "",
    expected_version: int | None = None,
    files: Sequence[UploadedFile] = (),
) -> WorkOrder:
    """Lock, check, change, record. ``guard`` returns a refusal reason; ``change`` mutates the
    order and returns the event payload; ``files`` are stored and named in the event.

    The row lock is taken on the version alone: if the stored version is the caller's, the
    caller's copy *is* the order as it stands (every write goes through here and bumps the
    version), so it is worked on as a private copy instead of being read again, and only the
    columns the action changed are written.
    """
    rule = workflow.TRANSITIONS[action]
    checked = _checked_files(files)
    with transaction.atomic():
        stored = _lock(order)
        seen = order.version if expected_version is None else expected_version
        if stored != order.version or stored != seen:
            raise _refuse(Conflict, order, action, _stale(stored, seen))
        work = copy.copy(order)  # the caller's object stays as it was if the action is refused
        refused = workflow.refusal(action, Status(work.status), _role(actor, default_role))
        if refused:
            kind, reason = refused
            raise _refuse(
                TransitionNotAllowed if kind == Refusal.STATE else PermissionDenied,
                work,
                action,
                reason,
            )
        if out_of_reach := _check_reach(actor, work, rule.reach):
            raise _refuse(PermissionDenied, work, action, out_of_reach)
        if guard and (guarded := guard(work)):
            raise _refuse(TransitionNotAllowed, work, action, guarded)

        now = clock.now()
        before = work.__dict__.copy()
        payload = (change(work, now) if change else None) or {}
        work.status = rule.target_from(Status(before["status"]))
        _refresh_due(work, now, payload)
        work.version += 1
        work.save(update_fields=_changed_columns(work, before))
        if checked:
            payload["attachments"] = _store_files(work, actor, checked, now)
        _append_event(work, actor, action, before["status"], now, note, payload, default_role)
    return work


def _stale(stored: int | None, seen: int) -> str:
    """The one answer to a stale copy, on every surface."""
    return _("工单已被他人更新（现为第 %(stored)s 版，您看到的是第 %(seen)s 版），请刷新后重试") % {
        "stored": stored,
        "seen": seen,
    }


def _checked_files(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each file with its content type, checked by content and size before anything is locked;
    at most ``attachments.MAX_FILES``, and one bad file refuses them all."""
    if len(files) > attachments.MAX_FILES:
        raise InvalidInput(
            {"attachments": _("一次最多上传 %(count)s 个文件") % {"count": attachments.MAX_FILES}}
        )
    checked = []
    for f in files:
        head = f.read(16)
        f.seek(0)
        checked.append((f, attachments.check_upload(f.name or "", f.size or 0, head)))
    return checked


def _store_files(
    order: WorkOrder, actor: User | None, checked: list[tuple[UploadedFile, str]], now: datetime
) -> list[dict]:
    """Store checked files with the order; what the event records of each."""
    stored = [
        Attachment.objects.create(
            order=order,
            file=f,
            name=(f.name or "")[:200],
            content_type=kind,
            size=f.size or 0,
            uploaded_at=now,
            uploaded_by=actor,
        )
        for f, kind in checked
    ]
    return [{"id": a.pk, "name": a.name, "content_type": a.content_type} for a in stored]


def _lock(order: WorkOrder) -> int | None:
    """Lock the order's row until the transaction ends and return its stored version.

    Plain SQL because it runs on every action and the ORM would spend more time building the
    query than the database spends answering it. (SQLite has no row locks: its transactions
    take the database's write lock when they begin.)
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version FROM {WorkOrder._meta.db_table} WHERE id = %s{lock}", [order.pk]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _changed_columns(order: WorkOrder, before: dict) -> list[str]:
    after = order.__dict__
    return [
        f.attname
        for f in WorkOrder._meta.concrete_fields
        if after.get(f.attname) != before.get(f.attname)
    ]


def _append_event(
    order: WorkOrder,
    actor: User | None,
    action: Action,
    before: str,
    now: datetime,
    note: str,
    payload: Payload,
    default_role: Role,
) -> Event:
    event = Event.objects.create(
        order=order,
        seq=order.version,
        at=now,
        action=action,
        from_status=before or "",
        to_status=order.status,
        actor=actor,
        actor_role=_role(actor, default_role),
        actor_unit_id=actor.unit_id if actor else None,
        unit_id=order.unit_id,
        note=note,
        payload=payload,
    )
    event_recorded.send(Event, order=order, event=event)
    return event


# --- deadlines ---------------------------------------------------------------------------------


def _spans(order: WorkOrder) -> dict[DeadlineKind, Span]:
    code = order.category.code if order.category else ""
    return sla.spans_for(order_type=order.order_type, category=code, urgency=order.urgency)


def _set_deadlines(order: WorkOrder, payload: dict, **deadlines: datetime | None) -> None:
    """Set deadlines on the order and record them in the event: deadlines never move silently."""
    recorded = payload.setdefault("deadlines", {})
    for name, value in deadlines.items():
        setattr(order, f"{name}_deadline", value)
        recorded[name] = value.isoformat() if value else None


def _start_round(order: WorkOrder, now: datetime, payload: dict, *, reopened: bool) -> None:
    """A unit gets the order (dispatch, reassign, reopen): a fresh set of deadlines."""
    order.dispatched_at, order.accepted_at, order.first_contact_at, order.replied_at = (
        now,
        None,
        None,
        None,
    )
    order.extension_requested_days = None
    deadlines = round_deadlines(now, _spans(order), sla.work_calendar().deadline, reopened=reopened)
    _set_deadlines(order, payload, **deadlines)


def _refresh_due(order: WorkOrder, now: datetime, payload: dict) -> None:
    """Keep ``due_at``/``warn_at`` (what the order waits for) and the worker's ``sweep_at``
    current."""
    name = waited_deadline(order.status)
    due = getattr(order, f"{name}_deadline") if name else None
    if due != order.due_at:
        order.due_at = due
        order.warn_at = None
        if due is not None:
            span = warning_span(order.status, _spans(order), reopened=order.reopen_count > 0)
            start = warning_start(
                order.status, dispatched_at=order.dispatched_at or now, waiting_since=now
            )
            order.warn_at = sla.work_calendar().warning_point(start, due, span.on_working_time)
    escalate_after = timedelta(hours=settings.HOTLINE_ESCALATE_AFTER_HOURS)
    order.sweep_at = next_sweep(
        order.status,
        due=order.due_at,
        urged=order.urged_deadline,
        supervised=order.supervised,
        last_urged=order.last_urged_at,
        escalate=lambda at: at + escalate_after,
    )


# --- intake ------------------------------------------------------------------------------------


def _choice(value: str, choices: type[TextChoices], field: str) -> str:
    if value not in choices.values:
        allowed = listing(
            _("%(value)s（%(label)s）") % {"value": v, "label": label}
            for v, label in choices.choices
        )
        raise InvalidInput(
            {
                field: _("无效的取值「%(value)s」，可选：%(choices)s")
                % {"value": value, "choices": allowed}
            }
        )
    return value


def _resolve_address(address: str, area_unit: Unit | None) -> ResolvedArea:
    index = area_index()
    if area_unit is not None:
        resolved = index.expand(area_unit.pk)
        if not resolved:
            raise InvalidInput(
                {"area": _("「%(area)s」不是本市的区、街道或社区") % {"area": area_unit}}
            )
        return resolved
    if not address:
        return ResolvedArea()
    resolved = index.resolve(address)
    if not resolved:
        raise InvalidInput(
            {
                "address": _(
                    "地址「%(address)s」不在本市范围内，或无法定位到区、街道、社区；请核实地址或手工选择区域"
                )
                % {"address": address}
            }
        )
    return resolved


def _check_may_register(actor: User | None) -> None:
    if refused := workflow.refusal(Action.REGISTER, None, _role(actor, Role.CITIZEN)):
        raise PermissionDenied(
            order=_("（新）"), action=str(Action.REGISTER.label), status="—", reason=refused[1]
        )


def register_order(
    *,
    actor: User | None,
    text: str,
    channel: str = Channel.PHONE,
    order_type: str = "",
    category_code: str = "",
    urgency: str = "",
    title: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    address: str = "",
    area: Unit | None = None,
    latitude: object = None,
    longitude: object = None,
    suggestions: Suggestion | None = None,
    files: Sequence[UploadedFile] = (),
) -> WorkOrder:
    """Take in a request (登记): the one way an order comes in, from every channel. ``actor``
    None means the citizen through a channel.

    The text is required; the phone, if given, must be a valid number; an address must lie in
    the city (or an explicit ``area`` unit is given); the category, if given, must exist; the
    files are checked as ``attach_files`` checks them. Raises InvalidInput naming each bad field;
    nothing is written then. The suggestions (``orders.suggestions``) are asked for unless given,
    stored beside the order, and fill in what a citizen could not choose.
    """
    text = clean_text(text, "text")
    if suggestions is None:
        [suggestions] = suggest_each([Request(text, address, caller_phone)])
    category_code, order_type, urgency = chosen_or_suggested(
        suggestions,
        by_citizen=actor is None,
        category_code=category_code,
        order_type=order_type,
        urgency=urgency,
    )
    fields: dict[str, Any] = dict(
        channel=_choice(channel, Channel, "channel"),
        order_type=_choice(order_type, OrderType, "order_type"),
        urgency=_choice(urgency, Urgency, "urgency"),
        category=category_by_code(category_code) if category_code else None,
        text=text,
        title=clean_text(title, "title", required=False, max_length=100) or make_title(text),
        caller_name=clean_text(caller_name, "caller_name", required=False, max_length=50),
        caller_phone=clean_phone(caller_phone),
        anonymous=anonymous,
        confidential=confidential,
        address=clean_text(address, "address", required=False, max_length=200),
        latitude=clean_coordinate(latitude, "latitude", -90, 90),
        longitude=clean_coordinate(longitude, "longitude", -180, 180),
        suggestions=suggestions,
    )
    checked = _checked_files(files)
    area_found = _resolve_address(fields["address"], area)
    _check_may_register(actor)
    now = clock.now()
    # Inside a caller's transaction (a batch, an answer on the spot) a failure fails it whole.
    with transaction.atomic(savepoint=False):
        order = WorkOrder.objects.create(
            number=next_number(timezone.localtime(now).date()),
            status=Status.REGISTERED,
            version=1,
            registered_at=now,
            district_id=area_found.district_id,
            street_id=area_found.street_id,
            community_id=area_found.community_id,
            **fields,
        )
        payload: dict = {"channel": order.channel}
        if checked:
            payload["attachments"] = _store_files(order, actor, checked, now)
        _append_event(order, actor, Action.REGISTER, "", now, "", payload, Role.CITIZEN)
    return order


MAX_BATCH = 100


def register_batch(*, actor: User | None, requests: list[dict]) -> list[WorkOrder]:
    """Register several orders at once (批量登记: what another platform or a branch centre
    forwards), each exactly as ``register_order`` would, in one transaction: all are registered,
    or, when any one is refused, none is, and the refusal names the request by its position
    (``orders.3.address``). At most ``MAX_BATCH`` at a time; the suggestions are made in one
    pass."""
    if not 1 <= len(requests) <= MAX_BATCH:
        raise InvalidInput(
            {"orders": f"一次登记 1 至 {MAX_BATCH} 个工单，而不是 {len(requests)} 个"}
        )
    made = suggest_each(
        [
            Request(r.get("text", ""), r.get("address", ""), r.get("caller_phone", ""))
            for r in requests
        ]
    )
    registered = []
    with transaction.atomic():
        for i, (request, suggestion) in enumerate(zip(requests, made, strict=True)):
            try:
                registered.append(register_order(actor=actor, suggestions=suggestion, **request))
            except InvalidInput as refused:
                raise InvalidInput(
                    {f"orders.{i}.{field}": message for field, message in refused.errors.items()}
                ) from None
    return registered


def register_and_answer(
    *, actor: User, answer: str, article: str = "", **registration: Any
) -> WorkOrder:
    """Register a call and close it with the operator's answer on the spot (直接答复), both or
    neither: ``register_order`` and then ``answer_on_the_spot``, in one transaction."""
    with transaction.atomic():
        order = register_order(actor=actor, **registration)
        return answer_on_the_spot(
            order=order,
            actor=actor,
            answer=answer,
            article=article,
            category_code=registration.get("category_code") or None,
        )


def answer_on_the_spot(
    *,
    order: WorkOrder,
    actor: User,
    answer: str,
    article: str = "",
    category_code: str | None = None,
    **along: Unpack[Along],
) -> WorkOrder:
    """Close a consultation with the operator's answer (直接答复); the answer is required. The
    operator may classify the order while answering (``category_code``), so that it counts in
    the statistics of its category."""
    answer = clean_text(answer, "answer")
    corrections = _corrections(None, category_code, None, None, None)

    def change(o: WorkOrder, now: datetime) -> Payload:
        payload = _apply_corrections(o, corrections)
        o.answer, o.closed_at, o.resolved = answer, now, True
        return payload | ({"article": article} if article else {})

    return _act(order, actor, Action.ANSWER_ON_THE_SPOT, change=change, note=answer, **along)


def review_order(
    *,
    order: WorkOrder,
    actor: User,
    order_type: str | None = None,
    category_code: str | None = None,
    urgency: str | None = None,
    address: str | None = None,
    area: Unit | None = None,
    note: str = "",
    **along: Unpack[Along],
) -> WorkOrder:
    """Review a registered order (审核), correcting its type, category, urgency or address."""
    corrections = _corrections(order_type, category_code, urgency, address, area)
    return _act(
        order,
        actor,
        Action.REVIEW,
        change=lambda o, now: _apply_corrections(o, corrections),
        note=clean_text(note, "note", required=False),
        **along,
    )


def _corrections(
    order_type: str | None,
    category_code: str | None,
    urgency: str | None,
    address: str | None,
    area: Unit | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if order_type is not None:
        fields["order_type"] = _choice(order_type, OrderType, "order_type")
    if category_code is not None:
        fields["category"] = category_by_code(category_code)
    if urgency is not None:
        fields["urgency"] = _choice(urgency, Urgency, "urgency")
    if address is not None or area is not None:
        if address is not None:  # an area chosen by hand alone keeps the caller's address text
            address = fields["address"] = clean_text(
                address, "address", required=False, max_length=200
            )
        found = _resolve_address(address or "", area)
        fields.update(
            district_id=found.district_id,
            street_id=found.street_id,
            community_id=found.community_id,
        )
    return fields


def _apply_corrections(order: WorkOrder, fields: dict) -> dict:
    changed = {}
    for name, value in fields.items():
        old = getattr(order, name)
        if old != value:
            changed[name] = {
                "from": str(old) if old is not None else None,
                "to": str(value) if value is not None else None,
            }
            setattr(order, name, value)
    return {"changed": changed} if changed else {}


# --- dispatch ----------------------------------------------------------------------------------


def _check_target(actor: User, unit: Unit, cohandlers: list[Unit]) -> None:
    if refusal := dispatch_refusal(actor.unit, unit):
        raise InvalidInput({"unit": refusal})
    for cohandler in cohandlers:
        if refusal := dispatch_refusal(actor.unit, cohandler):
            raise InvalidInput({"cohandlers": refusal})
    if unit in cohandlers:
        raise InvalidInput({"cohandlers": _("主办单位不能同时是协办单位")})


def dispatch_order(
    *,
    order: WorkOrder,
    actor: User,
    unit: Unit | None = None,
    cohandlers: Iterable[Unit] = (),
    category_code: str | None = None,
    urgency: str | None = None,
    note: str = "",
    **along: Unpack[Along],
) -> WorkOrder:
    """Send the order to a unit (派单), with optional co-handling units (协办).

    Without ``unit`` the dispatch catalogue names it from the category and the address. Sets the
    accept, first-contact and finish deadlines from the SLA policies. An order needs a category
    to be dispatched.
    """
    corrections = _corrections(None, category_code, urgency, None, None)
    cohandlers = list(cohandlers)

    def change(o: WorkOrder, now: datetime) -> Payload:
        payload = _apply_corrections(o, corrections)
        if o.category is None:
            raise InvalidInput({"category": _("派单前需要先确定诉求分类")})
        target = unit or responsible_unit(
            o.category, ResolvedArea(o.district_id, o.street_id, o.community_id)
        )
        _check_target(actor, target, cohandlers)
        o.unit, o.handling_unit = target, None
        if cohandlers:  # an order waiting for dispatch has none (approve_return clears them)
            o.cohandlers.set(cohandlers)
        payload.update(unit=target.pk, unit_name=target.name, cohandlers=[u.pk for u in cohandlers])
        _start_round(o, now, payload, reopened=False)
        return payload

    return _act(
        order,
        actor,
        Action.DISPATCH,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def reassign_order(
    *, order: WorkOrder, actor: User, unit: Unit, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """Move the order to another unit (改派); the new unit starts with fresh deadlines."""
    reason = clean_text(reason, "reason")

    def change(o: WorkOrder, now: datetime) -> Payload:
        if unit.pk == o.unit_id:
            raise InvalidInput({"unit": _("改派的单位与当前承办单位相同")})
        _check_target(actor, unit, list(o.cohandlers.all()))
        payload = {"unit": unit.pk, "unit_name": unit.name, "previous_unit": o.unit_id}
        o.unit, o.handling_unit = unit, None
        _start_round(o, now, payload, reopened=o.reopen_count > 0)
        return payload

    return _act(order, actor, Action.REASSIGN, change=change, note=reason, **along)


def accept_order(
    *, order: WorkOrder, actor: User, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """The responsible unit accepts the order (签收)."""

    def change(o: WorkOrder, now: datetime) -> None:
        o.accepted_at = now

    return _act(
        order,
        actor,
        Action.ACCEPT,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


# --- returns -------------------------------------------------------------------------------------


def request_return(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """The unit asks to give the order back (申请退单); a reason is required."""
    return _act(order, actor, Action.REQUEST_RETURN, note=clean_text(reason, "reason"), **along)


def approve_return(
    *, order: WorkOrder, actor: User, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """The centre takes the order back for a new dispatch (同意退单)."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        payload = {"previous_unit": o.unit_id}
        o.unit, o.handling_unit = None, None
        o.cohandlers.clear()
        _set_deadlines(o, payload, **cleared_deadlines())
        return payload

    return _act(
        order,
        actor,
        Action.APPROVE_RETURN,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def reject_return(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """The centre refuses the return (驳回退单): the unit keeps the order, its deadlines run on."""
    return _act(order, actor, Action.REJECT_RETURN, note=clean_text(reason, "reason"), **along)


# --- handling ------------------------------------------------------------------------------------


def pass_down(
    *, order: WorkOrder, actor: User, sub_unit: Unit, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Hand the work to a unit below the responsible one (下派); the responsible unit stays."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        assert o.unit is not None, "only the responsible unit passes down (the reach UNIT)"
        if sub_unit.pk == o.unit_id or not sub_unit.is_within(o.unit):
            raise InvalidInput(
                {
                    "sub_unit": _("「%(sub_unit)s」不是「%(unit)s」的下级单位")
                    % {"sub_unit": sub_unit, "unit": o.unit}
                }
            )
        o.handling_unit = sub_unit
        return {"handling_unit": sub_unit.pk, "handling_unit_name": sub_unit.name}

    return _act(
        order,
        actor,
        Action.PASS_DOWN,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def record_contact(
    *, order: WorkOrder, actor: User, way: str = "电话", note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Record the first contact with the citizen (先行联系); only the first counts for the rate."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        first = o.first_contact_at is None
        if first:
            o.first_contact_at = now
        return {"way": clean_text(way, "way", max_length=20), "first": first}

    return _act(
        order,
        actor,
        Action.RECORD_CONTACT,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def request_extension(
    *, order: WorkOrder, actor: User, days: int, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """Ask for more working days (申请延期); one pending request at a time."""
    reason = clean_text(reason, "reason")
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput(
            {"days": _("延期天数须为 1～60 个工作日，填写的是「%(days)s」") % {"days": days}}
        )

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.extension_requested_days = days
        return {"days": days}

    return _act(
        order,
        actor,
        Action.REQUEST_EXTENSION,
        note=reason,
        change=change,
        guard=lambda o: _("已有待审批的延期申请") if o.extension_requested_days else None,
        **along,
    )


def _pending_extension(o: WorkOrder) -> str | None:
    return None if o.extension_requested_days else _("没有待审批的延期申请")


def approve_extension(
    *, order: WorkOrder, actor: User, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Grant the pending extension (同意延期): the finish deadline moves by the requested working
    days; the original deadline stays, and a stage reply is still due by it."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        days, o.extension_requested_days = o.extension_requested_days, None
        assert days is not None, "the guard lets only a pending extension be granted"
        assert o.finish_deadline is not None, "a unit's order has its finish deadline"
        payload: Payload = {"days": days}
        cal = sla.work_calendar()
        _set_deadlines(
            o, payload, **extended_deadlines(o.finish_deadline, days, cal.add_working_days)
        )
        return payload

    return _act(
        order,
        actor,
        Action.APPROVE_EXTENSION,
        guard=_pending_extension,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def deny_extension(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """Refuse the pending extension (驳回延期); the deadline stays."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        days, o.extension_requested_days = o.extension_requested_days, None
        return {"days": days}

    return _act(
        order,
        actor,
        Action.DENY_EXTENSION,
        guard=_pending_extension,
        change=change,
        note=clean_text(reason, "reason"),
        **along,
    )


def stage_reply(*, order: WorkOrder, actor: User, text: str, **along: Unpack[Along]) -> WorkOrder:
    """Report progress (阶段性回复); it answers the first finish deadline of an extended order."""
    return _act(order, actor, Action.STAGE_REPLY, note=clean_text(text, "text"), **along)


def reply_order(
    *, order: WorkOrder, actor: User, result: str, solved: bool, **along: Unpack[Along]
) -> WorkOrder:
    """The unit replies with the result (回复): what was done and whether the problem is solved."""
    result = clean_text(result, "result")

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.answer, o.replied_at = result, now
        return {"solved": bool(solved)}

    return _act(order, actor, Action.REPLY, change=change, note=result, **along)


def approve_reply(
    *, order: WorkOrder, actor: User, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """The centre accepts the reply (回复审核通过); the return visit becomes due."""

    def change(o: WorkOrder, now: datetime) -> Payload:
        payload: dict = {}
        _set_deadlines(o, payload, **visit_deadlines(now, _spans(o), sla.work_calendar().deadline))
        return payload

    return _act(
        order,
        actor,
        Action.APPROVE_REPLY,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def reject_reply(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """The centre sends the reply back (回复退回); the finish deadline does not change."""

    def change(o: WorkOrder, now: datetime) -> None:
        o.replied_at = None

    return _act(
        order, actor, Action.REJECT_REPLY, change=change, note=clean_text(reason, "reason"), **along
    )


# --- visit, reopen, close -------------------------------------------------------------------------


def visit_order(
    *,
    order: WorkOrder,
    actor: User | None,
    resolved: bool,
    satisfaction: str,
    note: str = "",
    **along: Unpack[Along],
) -> WorkOrder:
    """Record the return visit (回访): resolved yes/no and 满意/基本满意/不满意; the order closes.
    ``actor`` None is the citizen rating through the survey link. An unsatisfied citizen's order
    can then be reopened (``reopen_order``)."""
    satisfaction = _choice(satisfaction, Satisfaction, "satisfaction")

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.resolved, o.satisfaction, o.closed_at = bool(resolved), satisfaction, now
        return {"resolved": bool(resolved), "satisfaction": satisfaction}

    return _act(
        order,
        actor,
        Action.VISIT,
        default_role=Role.CITIZEN,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def reopen_order(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """Send the order back to the same unit for a second handling (重办), with the reopen
    deadline; a closed order only within the reopen window, and only if a unit handled it."""
    reason = clean_text(reason, "reason")
    window = timedelta(days=settings.HOTLINE_REOPEN_WINDOW_DAYS)

    def guard(o: WorkOrder) -> str | None:
        if o.unit_id is None:
            return _("该工单没有承办单位（直接答复的工单请重新登记并派单）")
        if o.status == Status.CLOSED and o.closed_at and clock.now() - o.closed_at > window:
            return _("办结已超过 %(days)s 天，请重新登记") % {
                "days": settings.HOTLINE_REOPEN_WINDOW_DAYS
            }
        return None

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.reopen_count += 1
        o.closed_at, o.resolved, o.satisfaction, o.handling_unit = None, None, "", None
        payload = {"reopen_count": o.reopen_count}
        _start_round(o, now, payload, reopened=True)
        return payload

    return _act(order, actor, Action.REOPEN, guard=guard, change=change, note=reason, **along)


def close_order(*, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]) -> WorkOrder:
    """Close without a visit (结案), with the reason recorded (visit declined, unreachable, …)."""
    reason = clean_text(reason, "reason", max_length=200)

    def change(o: WorkOrder, now: datetime) -> None:
        o.close_reason, o.closed_at = reason, now

    return _act(order, actor, Action.CLOSE, change=change, note=reason, **along)


def merge_order(
    *, order: WorkOrder, actor: User, master: WorkOrder, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Merge a duplicate into its master order (并单); the master must be another open order
    that is not itself merged."""

    def guard(o: WorkOrder) -> str | None:
        current = WorkOrder.objects.select_for_update().get(pk=master.pk)
        if current.pk == o.pk:
            return _("不能并入自身")
        if not current.is_open:
            return _("主工单 %(number)s %(status)s") % {
                "number": current.number,
                "status": current.get_status_display(),
            }
        return None

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.duplicate_of_id = master.pk
        o.closed_at = now
        return {"master": master.pk, "master_number": master.number}

    return _act(
        order,
        actor,
        Action.MERGE,
        guard=guard,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def cancel_order(
    *, order: WorkOrder, actor: User, reason: str, **along: Unpack[Along]
) -> WorkOrder:
    """Void an invalid order (作废: test call, harassment, no content) with a reason."""
    reason = clean_text(reason, "reason", max_length=200)

    def change(o: WorkOrder, now: datetime) -> None:
        o.close_reason, o.closed_at = reason, now

    return _act(order, actor, Action.CANCEL, change=change, note=reason, **along)


# --- supervision ---------------------------------------------------------------------------------


def urge_order(
    *, order: WorkOrder, actor: User | None, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Urge the unit (催办). ``actor`` None is the system urging an overdue order, which it does
    once per missed deadline."""

    def guard(o: WorkOrder) -> str | None:
        if actor is None and o.urged_deadline is not None and o.urged_deadline == o.due_at:
            return _("已为这个时限催办过")
        return None

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.urge_count += 1
        o.last_urged_at = now
        if actor is None:
            o.urged_deadline = o.due_at
            return {"auto": True, "deadline": o.due_at.isoformat() if o.due_at else None}
        return {}

    return _act(
        order,
        actor,
        Action.URGE,
        guard=guard,
        change=change,
        note=clean_text(note, "note", required=False)
        or ("系统自动催办：已超时" if actor is None else ""),
        **along,
    )


def supervise_order(
    *, order: WorkOrder, actor: User | None, instructions: str, **along: Unpack[Along]
) -> WorkOrder:
    """Put the order under supervision (督办) with the supervisor's instructions."""
    instructions = clean_text(instructions, "instructions")

    def change(o: WorkOrder, now: datetime) -> None:
        o.supervised, o.supervision_note = True, instructions

    return _act(order, actor, Action.SUPERVISE, change=change, note=instructions, **along)


def convert_to_case(
    *, order: WorkOrder, actor: User, case_number: str, note: str = "", **along: Unpack[Along]
) -> WorkOrder:
    """Turn the complaint into an enforcement case (诉转案); only an enforcement unit can."""
    case_number = clean_text(case_number, "case_number", max_length=50)

    def guard(o: WorkOrder) -> str | None:
        return None if actor.unit and actor.unit.enforcement else _("只有执法单位可以诉转案")

    def change(o: WorkOrder, now: datetime) -> Payload:
        o.case_number = case_number
        return {"case_number": case_number}

    return _act(
        order,
        actor,
        Action.CONVERT_TO_CASE,
        guard=guard,
        change=change,
        note=clean_text(note, "note", required=False),
        **along,
    )


def assist_order(
    *, order: WorkOrder, actor: User, opinion: str, **along: Unpack[Along]
) -> WorkOrder:
    """A co-handling unit contributes its part (协办意见), visible to the responsible unit."""
    return _act(order, actor, Action.ASSIST, note=clean_text(opinion, "opinion"), **along)


# --- attachments ----------------------------------------------------------------------------------


def attach_files(
    *,
    order: WorkOrder,
    actor: User,
    files: Sequence[UploadedFile],
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """Add photos or documents to an open order on their own (上传附件): anyone on the staff who
    may see the order. Each a JPEG, PNG or PDF (by content, not name) of at most
    ``attachments.MAX_BYTES``, at most ``attachments.MAX_FILES`` at a time; one bad file refuses
    them all. Files that come with another action (a reply, a request) go with that action."""

    def change(o: WorkOrder, now: datetime) -> None:
        if not files:  # said after who may attach, so that nobody learns more than a refusal
            raise InvalidInput({"attachments": _("请选择要上传的文件")})

    return _act(
        order,
        actor,
        Action.ATTACH,
        change=change,
        note=clean_text(note, "note", required=False),
        expected_version=expected_version,
        files=files,
    )


# --- the worker's sweep ---------------------------------------------------------------------------


def sweep_overdue(*, limit: int = 200) -> dict[str, int]:
    """Urge each order whose deadline has passed, once per deadline, and put under supervision
    the ones still overdue ``HOTLINE_ESCALATE_AFTER_HOURS`` after that urge.

    Reads the indexed ``sweep_at`` column, never the whole table. Several workers may run at
    once: each claims rows with SKIP LOCKED and the services re-check under the lock, so no
    order is urged twice for the same deadline.
    """
    done = {"urged": 0, "supervised": 0}
    with transaction.atomic():
        # Claim the ids first: the common case, nothing due, stays one cheap indexed query.
        claimed = list(
            WorkOrder.objects.select_for_update(skip_locked=True)
            .filter(sweep_at__lt=clock.now())  # overdue: past the deadline, not at it
            .order_by("sweep_at")
            .values_list("pk", flat=True)[:limit]
        )
        batch = (
            WorkOrder.objects.filter(pk__in=claimed)
            .select_related("unit", "category")
            .order_by("sweep_at")
            if claimed
            else []
        )
        for order in batch:
            if order.urged_deadline != order.due_at:
                urge_order(order=order, actor=None)
                done["urged"] += 1
            elif not order.supervised:
                hours = settings.HOTLINE_ESCALATE_AFTER_HOURS
                supervise_order(
                    order=order, actor=None, instructions=f"催办后 {hours} 小时仍未办结，系统转督办"
                )
                done["supervised"] += 1
    return done
