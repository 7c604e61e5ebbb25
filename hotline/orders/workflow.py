"""The lifecycle of a work order as data (pure: no database).

``TRANSITIONS`` is the one place that says which action may be taken from which states, by
which roles, within which reach of the order, and what state follows. The services consult it
before they change anything; the tests walk it exhaustively; the docs print it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core import lifecycle
from hotline.core.lifecycle import Refusal
from hotline.org.roles import Role


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    PENDING_DISPATCH = "pending_dispatch", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    RETURNED = "returned", _("退单待审")
    ACCEPTED = "accepted", _("办理中")
    REPLIED = "replied", _("已回复待审")
    PENDING_VISIT = "pending_visit", _("待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")
    CANCELLED = "cancelled", _("已作废")


FINAL = frozenset({Status.CLOSED, Status.MERGED, Status.CANCELLED})
OPEN = frozenset(Status) - FINAL


class Action(models.TextChoices):
    REGISTER = "register", _("登记")
    ANSWER_ON_THE_SPOT = "answer_on_the_spot", _("直接答复")
    REVIEW = "review", _("审核")
    DISPATCH = "dispatch", _("派单")
    REASSIGN = "reassign", _("改派")
    ACCEPT = "accept", _("签收")
    REQUEST_RETURN = "request_return", _("申请退单")
    APPROVE_RETURN = "approve_return", _("同意退单")
    REJECT_RETURN = "reject_return", _("驳回退单")
    PASS_DOWN = "pass_down", _("下派")
    RECORD_CONTACT = "record_contact", _("先行联系")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    DENY_EXTENSION = "deny_extension", _("驳回延期")
    STAGE_REPLY = "stage_reply", _("阶段性回复")
    REPLY = "reply", _("回复")
    APPROVE_REPLY = "approve_reply", _("回复审核通过")
    REJECT_REPLY = "reject_reply", _("回复退回")
    VISIT = "visit", _("回访")
    REOPEN = "reopen", _("重办")
    CLOSE = "close", _("结案")
    MERGE = "merge", _("并单")
    CANCEL = "cancel", _("作废")
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    CONVERT_TO_CASE = "convert_to_case", _("诉转案")
    ASSIST = "assist", _("协办意见")
    ATTACH = "attach", _("上传附件")


class Reach(StrEnum):
    """Whose orders an actor may take the action on, beyond having the role."""

    VISIBLE = "visible"  # any order the actor's unit can see (the centre sees all)
    UNIT = "unit"  # orders of which the actor's unit is the responsible unit
    HANDLING = "handling"  # ... or the sub-unit the order was passed down to
    CO_UNIT = "co_unit"  # orders on which the actor's unit is a co-handling unit


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    roles: frozenset[Role]
    target: Status | None  # None: the state does not change
    reach: Reach = Reach.VISIBLE

    def target_from(self, status: Status) -> Status:
        return self.target or status


def _t(
    action: Action,
    sources: Iterable[Status],
    roles: Iterable[Role],
    target: Status | None,
    reach: Reach = Reach.VISIBLE,
) -> Transition:
    return Transition(action, frozenset(sources), frozenset(roles), target, reach)


S, R, A = Status, Role, Action
_UNIT_STAFF = (R.HANDLER, R.LEAD)
_CENTRE_JUDGES = (R.DISPATCHER, R.SUPERVISOR)
_WORKING_STAFF = (R.OPERATOR, R.DISPATCHER, R.HANDLER, R.LEAD, R.VISITOR, R.SUPERVISOR)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        _t(A.REGISTER, [], [R.OPERATOR, R.DISPATCHER, R.CITIZEN], S.REGISTERED),
        _t(A.ANSWER_ON_THE_SPOT, [S.REGISTERED], [R.OPERATOR], S.CLOSED),
        _t(A.REVIEW, [S.REGISTERED], [R.DISPATCHER], S.PENDING_DISPATCH),
        _t(A.DISPATCH, [S.REGISTERED, S.PENDING_DISPATCH], [R.DISPATCHER], S.DISPATCHED),
        _t(A.REASSIGN, [S.DISPATCHED, S.ACCEPTED], [R.DISPATCHER], S.DISPATCHED),
        _t(A.ACCEPT, [S.DISPATCHED], _UNIT_STAFF, S.ACCEPTED, Reach.UNIT),
        _t(A.REQUEST_RETURN, [S.DISPATCHED, S.ACCEPTED], _UNIT_STAFF, S.RETURNED, Reach.UNIT),
        _t(A.APPROVE_RETURN, [S.RETURNED], [R.DISPATCHER], S.PENDING_DISPATCH),
        _t(A.REJECT_RETURN, [S.RETURNED], [R.DISPATCHER], S.DISPATCHED),
        _t(A.PASS_DOWN, [S.ACCEPTED], _UNIT_STAFF, None, Reach.UNIT),
        _t(A.RECORD_CONTACT, [S.ACCEPTED], [R.HANDLER], None, Reach.HANDLING),
        _t(A.REQUEST_EXTENSION, [S.ACCEPTED], _UNIT_STAFF, None, Reach.UNIT),
        _t(A.APPROVE_EXTENSION, [S.ACCEPTED], _CENTRE_JUDGES, None),
        _t(A.DENY_EXTENSION, [S.ACCEPTED], _CENTRE_JUDGES, None),
        _t(A.STAGE_REPLY, [S.ACCEPTED], [R.HANDLER], None, Reach.HANDLING),
        _t(A.REPLY, [S.ACCEPTED], _UNIT_STAFF, S.REPLIED, Reach.HANDLING),
        _t(A.APPROVE_REPLY, [S.REPLIED], [R.DISPATCHER], S.PENDING_VISIT),
        _t(A.REJECT_REPLY, [S.REPLIED], [R.DISPATCHER], S.ACCEPTED),
        # A citizen rates through the survey link sent after the reply (满意度评价).
        _t(A.VISIT, [S.PENDING_VISIT], [R.VISITOR, R.CITIZEN], S.CLOSED),
        _t(A.REOPEN, [S.PENDING_VISIT, S.CLOSED], [R.VISITOR, R.DISPATCHER], S.DISPATCHED),
        _t(A.CLOSE, [S.PENDING_VISIT], [R.DISPATCHER], S.CLOSED),
        _t(
            A.MERGE,
            [S.REGISTERED, S.PENDING_DISPATCH, S.DISPATCHED, S.ACCEPTED],
            [R.DISPATCHER],
            S.MERGED,
        ),
        _t(A.CANCEL, [S.REGISTERED, S.PENDING_DISPATCH], [R.DISPATCHER], S.CANCELLED),
        _t(
            A.URGE,
            [S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REPLIED],
            [R.DISPATCHER, R.SUPERVISOR, R.SYSTEM],
            None,
        ),
        _t(A.SUPERVISE, OPEN, [R.SUPERVISOR, R.SYSTEM], None),
        _t(A.CONVERT_TO_CASE, [S.ACCEPTED], [R.HANDLER], None, Reach.HANDLING),
        _t(A.ASSIST, [S.ACCEPTED], [R.HANDLER], None, Reach.CO_UNIT),
        # Photos or documents on their own, by anyone working on an order they can see, once a
        # unit has it (before, they come with the registration or the centre's own actions).
        _t(
            A.ATTACH,
            [S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.REPLIED, S.PENDING_VISIT],
            _WORKING_STAFF,
            None,
        ),
    ]
}
assert set(TRANSITIONS) == set(Action), "every action has exactly one row"


def refusal(action: Action, status: Status | None, role: Role) -> tuple[Refusal, str] | None:
    """Why the table refuses ``role`` taking ``action`` in ``status``, or None if it allows it.

    ``status`` is None for an order that does not exist yet (only ``register`` starts there).
    The state is judged before the role: an action that is impossible now is reported as such
    whoever asks. The reason is said in the active language.
    """
    rule = TRANSITIONS[action]
    return lifecycle.refusal(
        rule.sources, rule.roles, status, role,
        label=lambda s: Status(s).label, role_label=lambda r: Role(r).label,
        new=gettext("（新工单）"),
    )  # fmt: skip


def allowed(action: Action, status: Status | None, role: Role) -> bool:
    rule = TRANSITIONS[action]
    return lifecycle.refused_by(rule.sources, rule.roles, status, role) is None


def actions_available(status: Status, role: Role) -> list[Action]:
    """The actions a role could take on an order in ``status`` (before reach and guards)."""
    return [a for a in TRANSITIONS if a != Action.REGISTER and allowed(a, status, role)]


def next_states() -> dict[tuple[str, str, str], Status | None]:
    """Every step the table allows, as ``(action, from state, role) → state after``, with ""
    for the state before registration: for the code that replays whole lives without the
    services (the import of legacy orders, the bulk generator), which must take only steps the
    table allows."""
    return {
        (rule.action, source, role): rule.target_from(Status(source)) if source else rule.target
        for rule in TRANSITIONS.values()
        for source in (rule.sources or {""})
        for role in rule.roles
    }
