"""The problem pages: the register and its filters, a problem's page, its actions as forms, and
proposing one from the dashboard's findings."""

from datetime import timedelta

import pytest
from django.test import Client

from hotline.core import clock
from hotline.orders.workflow import Status as OrderStatus
from hotline.problems import services
from hotline.problems.models import Batch, Campaign, Problem, Source
from hotline.problems.workflow import Status
from tests import factories
from tests.factories import City
from tests.problems.make import problem_in

pytestmark = pytest.mark.django_db


def _as(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_register_filters_by_leader_batch_campaign_status_and_overdue(
    client: Client, city: City
) -> None:
    batch = Batch.objects.create(name="第一批", target=clock.now().date() + timedelta(days=90))
    in_batch = problem_in(Status.ACCEPTED, city, title="东城1路垃圾屡清屡堆")
    Problem.objects.filter(pk=in_batch.pk).update(batch=batch)
    proposed = problem_in(Status.PROPOSED, city, title="西城2路夜间施工扰民")
    late = problem_in(Status.IN_PROGRESS, city, title="东城2路积水")
    Problem.objects.filter(pk=late.pk).update(deadline=clock.now() - timedelta(days=1))
    campaign = Campaign.objects.create(
        name="垃圾清运专项", starts=clock.now().date(), ends=clock.now().date(), target_drop=30
    )
    campaign.problems.add(late)
    page = _as(client, city.dispatcher)

    def titles(query: str) -> set[str]:
        body = page.get(f"/problems/?{query}").content.decode()
        return {
            t for t in ("东城1路垃圾屡清屡堆", "西城2路夜间施工扰民", "东城2路积水") if t in body
        }

    assert titles("") == {"东城1路垃圾屡清屡堆", "西城2路夜间施工扰民", "东城2路积水"}
    assert titles(f"batch={batch.pk}") == {"东城1路垃圾屡清屡堆"}
    assert titles(f"status={Status.PROPOSED}") == {"西城2路夜间施工扰民"}
    assert titles("overdue=on") == {"东城2路积水"}
    assert titles(f"campaign={campaign.pk}") == {"东城2路积水"}
    assert titles(f"leader={city.supervisor.pk}") == {"东城1路垃圾屡清屡堆", "东城2路积水"}
    assert proposed.pk and page.get("/problems/?leader=nobody").status_code == 400


def test_the_problem_page_shows_its_plan_call_ins_meetings_orders_and_timeline(
    client: Client, city: City
) -> None:
    problem = problem_in(Status.IN_PROGRESS, city)
    order = factories.order_in(OrderStatus.DISPATCHED, city)
    lead = city.lead()
    problem = services.link_order(problem=problem, actor=lead, order=order, reason="同一地点")
    services.add_measure(
        problem=problem,
        actor=lead,
        text="增设垃圾收集点",
        unit=city.streets[0],
        due=clock.now().date() + timedelta(days=7),
    )
    problem.refresh_from_db()
    water = city.departments["市水务局"] if "市水务局" in city.departments else city.streets[1]
    services.call_in(problem=problem, actor=lead, unit=water, reason="管网改造")
    problem.refresh_from_db()
    services.hold_meeting(
        problem=problem,
        actor=lead,
        held_at=clock.now(),
        place="东城1街道办",
        units=[city.streets[0], water],
        decisions="每日清运两次",
    )
    body = _as(client, city.dispatcher).get(f"/problems/{problem.pk}/").content.decode()
    for shown in (
        "东城1路垃圾屡清屡堆",
        "攻坚中",
        "增设垃圾收集点",
        "管网改造",
        "待报到",
        "每日清运两次",
        f"/orders/{order.number}/",
        "开始攻坚",
        'id="before-after"',
        'id="chart"',
    ):
        assert shown in body, shown


def test_an_action_through_its_form_changes_the_problem(client: Client, city: City) -> None:
    problem = problem_in(Status.PROPOSED, city)
    answer = _as(client, city.supervisor).post(
        f"/problems/{problem.pk}/accept/",
        {
            "version": problem.version,
            "leader": city.supervisor.pk,
            "lead_unit": city.streets[0].pk,
            "deadline": (clock.now() + timedelta(days=30)).date().isoformat(),
        },
    )
    assert answer.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.leader, problem.lead_unit) == (
        Status.ACCEPTED,
        city.supervisor,
        city.streets[0],
    )
    assert "已立项" in client.get(answer["Location"]).content.decode()


def test_a_refused_action_says_why_and_changes_nothing(client: Client, city: City) -> None:
    problem = problem_in(Status.IN_PROGRESS, city)
    services.add_measure(
        problem=problem,
        actor=city.supervisor,
        text="增设垃圾收集点",
        unit=city.streets[0],
        due=clock.now().date() + timedelta(days=7),
    )
    problem.refresh_from_db()
    answer = _as(client, city.supervisor).post(
        f"/problems/{problem.pk}/resolve/", {"version": problem.version, "note": "已解决"}
    )
    assert answer.status_code == 409
    assert "还有未完成的措施" in answer.content.decode()
    stale = client.post(
        f"/problems/{problem.pk}/note_progress/", {"version": problem.version - 1, "text": "进展"}
    )
    assert stale.status_code == 409 and "请刷新后重试" in stale.content.decode()
    after = Problem.objects.get(pk=problem.pk)
    assert (after.status, after.version) == (Status.IN_PROGRESS, problem.version)


def test_a_problem_out_of_view_answers_404(client: Client, city: City) -> None:
    problem = problem_in(Status.IN_PROGRESS, city)
    other = _as(client, city.lead(city.streets[3]))
    assert other.get(f"/problems/{problem.pk}/").status_code == 404
    assert other.post(f"/problems/{problem.pk}/note_progress/", {"text": "x"}).status_code == 404
    assert "东城1路垃圾屡清屡堆" not in other.get("/problems/").content.decode()


def test_a_hot_spot_on_the_dashboard_becomes_a_problem(client: Client, city: City) -> None:
    numbers = [factories.order_in(OrderStatus.DISPATCHED, city).number for _ in range(3)]
    page = _as(client, city.dispatcher).get("/dashboard/").content.decode()
    assert "立为难题" in page and "东城1路11小区3栋" in page and numbers[0] in page
    prefilled = client.get(
        "/problems/propose/",
        {"title": "东城1路11小区3栋 反复诉求", "source": "finding", "source_ref": "重复地址"},
    ).content.decode()
    assert 'value="东城1路11小区3栋 反复诉求"' in prefilled
    answer = client.post(
        "/problems/propose/",
        {
            "title": "东城1路11小区3栋 反复诉求",
            "source": Source.FINDING,
            "source_ref": "重复地址：东城1路11小区3栋",
            "area": city.streets[0].pk,
            "orders": ",".join(numbers),
        },
    )
    assert answer.status_code == 302
    problem = Problem.objects.get()
    assert sorted(problem.links.values_list("order__number", flat=True)) == sorted(numbers)
    assert (problem.source, problem.status, problem.area) == (
        Source.FINDING,
        Status.PROPOSED,
        city.streets[0],
    )


def test_a_finding_proposed_without_naming_it_is_refused(client: Client, city: City) -> None:
    answer = _as(client, city.dispatcher).post(
        "/problems/propose/", {"title": "垃圾", "source": Source.FINDING}
    )
    assert answer.status_code == 422 and "须注明是哪一项发现" in answer.content.decode()
    assert not Problem.objects.exists()


def test_the_campaign_page_shows_its_problems_and_weeks(client: Client, city: City) -> None:
    campaign = Campaign.objects.create(
        name="垃圾清运专项",
        starts=clock.now().date() - timedelta(days=14),
        ends=clock.now().date() + timedelta(days=30),
        target_drop=30,
    )
    campaign.problems.add(problem_in(Status.IN_PROGRESS, city))
    body = _as(client, city.dispatcher).get(f"/problems/campaigns/{campaign.pk}/").content
    assert "东城1路垃圾屡清屡堆" in body.decode() and b'id="campaign-weeks"' in body


def test_a_sudden_rise_is_offered_as_a_problem_of_its_category(client: Client, city: City) -> None:
    from hotline.problems.selectors import findings

    for _ in range(5):  # this week, after half a year without one
        factories.order_in(OrderStatus.DISPATCHED, city)
    rises = [f for f in findings(city.dispatcher) if f["kind"] == "突增诉求"]
    assert [(f["label"], f["orders"]) for f in rises] == [("垃圾清运", 5)]
    page = _as(client, city.dispatcher).get("/dashboard/").content.decode()
    assert "突增诉求" in page and "source=finding" in page


def test_a_selection_of_orders_is_proposed_as_one_problem(client: Client, city: City) -> None:
    numbers = [factories.order_in(OrderStatus.DISPATCHED, city).number for _ in range(2)]
    page = _as(client, city.dispatcher).get("/orders/", {"numbers": ",".join(numbers)})
    assert 'id="propose-from-orders"' in page.content.decode()
    form = client.get("/problems/propose/", {"source": "orders", "orders": ",".join(numbers)})
    assert ",".join(numbers) in form.content.decode()
    answer = client.post(
        "/problems/propose/",
        {"title": "东城1路垃圾", "source": Source.ORDERS, "orders": ",".join(numbers)},
    )
    assert answer.status_code == 302
    assert Problem.objects.get().links.count() == 2
