"""Problems brought to a state through the services, on the factories' city."""

from datetime import timedelta

from hotline.core import clock
from hotline.org.models import Unit
from hotline.problems import services
from hotline.problems.models import Problem, Source
from hotline.problems.workflow import Status
from tests.factories import City


def problem_in(
    state: Status, c: City, *, lead_unit: Unit | None = None, **propose: object
) -> Problem:
    """A problem about rubbish (02.01) in 东城1街道, proposed by streets[0]'s lead (``actor``
    to propose it otherwise), led by the city's supervisor with streets[0] (or ``lead_unit``)
    as the lead unit, brought to ``state`` (RECURRED: back during its watch)."""
    lead_unit = lead_unit or c.streets[0]
    fields: dict[str, object] = {
        "title": "东城1路垃圾屡清屡堆",
        "source": Source.MANUAL,
        "actor": c.lead(),
    }
    fields.update(propose)
    p = services.propose_problem(**fields)  # type: ignore[arg-type]
    if state == Status.PROPOSED:
        return p
    if state == Status.REJECTED:
        return services.reject_problem(problem=p, actor=c.supervisor, reason="属单个工单可办")
    p = services.accept_problem(
        problem=p,
        actor=c.supervisor,
        leader=c.supervisor,
        lead_unit=lead_unit,
        deadline=clock.now() + timedelta(days=60),
    )
    if state == Status.ACCEPTED:
        return p
    p = services.start_problem(problem=p, actor=c.lead(lead_unit))
    if state == Status.IN_PROGRESS:
        return p
    return finish(p, state, c)


def finish(p: Problem, state: Status, c: City) -> Problem:
    """A problem in progress resolved by its leader, then brought on to ``state``."""
    p = services.resolve_problem(problem=p, actor=c.supervisor, note="清运点已改造")
    if state == Status.RESOLVED:
        return p
    if state == Status.RECURRED:
        return services.recur_problem(problem=p, actor=c.supervisor, order=None)
    assert state == Status.VERIFIED
    with clock.frozen_at(clock.now() + timedelta(weeks=p.watch_weeks, hours=1)):
        return services.verify_problem(problem=p, actor=c.supervisor)
