"""Problems (难题) through the API: the register, one problem with its plan, call-ins, meetings,
linked orders, timeline and weekly counts, proposing one, and every later action as its own
endpoint (``POST /problems/{id}/{action}``), each taking the ``version`` the client read."""

from collections.abc import Callable
from datetime import date, datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from hotline.catalog.selectors import category_by_code
from hotline.org.models import Unit, User
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest
from hotline.problems import selectors, services
from hotline.problems.models import Batch, CallIn, Measure, Meeting, Problem, Source
from hotline.problems.watch import WatchRule
from hotline.problems.workflow import Action
from hotline.problems.workflow import Status as ProblemStatus

from .lookups import one, order_by_number, unit_by_id
from .orders import UnitRef
from .schemas import ActionIn, Count, Moment, Note, Reason, Text, answers, mount_action

router = Router(tags=["problems"])


# --- reading --------------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    username: str
    name: str


class ProblemSummary(Schema):
    id: int
    version: int
    title: str
    status: str
    status_label: str
    source: str
    leader: UserRef | None = Field(description="包案领导")
    lead_unit: UnitRef | None = Field(description="牵头单位")
    batch: str | None
    deadline: datetime | None = Field(description="办结时限")
    proposed_at: datetime
    orders: int = Field(description="关联中的工单数")


class MeasureOut(Schema):
    id: int
    text: str
    unit: UnitRef
    due: date
    state: str
    evidence: str
    done_at: datetime | None
    meeting: int | None = Field(description="作出这项决定的会议")


class CallInOut(Schema):
    id: int
    unit: UnitRef
    called_by: UnitRef
    called_at: datetime
    report_deadline: datetime
    reason: str
    reported_at: datetime | None
    part: str
    done_at: datetime | None
    result: str


class MeetingOut(Schema):
    id: int
    held_at: datetime
    place: str
    units: list[UnitRef]
    people: str
    decisions: str


class LinkOut(Schema):
    order: str = Field(description="工单编号")
    reason: str
    linked_at: datetime
    unlinked_at: datetime | None = Field(description="取消关联的时间；关联中为空")
    unlink_reason: str


class ProblemEventOut(Schema):
    seq: int
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    actor_role: str
    note: str
    payload: dict


class Weeks(Schema):
    before: list[int] = Field(description="解决（或现在）之前各周的同类工单数，由远及近")
    after: list[int] = Field(description="解决（或现在）之后各周的同类工单数")


class ProblemDetail(ProblemSummary):
    description: str
    source_ref: str
    area: UnitRef | None
    address: str
    categories: list[str] = Field(description="分类编码")
    responsible: UserRef | None = Field(description="责任人")
    watch_weeks: int
    watch_threshold: int
    resolved_at: datetime | None
    verified_at: datetime | None
    recurred_at: datetime | None
    campaigns: list[str] = Field(description="所属专项整治")
    measures: list[MeasureOut] = Field(description="一案一策的措施")
    call_ins: list[CallInOut] = Field(description="吹哨报到")
    meetings: list[MeetingOut] = Field(description="集体会诊、现场办公")
    links: list[LinkOut] = Field(description="关联过的工单，含已取消的")
    timeline: list[ProblemEventOut]
    weeks: Weeks


class ProblemPage(Schema):
    count: int
    items: list[ProblemSummary]


def _unit(unit: Unit | None) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def _user(user: User | None) -> dict | None:
    return {"id": user.pk, "username": user.username, "name": str(user)} if user else None


def summary(problem: Problem, linked: int) -> dict:
    return {
        "id": problem.pk,
        "version": problem.version,
        "title": problem.title,
        "status": problem.status,
        "status_label": str(ProblemStatus(problem.status).label),
        "source": problem.source,
        "leader": _user(problem.leader),
        "lead_unit": _unit(problem.lead_unit),
        "batch": problem.batch.name if problem.batch else None,
        "deadline": problem.deadline,
        "proposed_at": problem.proposed_at,
        "orders": linked,
    }


def _measures(problem: Problem) -> list[dict]:
    return [
        {
            "id": m.pk,
            "text": m.text,
            "unit": _unit(m.unit),
            "due": m.due,
            "state": m.state,
            "evidence": m.evidence,
            "done_at": m.done_at,
            "meeting": m.meeting_id,
        }
        for m in problem.measures.select_related("unit")
    ]


def _call_ins(problem: Problem) -> list[dict]:
    return [
        {
            "id": c.pk,
            "unit": _unit(c.unit),
            "called_by": _unit(c.called_by),
            "called_at": c.called_at,
            "report_deadline": c.report_deadline,
            "reason": c.reason,
            "reported_at": c.reported_at,
            "part": c.part,
            "done_at": c.done_at,
            "result": c.result,
        }
        for c in problem.call_ins.select_related("unit", "called_by")
    ]


def _meetings(problem: Problem) -> list[dict]:
    return [
        {
            "id": m.pk,
            "held_at": m.held_at,
            "place": m.place,
            "units": [_unit(u) for u in m.units.order_by("path")],
            "people": m.people,
            "decisions": m.decisions,
        }
        for m in problem.meetings.all()
    ]


def _links(links: list) -> list[dict]:
    return [
        {
            "order": link.order.number,
            "reason": link.reason,
            "linked_at": link.linked_at,
            "unlinked_at": link.unlinked_at,
            "unlink_reason": link.unlink_reason,
        }
        for link in links
    ]


def _timeline(problem: Problem) -> list[dict]:
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "action": e.action,
            "action_label": str(Action(e.action).label),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": str(e.actor) if e.actor else "",
            "actor_role": e.actor_role,
            "note": e.note,
            "payload": e.payload,
        }
        for e in problem.events.select_related("actor")
    ]


def _detail(problem: Problem) -> dict:
    links = list(problem.links.select_related("order").order_by("linked_at", "id"))
    before, after = selectors.before_and_after(problem)
    return summary(problem, sum(1 for link in links if link.unlinked_at is None)) | {
        "description": problem.description,
        "source_ref": problem.source_ref,
        "area": _unit(problem.area),
        "address": problem.address,
        "categories": [c.code for c in problem.categories.order_by("code")],
        "responsible": _user(problem.responsible),
        "watch_weeks": problem.watch_weeks,
        "watch_threshold": problem.watch_threshold,
        "resolved_at": problem.resolved_at,
        "verified_at": problem.verified_at,
        "recurred_at": problem.recurred_at,
        "campaigns": [c.name for c in problem.campaigns.all()],
        "measures": _measures(problem),
        "call_ins": _call_ins(problem),
        "meetings": _meetings(problem),
        "links": _links(links),
        "timeline": _timeline(problem),
        "weeks": {"before": before, "after": after},
    }


class ProblemFilters(Schema):
    status: ProblemStatus | None = None
    leader: int | None = Field(None, description="包案领导（人员编号）")
    batch: int | None = Field(None, description="批次编号")
    campaign: int | None = Field(None, description="专项整治编号")
    overdue: bool = Field(False, description="只列出已过办结时限仍未解决的难题")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("", response=answers(200, ProblemPage), summary="难题列表（筛选、分页）")
@requires(Capability.READ_PROBLEMS)
def list_problems(request: StaffRequest, filters: Query[ProblemFilters]) -> dict:
    found = selectors.problems(
        user=request.user,
        status=filters.status,
        leader=filters.leader,
        batch=filters.batch,
        campaign=filters.campaign,
        overdue=filters.overdue,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return {"count": found.count(), "items": [summary(p, getattr(p, "linked", 0)) for p in page]}


def _visible(request: StaffRequest, pk: int) -> Problem:
    try:
        return selectors.visible_problem(request.user, pk)
    except Problem.DoesNotExist:
        raise Http404(f"没有难题 #{pk}，或不在您的可见范围内") from None


@router.get(
    "/{id}",
    response=answers(200, ProblemDetail),
    summary="难题详情：措施、吹哨报到、会诊、关联工单、办理过程与前后各周工单数",
)
@requires(Capability.READ_PROBLEMS)
def read_problem(request: StaffRequest, id: int) -> dict:
    return _detail(_visible(request, id))


# --- writing --------------------------------------------------------------------------------------


class ProposeIn(Schema):
    title: Text
    source: Source = Field(
        description="finding 分析发现、orders 一组工单、repeats 重复诉求、manual 人工录入"
    )
    description: str = ""
    source_ref: str = Field("", description="来源说明；来源为分析发现时必填")
    area: Count | None = Field(None, description="区域（区、街道或社区的单位编号）")
    address: str = ""
    categories: list[str] = Field([], description="分类编码")
    orders: list[str] = Field([], description="一并关联的工单编号（须为本人可见的工单）")


@router.post("", response=answers(201, ProblemDetail), summary="提出难题（propose）")
@requires(Capability.ACT_ON_PROBLEMS)
def propose(request: StaffRequest, body: ProposeIn) -> Status:
    """A problem is proposed: by a unit's lead for its own unit, by the centre for anyone."""
    problem = services.propose_problem(
        actor=request.user,
        title=body.title,
        source=body.source,
        description=body.description,
        source_ref=body.source_ref,
        area=unit_by_id(body.area, "area") if body.area is not None else None,
        address=body.address,
        categories=[category_by_code(code) for code in body.categories],
        orders=[order_by_number(number, "orders") for number in body.orders],
    )
    return Status(201, _detail(problem))


class Accept(ActionIn):
    leader: Count = Field(..., description="包案领导（在岗督办员的人员编号）")
    lead_unit: Count = Field(..., description="牵头单位编号")
    deadline: Moment = Field(..., description="办结时限（须晚于现在）")
    responsible: Count | None = Field(None, description="责任人（牵头单位的人员编号）")
    batch: Count | None = Field(None, description="批次编号")
    watch_weeks: Count = Field(4, ge=1, le=52, description="解决后的观察周数")
    watch_threshold: Count = Field(0, ge=0, le=1000, description="观察期内允许的同类工单数")


class OrderLink(Reason):
    order: Text = Field(..., description="工单编号")


class MeasureIn(ActionIn):
    text: Text
    unit: Count | None = Field(None, description="责任单位编号（必填）")
    due: date = Field(..., description="完成期限（不早于今天）")
    meeting: Count | None = Field(None, description="作出这项决定的本难题会议")


class Finish(ActionIn):
    measure: Count = Field(..., description="本难题的措施编号")
    evidence: Text = Field(..., description="完成情况（做了什么，照片在哪里）")


class Progress(ActionIn):
    text: Text


class MeetingIn(ActionIn):
    held_at: Moment = Field(..., description="召开时间（不晚于现在）")
    place: Text
    units: list[Count] = Field(..., description="参会单位编号（至少一个）")
    decisions: Text
    people: str = ""


class CallInIn(ActionIn):
    unit: Count = Field(..., description="被吹哨的单位编号（不能是牵头单位本身）")
    reason: Text


class ReportIn(ActionIn):
    call_in: Count = Field(..., description="本难题的吹哨编号")
    part: Text = Field(..., description="承担的工作")


class ReportDone(ActionIn):
    call_in: Count = Field(..., description="本难题的吹哨编号（须已报到）")
    result: Text = Field(..., description="办理情况")


class Resolution(ActionIn):
    note: Text


class Recurrence(ActionIn):
    order: str | None = Field(None, description="带回问题的工单编号（一并关联）")


def _user_by_id(pk: int | None, field: str) -> User | None:
    return one(User.objects.all(), pk, field, "人员") if pk is not None else None


def _accepted(p: Problem, b: dict) -> dict:
    return b | {
        "leader": _user_by_id(b["leader"], "leader"),
        "lead_unit": unit_by_id(b["lead_unit"], "lead_unit"),
        "responsible": _user_by_id(b["responsible"], "responsible"),
        "batch": one(Batch.objects.all(), b["batch"], "batch", "批次")
        if b["batch"] is not None
        else None,
        "watch": WatchRule(b.pop("watch_weeks"), b.pop("watch_threshold")),
    }


def _call(p: Problem, pk: int) -> CallIn:
    return one(p.call_ins.all(), pk, "call_in", "本难题吹哨")


def _as_is(p: Problem, body: dict) -> dict:
    return body


# action: (body schema, how the body becomes the service's arguments, service)
ACTIONS: dict[Action, tuple[type[ActionIn], Callable[[Problem, dict], dict], Callable]] = {
    Action.ACCEPT: (Accept, _accepted, services.accept_problem),
    Action.REJECT: (Reason, _as_is, services.reject_problem),
    Action.START: (Note, _as_is, services.start_problem),
    Action.LINK_ORDER: (
        OrderLink,
        lambda p, b: b | {"order": order_by_number(b["order"], "order")},
        services.link_order,
    ),
    Action.UNLINK_ORDER: (
        OrderLink,
        lambda p, b: b | {"order": order_by_number(b["order"], "order")},
        services.unlink_order,
    ),
    Action.ADD_MEASURE: (
        MeasureIn,
        lambda p, b: (
            b
            | {
                "unit": unit_by_id(b["unit"], "unit") if b["unit"] is not None else None,
                "meeting": (
                    one(p.meetings.all(), b["meeting"], "meeting", "本难题会议")
                    if b["meeting"] is not None
                    else None
                ),
            }
        ),
        services.add_measure,
    ),
    Action.FINISH_MEASURE: (
        Finish,
        lambda p, b: b | {"measure": one(p.measures.all(), b["measure"], "measure", "本难题措施")},
        services.finish_measure,
    ),
    Action.NOTE_PROGRESS: (Progress, _as_is, services.note_progress),
    Action.HOLD_MEETING: (
        MeetingIn,
        lambda p, b: b | {"units": [unit_by_id(u, "units") for u in b["units"]]},
        services.hold_meeting,
    ),
    Action.CALL_IN: (
        CallInIn,
        lambda p, b: b | {"unit": unit_by_id(b["unit"], "unit")},
        services.call_in,
    ),
    Action.REPORT_IN: (
        ReportIn,
        lambda p, b: {"call": _call(p, b.pop("call_in"))} | b,
        services.report_in,
    ),
    Action.REPORT_DONE: (
        ReportDone,
        lambda p, b: {"call": _call(p, b.pop("call_in"))} | b,
        services.report_done,
    ),
    Action.RESOLVE: (Resolution, _as_is, services.resolve_problem),
    Action.VERIFY: (ActionIn, _as_is, services.verify_problem),
    Action.RECUR: (
        Recurrence,
        lambda p, b: {"order": order_by_number(b["order"], "order") if b["order"] else None},
        services.recur_problem,
    ),
}
assert set(ACTIONS) == set(Action) - {Action.PROPOSE}, (
    "every action after proposing has an endpoint"
)


def _as_seen(request: StaffRequest, pk: int, version: int | None) -> Problem:
    """The problem as the client read it: the services refuse a copy whose version is not the
    stored one (409), so the client's version stands in for the one just loaded."""
    problem = _visible(request, pk)
    if version is not None:
        problem.version = version
    return problem


def _acted_on(result: Problem | Measure | Meeting | CallIn) -> Problem:
    # A measure, meeting or call-in made by the action holds the problem as the action left it.
    return result if isinstance(result, Problem) else result.problem


def _endpoint(
    action: Action,
    schema: type[ActionIn],
    arguments: Callable[[Problem, dict], dict],
    service: Callable,
) -> None:
    def act(request: StaffRequest, id: int, body: schema) -> dict:  # type: ignore[valid-type]
        data = body.dict()  # type: ignore[attr-defined]  # an ActionIn, a pydantic model
        problem = _as_seen(request, id, data.pop("version"))
        result = service(problem=problem, actor=request.user, **arguments(problem, data))
        return _detail(_acted_on(result))

    mount_action(
        router, act, subject="problem", key="id", action=action,
        capability=Capability.ACT_ON_PROBLEMS, detail=ProblemDetail,
    )  # fmt: skip


for _action, (_schema, _arguments, _service) in ACTIONS.items():
    _endpoint(_action, _schema, _arguments, _service)
