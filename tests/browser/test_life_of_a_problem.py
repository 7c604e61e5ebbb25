"""The whole life of one problem through the pages: found on the dashboard, taken on by its
leader, worked by the lead unit with a department called in, solved, and struck off after a quiet
watch. Each person works in their own browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core import clock
from hotline.orders.workflow import Status as OrderStatus
from hotline.problems import services
from hotline.problems.models import Problem, Source
from hotline.problems.workflow import Status
from tests import factories
from tests.factories import City

from .conftest import DESKTOP, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOT_SPOT = "东城1路11小区3栋"


def act(page, problem: Problem, action: str, fill=None, select=None) -> None:
    """Open the problem's page, open one action's form, fill it in and send it."""
    page.goto(f"/problems/{problem.pk}/")
    form = page.locator(f"#action-{action}")
    form.locator("summary").click()
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, values in (select or {}).items():
        form.locator(f"select[name={name}]").select_option(values)
    form.locator("button[type=submit]").click()
    assert "已" in page.inner_text(".flash"), page.inner_text("main")


def staff(open_page, user):
    page = open_page(DESKTOP)
    log_in(page, user)
    return page


def test_a_hot_spot_is_taken_on_worked_with_a_department_called_in_solved_and_struck_off(
    open_page, city: City
) -> None:
    for _ in range(3):  # the same address again and again: a hot spot
        factories.order_in(OrderStatus.DISPATCHED, city)
    department = next(iter(city.departments.values()))

    dispatcher = staff(open_page, city.dispatcher)
    dispatcher.goto("/dashboard/")
    dispatcher.locator("#findings tr", has_text=HOT_SPOT).locator("a.propose").click()
    assert HOT_SPOT in dispatcher.input_value("#propose [name=title]")
    screenshot(dispatcher, "problem-propose-1440x900")
    dispatcher.click("#propose button[type=submit]")
    dispatcher.wait_for_url("**/problems/*/")
    problem = Problem.objects.get()
    assert (problem.source, problem.status) == (Source.FINDING, Status.PROPOSED)
    assert HOT_SPOT in problem.source_ref and problem.links.count() == 3

    leader = staff(open_page, city.supervisor)
    deadline = timezone.localdate() + timedelta(days=30)
    act(
        leader,
        problem,
        "accept",
        fill={"deadline": deadline.isoformat()},
        select={"leader": str(city.supervisor.pk), "lead_unit": str(city.streets[0].pk)},
    )
    act(leader, problem, "start", fill={"note": "成立专班"})

    lead_unit = staff(open_page, city.lead())
    act(
        lead_unit,
        problem,
        "call_in",
        fill={"reason": "垃圾收集点选址需要部门配合"},
        select={"unit": str(department.pk)},
    )
    call = problem.call_ins.get()

    called = staff(open_page, city.handler(department))
    called.goto("/problems/")
    assert problem.title in called.inner_text("#problems")  # in view once called in
    act(
        called,
        problem,
        "report_in",
        fill={"part": "负责收集点审批"},
        select={"call": str(call.pk)},
    )
    act(
        called,
        problem,
        "report_done",
        fill={"result": "已批复新收集点"},
        select={"call": str(call.pk)},
    )

    held = timezone.localtime(clock.now() - timedelta(hours=1))
    act(
        lead_unit,
        problem,
        "hold_meeting",
        fill={
            "held_at": f"{held:%Y-%m-%d %H:%M}",
            "place": "东城1街道办",
            "decisions": "新收集点下周启用，每日清运两次",
        },
        select={"units": [str(city.streets[0].pk), str(department.pk)]},
    )
    act(leader, problem, "resolve", fill={"note": "新收集点启用，一周未再堆放"})
    leader.goto(f"/problems/{problem.pk}/")
    leader.wait_for_selector("#before-after svg path", state="attached")  # ECharts drew it
    assert "已解决（观察期）" in leader.inner_text("#status")
    assert "按时" in leader.inner_text("#call-ins")
    assert "每日清运两次" in leader.inner_text("#meetings")
    screenshot(leader, "problem-page-1440x900")

    problem.refresh_from_db()
    with clock.frozen_at(clock.now() + timedelta(weeks=problem.watch_weeks, hours=1)):
        assert services.watch_problems()["problems verified"] == 1
    leader.goto(f"/problems/{problem.pk}/")
    assert "已销号" in leader.inner_text("#status")
    assert list(problem.events.values_list("action", flat=True)) == [
        "propose",
        "accept",
        "start",
        "call_in",
        "report_in",
        "report_done",
        "hold_meeting",
        "resolve",
        "verify",
    ]
