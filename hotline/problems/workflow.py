"""The lifecycle of a problem (难题) as data (pure: no database).

A problem is the hard, recurring trouble behind many orders, taken on by a named leader (包案领导)
and a lead unit, with a plan of measures (一案一策), units called in (吹哨报到) and a watch after it
is solved: it is struck off (销号) only when the calls stopped, and comes back (回潮) when they
return. ``TRANSITIONS`` is the one place that says which action may be taken from which states,
by which roles, and what state follows, as ``orders.workflow`` does for orders.
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
from hotline.sla.worktime import Span, SpanUnit

# A unit called in reports in (报到) within this much working time (一呼即应).
REPORT_IN_WITHIN = Span(4, SpanUnit.WORKING_HOURS)


class Status(models.TextChoices):
    PROPOSED = "proposed", _("待立项")
    ACCEPTED = "accepted", _("已立项")
    REJECTED = "rejected", _("不予立项")
    IN_PROGRESS = "in_progress", _("攻坚中")
    RESOLVED = "resolved", _("已解决（观察期）")
    VERIFIED = "verified", _("已销号")
    RECURRED = "recurred", _("已回潮")


OPEN = frozenset({Status.PROPOSED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RECURRED})
WATCHED = frozenset({Status.RESOLVED, Status.VERIFIED})  # a matching order means it came back


class Action(models.TextChoices):
    PROPOSE = "propose", _("提出难题")
    ACCEPT = "accept", _("立项")
    REJECT = "reject", _("不予立项")
    START = "start", _("开始攻坚")
    LINK_ORDER = "link_order", _("关联工单")
    UNLINK_ORDER = "unlink_order", _("取消关联")
    ADD_MEASURE = "add_measure", _("增加措施")
    FINISH_MEASURE = "finish_measure", _("措施完成")
    NOTE_PROGRESS = "note_progress", _("进展记录")
    HOLD_MEETING = "hold_meeting", _("集体会诊")
    CALL_IN = "call_in", _("吹哨")
    REPORT_IN = "report_in", _("报到")
    REPORT_DONE = "report_done", _("报告办理情况")
    RESOLVE = "resolve", _("解决（进入观察期）")
    VERIFY = "verify", _("销号")
    RECUR = "recur", _("回潮")


class Reach(StrEnum):
    """Whose problems an actor may take the action on, beyond having the role."""

    LEAD = "lead"  # the centre's staff, the leader, or staff of the lead unit and units below it
    CALLED = "called"  # staff of a unit called in on the problem


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    roles: frozenset[Role]
    target: Status | None  # None: the state does not change
    reach: Reach = Reach.LEAD

    def target_from(self, status: Status) -> Status:
        return self.target or status


def _t(
    action: Action,
    sources: Iterable[Status],
    roles: Iterable[Role],
    target: Status | None,
    reach: Reach = Reach.LEAD,
) -> Transition:
    return Transition(action, frozenset(sources), frozenset(roles), target, reach)


S, R, A = Status, Role, Action
# Who proposes: the centre's dispatchers and supervisors from what they see, a unit's lead from
# its own ground. Who decides (立项) and leads: supervisors, the 包案 leaders.
_PROPOSERS = (R.DISPATCHER, R.SUPERVISOR, R.LEAD)
_LEADERS = (R.SUPERVISOR,)
_WORKING = (R.SUPERVISOR, R.LEAD, R.HANDLER, R.DISPATCHER)
_ACTIVE = (S.ACCEPTED, S.IN_PROGRESS, S.RECURRED)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        _t(A.PROPOSE, [], [*_PROPOSERS, R.SYSTEM], S.PROPOSED),
        _t(A.ACCEPT, [S.PROPOSED], _LEADERS, S.ACCEPTED),
        _t(A.REJECT, [S.PROPOSED], _LEADERS, S.REJECTED),
        _t(A.START, [S.ACCEPTED, S.RECURRED], [*_LEADERS, R.LEAD], S.IN_PROGRESS),
        _t(A.LINK_ORDER, [S.PROPOSED, *_ACTIVE, S.RESOLVED], [*_WORKING, R.SYSTEM], None),
        _t(A.UNLINK_ORDER, [S.PROPOSED, *_ACTIVE, S.RESOLVED], _WORKING, None),
        _t(A.ADD_MEASURE, _ACTIVE, [*_LEADERS, R.LEAD], None),
        _t(A.FINISH_MEASURE, _ACTIVE, [*_LEADERS, R.LEAD, R.HANDLER], None),
        _t(A.NOTE_PROGRESS, _ACTIVE, _WORKING, None),
        # 集体会诊 / 现场办公: the lead unit or the leader meets the units on the problem.
        _t(A.HOLD_MEETING, [S.ACCEPTED, S.IN_PROGRESS, S.RECURRED], [*_LEADERS, R.LEAD], None),
        _t(A.CALL_IN, [S.IN_PROGRESS], [*_LEADERS, R.LEAD], None),
        _t(A.REPORT_IN, [S.IN_PROGRESS], [R.LEAD, R.HANDLER], None, Reach.CALLED),
        _t(A.REPORT_DONE, [S.IN_PROGRESS], [R.LEAD, R.HANDLER], None, Reach.CALLED),
        _t(A.RESOLVE, [S.IN_PROGRESS], _LEADERS, S.RESOLVED),
        # The watch decides: the worker strikes a problem off when its watch ended quiet, and
        # marks it recurred when a matching order comes (a supervisor may do either by hand).
        _t(A.VERIFY, [S.RESOLVED], [*_LEADERS, R.SYSTEM], S.VERIFIED),
        _t(A.RECUR, sorted(WATCHED), [*_LEADERS, R.SYSTEM], S.RECURRED),
    ]
}
assert set(TRANSITIONS) == set(Action), "every action has exactly one row"


def refusal(action: Action, status: Status | None, role: Role) -> tuple[Refusal, str] | None:
    """Why the table refuses ``role`` taking ``action`` on a problem in ``status`` (None: a
    problem not proposed yet), or None if it allows it. The state is judged before the role."""
    rule = TRANSITIONS[action]
    return lifecycle.refusal(
        rule.sources, rule.roles, status, role,
        label=lambda s: Status(s).label, role_label=lambda r: Role(r).label,
        new=gettext("（新难题）"),
    )  # fmt: skip


def actions_available(status: Status, role: Role) -> list[Action]:
    """The actions a role could take on a problem in ``status`` (before the services' guards)."""
    return [a for a in TRANSITIONS if a != Action.PROPOSE and refusal(a, status, role) is None]
