"""Orders through the API: list and search, one order with its timeline, registration, and every
lifecycle action as its own endpoint (``POST /orders/{number}/{action}``)."""

from collections.abc import Callable
from datetime import datetime

from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from hotline.audit.services import reveal_caller
from hotline.catalog.choices import OrderType, Urgency
from hotline.core.errors import InvalidInput
from hotline.notifications.selectors import delivery_log
from hotline.orders import services
from hotline.orders.models import Channel, Satisfaction, WorkOrder
from hotline.orders.selectors import (
    deadline_mark,
    order_list,
    order_timeline,
    visible_order,
)
from hotline.orders.workflow import Action
from hotline.orders.workflow import Status as OrderStatus
from hotline.org.models import Unit, User
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest

from .intake import Suggestion
from .lookups import order_by_number, unit_by_id
from .schemas import ActionIn, Count, Flag, Moment, Note, Reason, Text, answers, mount_action

router = Router(tags=["orders"])


# --- reading --------------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class OrderSummary(Schema):
    number: str
    version: int
    status: str
    status_label: str
    channel: str
    order_type: str
    category: str | None
    urgency: str
    title: str
    unit: UnitRef | None
    registered_at: datetime
    due_at: datetime | None
    mark: str = Field(description="red: overdue; yellow: past 80 % of the deadline in force")


class EventOut(Schema):
    seq: int
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    actor_role: str
    unit: str
    note: str
    payload: dict


class OrderDetail(OrderSummary):
    text: str
    caller_name: str
    caller_phone: str
    address: str
    area: list[str]
    handling_unit: UnitRef | None
    cohandlers: list[UnitRef]
    accept_deadline: datetime | None
    contact_deadline: datetime | None
    finish_deadline: datetime | None
    original_finish_deadline: datetime | None
    visit_deadline: datetime | None
    answer: str
    resolved: bool | None
    satisfaction: str
    reopen_count: int
    urge_count: int
    supervised: bool
    duplicate_of: str | None
    case_number: str
    confidential: bool
    suggestions: dict
    timeline: list[EventOut]


class Page(Schema):
    count: int
    items: list[OrderSummary]


def _unit(unit: Unit | None) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def summary(order: WorkOrder) -> dict:
    return {
        "number": order.number,
        "version": order.version,
        "status": order.status,
        "status_label": str(OrderStatus(order.status).label),
        "channel": order.channel,
        "order_type": order.order_type,
        "category": order.category.code if order.category else None,
        "urgency": order.urgency,
        "title": order.title,
        "unit": _unit(order.unit),
        "registered_at": order.registered_at,
        "due_at": order.due_at,
        "mark": deadline_mark(order),
    }


def _detail(user: User, order: WorkOrder) -> dict:
    name, phone = reveal_caller(user, order, channel="api")
    events = [
        {
            "seq": e.seq,
            "at": e.at,
            "action": e.action,
            "action_label": str(Action(e.action).label),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": str(e.actor) if e.actor else "",
            "actor_role": e.actor_role,
            "unit": e.unit.name if e.unit else "",
            "note": e.note,
            "payload": e.payload,
        }
        for e in order_timeline(order)
    ]
    return summary(order) | {
        "text": order.text,
        "caller_name": name,
        "caller_phone": phone,
        "address": order.address,
        "area": [u.name for u in (order.district, order.street, order.community) if u is not None],
        "handling_unit": _unit(order.handling_unit),
        "cohandlers": [_unit(u) for u in order.cohandlers.all()],
        "accept_deadline": order.accept_deadline,
        "contact_deadline": order.contact_deadline,
        "finish_deadline": order.finish_deadline,
        "original_finish_deadline": order.original_finish_deadline,
        "visit_deadline": order.visit_deadline,
        "answer": order.answer,
        "resolved": order.resolved,
        "satisfaction": order.satisfaction,
        "reopen_count": order.reopen_count,
        "urge_count": order.urge_count,
        "supervised": order.supervised,
        "duplicate_of": order.duplicate_of.number if order.duplicate_of else None,
        "case_number": order.case_number,
        "confidential": order.confidential,
        "suggestions": order.suggestions,
        "timeline": events,
    }


class OrderFilters(Schema):
    status: OrderStatus | None = None
    unit: int | None = Field(None, description="this unit and the units below it")
    category: str = ""
    order_type: OrderType | None = None
    channel: Channel | None = None
    since: Moment | None = Field(None, description="registered at or after (ISO 8601)")
    until: Moment | None = Field(None, description="registered before (ISO 8601)")
    overdue: bool = False
    q: str = Field(
        "", max_length=100, description="order number, or words of the title or the request"
    )
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("", response=answers(200, Page), summary="工单列表（筛选、搜索、分页）")
@requires(Capability.LIST_ORDERS)
def list_orders(request: StaffRequest, filters: Query[OrderFilters]) -> dict:
    unit = Unit.objects.filter(pk=filters.unit).first() if filters.unit else None
    if filters.unit and unit is None:
        raise InvalidInput({"unit": f"没有编号为 {filters.unit} 的单位"})
    orders = order_list(
        request.user,
        status=filters.status or "",
        unit=unit,
        category=filters.category,
        order_type=filters.order_type or "",
        channel=filters.channel or "",
        since=filters.since,
        until=filters.until,
        overdue=filters.overdue,
        text=filters.q.strip(),
    )
    page = orders[filters.offset : filters.offset + filters.limit]
    return {"count": orders.count(), "items": [summary(o) for o in page]}


def _visible(request: StaffRequest, number: str) -> WorkOrder:
    try:
        return visible_order(request.user, number)
    except WorkOrder.DoesNotExist:
        raise Http404(f"没有工单 {number}，或不在您的可见范围内") from None


@router.get("/{number}", response=answers(200, OrderDetail), summary="工单详情与办理过程")
@requires(Capability.READ_ORDER)
def read_order(request: StaffRequest, number: str) -> dict:
    return _detail(request.user, _visible(request, number))


class MessageOut(Schema):
    created_at: datetime
    kind: str
    kind_label: str
    channel: str
    recipient: str = Field(
        description="as the caller may see it: citizens' numbers masked for units"
    )
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str


@router.get("/{number}/messages", response=answers(200, list[MessageOut]), summary="工单的通知记录")
@requires(Capability.READ_ORDER)
def order_messages(request: StaffRequest, number: str) -> list[dict]:
    order = _visible(request, number)
    to_citizen = order.messages.filter(to_citizen=True).exists()
    phone = (
        reveal_caller(request.user, order, channel="api", purpose="查看通知记录")[1]
        if to_citizen
        else ""
    )
    return [
        {
            "created_at": m.created_at,
            "kind": m.kind,
            "kind_label": str(m.get_kind_display()),
            "channel": m.channel,
            "recipient": m.shown_recipient,  # type: ignore[attr-defined]  # delivery_log sets it
            "status": m.status,
            "attempts": m.attempts,
            "sent_at": m.sent_at,
            "last_error": m.last_error,
        }
        for m in delivery_log(order, phone)
    ]


# --- writing --------------------------------------------------------------------------------------


class OrderIn(Schema):
    text: Text
    address: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    channel: Channel = Channel.API
    order_type: OrderType | None = None
    category_code: str = ""
    urgency: Urgency | None = None
    confidential: Flag = False
    anonymous: Flag = False


class Registered(OrderSummary):
    suggestions: Suggestion


@router.post("", response=answers(201, Registered), summary="登记工单（附智能建议）")
@requires(Capability.REGISTER)
def register(request: StaffRequest, body: OrderIn) -> Status:
    """Register an order; the triage suggestions are stored beside what the caller chose."""
    data = body.dict()
    data["order_type"], data["urgency"] = data["order_type"] or "", data["urgency"] or ""
    order = services.register_order(actor=request.user, **data)
    return Status(201, summary(order) | {"suggestions": order.suggestions})


class Answer(ActionIn):
    answer: Text
    article: str = ""
    category_code: str | None = None


class Review(Note):
    order_type: OrderType | None = None
    category_code: str | None = None
    urgency: Urgency | None = None
    address: str | None = None
    area: Count | None = Field(None, description="a district, street or community chosen by hand")


class Dispatch(Note):
    unit: Count | None = Field(
        None, description="the responsible unit; the dispatch catalogue decides when empty"
    )
    cohandlers: list[Count] = []
    category_code: str | None = None
    urgency: Urgency | None = None


class Reassign(Reason):
    unit: Count


class PassDown(Note):
    sub_unit: Count


class Contact(Note):
    way: str = "电话"


class Extension(Reason):
    days: Count = Field(..., ge=1, le=60)


class StageReply(ActionIn):
    text: Text


class Reply(ActionIn):
    result: Text
    solved: Flag


class Visit(Note):
    resolved: Flag
    satisfaction: Satisfaction


class Merge(Note):
    master: Text = Field(..., description="the number of the order this one duplicates")


class Supervise(ActionIn):
    instructions: Text


class Case(Note):
    case_number: Text


class Assist(ActionIn):
    opinion: Text


def _as_is(body: dict) -> dict:
    return body


# action: (body schema, how the body becomes the service's arguments, service)
ACTIONS: dict[Action, tuple[type[ActionIn], Callable[[dict], dict], Callable]] = {
    Action.ANSWER_ON_THE_SPOT: (Answer, _as_is, services.answer_on_the_spot),
    Action.REVIEW: (
        Review,
        lambda b: b | {"area": unit_by_id(b["area"], "area") if b["area"] else None},
        services.review_order,
    ),
    Action.DISPATCH: (
        Dispatch,
        lambda b: (
            b
            | {
                "unit": unit_by_id(b["unit"], "unit") if b["unit"] else None,
                "cohandlers": [unit_by_id(u, "cohandlers") for u in b["cohandlers"]],
            }
        ),
        services.dispatch_order,
    ),
    Action.REASSIGN: (
        Reassign,
        lambda b: b | {"unit": unit_by_id(b["unit"], "unit")},
        services.reassign_order,
    ),
    Action.ACCEPT: (Note, _as_is, services.accept_order),
    Action.REQUEST_RETURN: (Reason, _as_is, services.request_return),
    Action.APPROVE_RETURN: (Note, _as_is, services.approve_return),
    Action.REJECT_RETURN: (Reason, _as_is, services.reject_return),
    Action.PASS_DOWN: (
        PassDown,
        lambda b: b | {"sub_unit": unit_by_id(b["sub_unit"], "sub_unit")},
        services.pass_down,
    ),
    Action.RECORD_CONTACT: (Contact, _as_is, services.record_contact),
    Action.REQUEST_EXTENSION: (Extension, _as_is, services.request_extension),
    Action.APPROVE_EXTENSION: (Note, _as_is, services.approve_extension),
    Action.DENY_EXTENSION: (Reason, _as_is, services.deny_extension),
    Action.STAGE_REPLY: (StageReply, _as_is, services.stage_reply),
    Action.REPLY: (Reply, _as_is, services.reply_order),
    Action.APPROVE_REPLY: (Note, _as_is, services.approve_reply),
    Action.REJECT_REPLY: (Reason, _as_is, services.reject_reply),
    Action.VISIT: (Visit, _as_is, services.visit_order),
    Action.REOPEN: (Reason, _as_is, services.reopen_order),
    Action.CLOSE: (Reason, _as_is, services.close_order),
    Action.MERGE: (
        Merge,
        lambda b: b | {"master": order_by_number(b["master"], "master")},
        services.merge_order,
    ),
    Action.CANCEL: (Reason, _as_is, services.cancel_order),
    Action.URGE: (Note, _as_is, services.urge_order),
    Action.SUPERVISE: (Supervise, _as_is, services.supervise_order),
    Action.CONVERT_TO_CASE: (Case, _as_is, services.convert_to_case),
    Action.ASSIST: (Assist, _as_is, services.assist_order),
    Action.ATTACH: (Note, _as_is, services.attach_files),  # its endpoint takes the files too
}
assert set(ACTIONS) == set(Action) - {Action.REGISTER}, (
    "every action after registration has an endpoint"
)


def _endpoint(
    action: Action, schema: type[ActionIn], arguments: Callable[[dict], dict], service: Callable
) -> None:
    def act(request: StaffRequest, number: str, body: schema) -> dict:  # type: ignore[valid-type]
        data = body.dict()  # type: ignore[attr-defined]  # an ActionIn, a pydantic model
        version = data.pop("version")
        order = service(
            order=_visible(request, number),
            actor=request.user,
            expected_version=version,
            **arguments(data),
        )
        return _detail(request.user, order)

    mount_action(
        router, act, subject="order", key="number", action=action,
        capability=Capability.ACT, detail=OrderDetail,
    )  # fmt: skip


for _action, (_schema, _arguments, _service) in ACTIONS.items():
    if _action != Action.ATTACH:
        _endpoint(_action, _schema, _arguments, _service)


@router.post(
    "/{number}/attach",
    response=answers(200, OrderDetail),
    summary=f"{Action.ATTACH.label}（attach：multipart/form-data，JPEG、PNG 或 PDF）",
    operation_id="order_attach",
)
@requires(Capability.ACT)
def order_attach(
    request: StaffRequest,
    number: str,
    files: File[list[UploadedFile]],
    version: Form[Count | None] = None,
    note: Form[str] = "",
) -> dict:
    """Add photos or documents to the order; each is checked by its content, one bad file
    refuses them all, and the order's timeline names them."""
    order = services.attach_files(
        order=_visible(request, number),
        actor=request.user,
        files=files,
        note=note,
        expected_version=version,
    )
    return _detail(request.user, order)
