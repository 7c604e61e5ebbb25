"""The problems' transition table, walked exhaustively through the services: in every state,
every action by every role succeeds exactly when the table allows it, and a refusal says why
and changes nothing."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from hotline.core import clock
from hotline.core.errors import PermissionDenied, TransitionNotAllowed
from hotline.orders.workflow import Status as OrderStatus
from hotline.org.roles import STAFF_ROLES, Role
from hotline.problems import services
from hotline.problems.models import CallIn, Measure, Problem
from hotline.problems.workflow import TRANSITIONS, Action, Status, refusal
from tests import factories

from .make import problem_in

pytestmark = pytest.mark.django_db
CALLED_ACTIONS = (Action.REPORT_IN, Action.REPORT_DONE)
Dispatched = OrderStatus.DISPATCHED  # an order the lead unit sees


def _departments(c):
    return sorted(c.departments.values(), key=lambda u: u.pk)


def _actor(c, role, action):
    """A unit's staff belong to the lead unit, or to the unit called in for the actions of the
    called; everyone else is at the centre."""
    if role in (Role.HANDLER, Role.LEAD):
        return c.staff(role, _departments(c)[0] if action in CALLED_ACTIONS else c.streets[0])
    return c.staff(role, c.centre)


def _take(action, p, actor, c, *, order, call, measure):
    far = clock.now() + timedelta(days=365)
    s = services
    calls = {
        Action.ACCEPT: lambda: s.accept_problem(
            problem=p, actor=actor, leader=c.supervisor, lead_unit=c.streets[0], deadline=far
        ),
        Action.REJECT: lambda: s.reject_problem(problem=p, actor=actor, reason="不予立项"),
        Action.START: lambda: s.start_problem(problem=p, actor=actor),
        Action.LINK_ORDER: lambda: s.link_order(
            problem=p, actor=actor, order=factories.order_in(Dispatched, c), reason="同一地点"
        ),
        Action.UNLINK_ORDER: lambda: s.unlink_order(
            problem=p, actor=actor, order=order, reason="无关"
        ),
        Action.ADD_MEASURE: lambda: s.add_measure(
            problem=p, actor=actor, text="增设垃圾桶", unit=c.streets[0], due=far.date()
        ),
        Action.FINISH_MEASURE: lambda: s.finish_measure(
            problem=p, actor=actor, measure=measure, evidence="已增设"
        ),
        Action.NOTE_PROGRESS: lambda: s.note_progress(problem=p, actor=actor, text="已约谈物业"),
        Action.HOLD_MEETING: lambda: s.hold_meeting(
            problem=p,
            actor=actor,
            held_at=clock.now(),
            place="东城1街道办事处",
            units=[c.streets[0], _departments(c)[0]],
            decisions="增设垃圾收集点",
        ),  # fmt: skip
        Action.CALL_IN: lambda: s.call_in(
            problem=p, actor=actor, unit=_departments(c)[1], reason="请协调执法"
        ),
        Action.REPORT_IN: lambda: s.report_in(problem=p, actor=actor, call=call, part="负责绿地"),
        Action.REPORT_DONE: lambda: s.report_done(
            problem=p, actor=actor, call=call, result="已修剪"
        ),
        Action.RESOLVE: lambda: s.resolve_problem(problem=p, actor=actor, note="已解决"),
        Action.VERIFY: lambda: s.verify_problem(problem=p, actor=actor),
        Action.RECUR: lambda: s.recur_problem(problem=p, actor=actor, order=None),
    }
    return calls[action]()


def _ready_for(action, p, call):
    """What an action needs besides the table (a call reported in, the measures done), so that
    only the table decides."""
    CallIn.objects.filter(pk=call.pk).update(
        reported_at=clock.now() if action == Action.REPORT_DONE else None, done_at=None
    )
    call.refresh_from_db()
    done = Measure.State.DONE if action == Action.RESOLVE else Measure.State.OPEN
    Measure.objects.filter(problem=p).update(state=done)


@pytest.mark.parametrize("state", list(Status))
def test_every_action_by_every_role_in_this_state_does_what_the_table_says(city, state):
    order = factories.register(city)  # before the problem's watch, if it has one
    p = problem_in(state, city)
    p.links.create(order=order, reason="同一地点", linked_at=clock.now())
    call = CallIn.objects.create(
        problem=p, unit=_departments(city)[0], called_by=city.streets[0], called_at=clock.now(),
        report_deadline=clock.now() + timedelta(hours=4), reason="请协助",
    )  # fmt: skip
    measure = Measure.objects.create(
        problem=p, text="清运", unit=city.streets[0], due=date(2099, 1, 1)
    )
    later = clock.now() + timedelta(weeks=5)  # after any watch: verifying is up to the table
    wrong = []
    for action in [a for a in Action if a != Action.PROPOSE]:
        for role in STAFF_ROLES:
            _ready_for(action, p, call)
            actor = _actor(city, role, action)
            stored = Problem.objects.get(pk=p.pk)
            try:
                with clock.frozen_at(later), transaction.atomic():
                    _take(action, stored, actor, city, order=order, call=call, measure=measure)
                    transaction.set_rollback(True)
                took = True
            except (TransitionNotAllowed, PermissionDenied) as refused:
                took = False
                assert refused.message
            if took != (refusal(action, Status(state), role) is None):
                wrong.append((action.value, role.value, "took" if took else "refused"))
            assert Problem.objects.get(pk=p.pk).version == stored.version
    assert wrong == []


def test_every_action_has_one_row_and_only_proposing_starts_a_problem():
    assert set(TRANSITIONS) == set(Action)
    assert [a for a, t in TRANSITIONS.items() if not t.sources] == [Action.PROPOSE]
