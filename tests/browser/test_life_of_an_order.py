"""The whole life of one order through the pages only, each person in their own browser."""

import pytest

from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests.factories import City

from .conftest import DESKTOP, PHONE, log_in, screenshot, submit_in_portal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def act(page, number: str, action: str, fill=None, select=None, check=()) -> None:
    """Open the order's page, open one action's form, fill it in and send it."""
    page.goto(f"/orders/{number}/")
    form = page.locator(f"#action-{action}")
    form.locator("summary").click()
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, label in (select or {}).items():
        form.locator(f"select[name={name}]").select_option(label=label)
    for name in check:
        form.locator(f"[name={name}]").check()
    form.locator("button[type=submit]").click()
    assert "已" in page.inner_text(".flash"), page.inner_text("main")


def staff(open_page, user, name: str):
    page = open_page(DESKTOP)
    log_in(page, user)
    screenshot(page, f"{name}-home-1440x900")
    return page


def test_a_portal_request_lives_through_dispatch_handling_an_unsatisfied_visit_a_reopening_and_closes(  # noqa: E501  (the test's name)
    open_page, city: City, model_in_use: ModelVersion
) -> None:
    citizen = open_page(PHONE)
    number = submit_in_portal(
        citizen,
        "东城1路11小区门口垃圾三天没人清运，味道很大，请尽快处理",
        "东城1路11小区",
        "13912345678",
    )

    operator = staff(open_page, city.operator, "operator")
    assert number in operator.inner_text(
        "main"
    )  # the newest order: first on the operator's home page
    dispatcher = staff(open_page, city.dispatcher, "dispatcher")
    assert number in dispatcher.inner_text("main")
    act(dispatcher, number, "dispatch", select={"unit": "东城1街道"})

    handler = staff(open_page, city.handler(), "handler")
    assert number in handler.inner_text("main")
    act(handler, number, "accept")
    act(handler, number, "record_contact", fill={"note": "已电话联系王女士"})
    act(handler, number, "reply", fill={"result": "已安排环卫清运"}, check=["solved"])
    act(dispatcher, number, "approve_reply")

    visitor = staff(open_page, city.visitor, "visitor")
    assert number in visitor.inner_text("main")
    act(visitor, number, "visit", select={"satisfaction": "不满意"})
    act(visitor, number, "reopen", fill={"reason": "市民反映垃圾仍未清运"})

    act(handler, number, "accept")
    act(handler, number, "reply", fill={"result": "已清运完毕并安排每日巡查"}, check=["solved"])
    act(dispatcher, number, "approve_reply")
    act(visitor, number, "visit", select={"satisfaction": "满意"}, check=["resolved"])
    screenshot(visitor, "order-page-1440x900")

    order = WorkOrder.objects.get(number=number)
    assert (order.status, order.satisfaction, order.resolved, order.reopen_count) == (
        Status.CLOSED,
        "satisfied",
        True,
        1,
    )
    assert list(order.events.values_list("action", flat=True)) == [
        "register",
        "dispatch",
        "accept",
        "record_contact",
        "reply",
        "approve_reply",
        "visit",
        "reopen",
        "accept",
        "reply",
        "approve_reply",
        "visit",
    ]
    supervisor = staff(open_page, city.supervisor, "supervisor")
    assert "超期和督办中的工单" in supervisor.inner_text("main")
    supervisor.goto("/dashboard/")
    supervisor.wait_for_selector("#per-day svg path", state="attached")  # ECharts drew the chart
    screenshot(supervisor, "supervisor-dashboard-1440x900")
    citizen.goto("/portal/track/")
    citizen.fill("input[name=number]", number)
    citizen.fill("input[name=phone]", "13912345678")
    citizen.click("main button[type=submit]")
    assert "已办结" in citizen.inner_text("main")


def test_an_operator_answers_a_consultation_on_the_spot_from_the_intake_page(
    open_page, city: City, model_in_use: ModelVersion
) -> None:
    operator = open_page(DESKTOP)
    log_in(operator, city.operator)
    operator.goto("/intake/")
    operator.fill("[name=text]", "请问办理居住证需要带哪些材料？")
    operator.fill("[name=caller_phone]", "13912345678")
    operator.select_option("[name=order_type]", "consultation")
    operator.fill("[name=answer]", "携带身份证、居住证明和照片到社区服务中心办理。")
    screenshot(operator, "operator-intake-1440x900")
    operator.click("[name=answer_now]")
    operator.wait_for_url("**/orders/*/")
    order = WorkOrder.objects.get()
    assert (order.status, order.order_type) == (Status.CLOSED, "consultation")
    assert list(order.events.values_list("action", flat=True)) == ["register", "answer_on_the_spot"]


def test_an_operator_registers_a_call_with_the_keyboard_alone(
    open_page, city: City, model_in_use: ModelVersion
) -> None:
    operator = open_page(DESKTOP)
    log_in(operator, city.operator)
    operator.goto("/intake/")
    keys = operator.keyboard
    keys.type("东城1路11小区门口垃圾三天没人清运，味道很大")  # the text box has the focus
    keys.press("Tab")
    keys.type("东城1路11小区")
    operator.wait_for_selector("[data-key='1']")  # the suggestions came while typing
    suggested = operator.get_attribute("[data-key='1']", "data-value")
    keys.press("Alt+1")  # take the first category
    keys.press("Alt+s")  # register and send to dispatch
    operator.wait_for_url("**/orders/*/")
    order = WorkOrder.objects.get()
    assert (order.category.code, order.address, order.status) == (
        suggested,
        "东城1路11小区",
        Status.REGISTERED,
    )
    assert order.suggestions["category"]["code"] == suggested
