"""Problems through the API: the register and its filters, one problem with everything on it,
every action, bad input refused with nothing changed, stale versions, and what is out of view."""

from datetime import date, timedelta

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.core import clock
from hotline.orders.workflow import Status as OrderStatus
from hotline.problems.models import Batch, CallIn, Campaign, Measure, Problem, ProblemEvent
from hotline.problems.workflow import Action, Status
from tests import factories
from tests.factories import City
from tests.problems.make import problem_in

pytestmark = pytest.mark.django_db

LATER = date.today() + timedelta(days=30)


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=user)}"}


def post(client: Client, path: str, body: dict, user) -> object:
    return client.post(f"/api/v1{path}", body, content_type="application/json", **auth(user))


def act(client: Client, p: Problem | int, action: str, body: dict, user) -> object:
    pk = p if isinstance(p, int) else p.pk
    return post(client, f"/problems/{pk}/{action}", body, user)


def unchanged(p: Problem) -> tuple[int, str, int]:
    p.refresh_from_db()
    return p.version, p.status, ProblemEvent.objects.filter(problem=p).count()


def refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    if field is not None:
        assert field in body["errors"], body
    return body


# --- a whole life ---------------------------------------------------------------------------------


def test_a_problem_lives_its_whole_life_through_the_api(client: Client, city: City) -> None:
    lead, supervisor = city.lead(), city.supervisor
    order = factories.order_in(OrderStatus.DISPATCHED, city)
    department = next(iter(city.departments.values()))
    proposed = post(
        client,
        "/problems",
        {"title": "东城1路垃圾屡清屡堆", "source": "orders", "orders": [order.number]},
        lead,
    )
    assert proposed.status_code == 201, proposed.content
    pk = proposed.json()["id"]
    deadline = (clock.now() + timedelta(days=60)).isoformat()
    steps = [
        (supervisor, "accept", {"leader": supervisor.pk, "lead_unit": city.streets[0].pk,
                                "deadline": deadline, "watch_weeks": 2}),
        (lead, "start", {"note": "成立专班"}),
        (lead, "hold_meeting", {"held_at": clock.now().isoformat(), "place": "街道会议室",
                                "units": [city.streets[0].pk, department.pk],
                                "decisions": "增设清运点"}),
        (lead, "note_progress", {"text": "已约谈物业"}),
        (lead, "unlink_order", {"order": order.number, "reason": "不属同一问题"}),
        (lead, "link_order", {"order": order.number, "reason": "同一问题"}),
        (lead, "call_in", {"unit": department.pk, "reason": "请派员到场"}),
    ]  # fmt: skip
    for actor, action, body in steps:
        response = act(client, pk, action, body, actor)
        assert response.status_code == 200, (action, response.json())
    problem = response.json()
    meeting, call = problem["meetings"][0]["id"], problem["call_ins"][0]["id"]
    response = act(
        client, pk, "add_measure",
        {"text": "增设清运点", "unit": city.streets[0].pk, "due": LATER.isoformat(),
         "meeting": meeting},
        lead,
    )  # fmt: skip
    measure = response.json()["measures"][0]
    assert (measure["meeting"], measure["state"]) == (meeting, "open")
    called = city.lead(department)
    for actor, action, body in [
        (called, "report_in", {"call_in": call, "part": "负责管线检测"}),
        (called, "report_done", {"call_in": call, "result": "管线已疏通"}),
        (city.handler(), "finish_measure", {"measure": measure["id"], "evidence": "照片已上传"}),
        (supervisor, "resolve", {"note": "清运点已建成"}),
    ]:
        response = act(client, pk, action, body, actor)
        assert response.status_code == 200, (action, response.json())
    assert response.json()["status"] == "resolved"
    with clock.frozen_at(clock.now() + timedelta(weeks=2, hours=1)):
        response = act(client, pk, "verify", {}, supervisor)
    assert response.status_code == 200, response.json()
    problem = response.json()
    assert problem["status"] == "verified" and problem["verified_at"] is not None
    assert [e["action"] for e in problem["timeline"]] == [
        "propose", "accept", "start", "hold_meeting", "note_progress", "unlink_order",
        "link_order", "call_in", "add_measure", "report_in", "report_done", "finish_measure",
        "resolve", "verify",
    ]  # fmt: skip
    assert problem["version"] == len(problem["timeline"])
    assert problem["call_ins"][0]["result"] == "管线已疏通"
    assert problem["measures"][0]["evidence"] == "照片已上传"
    assert [(link["order"], link["unlinked_at"] is None) for link in problem["links"]] == [
        (order.number, False),
        (order.number, True),
    ]
    assert problem["orders"] == 1


def test_each_remaining_action_through_the_api(client: Client, city: City) -> None:
    rejected = act(
        client, problem_in(Status.PROPOSED, city), "reject", {"reason": "属单个工单可办"},
        city.supervisor,
    )  # fmt: skip
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    recurred = act(client, problem_in(Status.RESOLVED, city), "recur", {}, city.supervisor)
    assert recurred.status_code == 200 and recurred.json()["status"] == "recurred"
    restarted = act(client, recurred.json()["id"], "start", {}, city.lead())
    assert restarted.status_code == 200 and restarted.json()["status"] == "in_progress"


def test_one_problem_comes_with_its_weeks_before_and_after(client: Client, city: City) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    body = client.get(f"/api/v1/problems/{p.pk}", **auth(city.lead())).json()
    assert len(body["weeks"]["before"]) == len(body["weeks"]["after"]) == 8
    assert body["leader"]["id"] == city.supervisor.pk
    assert body["lead_unit"] == {"id": city.streets[0].pk, "name": city.streets[0].name}


# --- the register ---------------------------------------------------------------------------------


def test_the_register_filters_by_status_leader_batch_campaign_and_overdue(
    client: Client, city: City
) -> None:
    proposed = problem_in(Status.PROPOSED, city)
    working = problem_in(Status.IN_PROGRESS, city)
    batch = Batch.objects.create(name="第一批", target=LATER)
    Problem.objects.filter(pk=working.pk).update(batch=batch)
    campaign = Campaign.objects.create(
        name="垃圾清运专项", starts=date.today(), ends=LATER, target_drop=30
    )
    campaign.problems.add(proposed)
    headers = auth(city.dispatcher)

    def ids(**filters: object) -> list[int]:
        page = client.get("/api/v1/problems", filters, **headers).json()
        assert page["count"] == len(page["items"])
        return [p["id"] for p in page["items"]]

    assert ids() == [working.pk, proposed.pk]
    assert ids(status="proposed") == [proposed.pk]
    assert ids(leader=city.supervisor.pk) == [working.pk]
    assert ids(batch=batch.pk) == [working.pk]
    assert ids(campaign=campaign.pk) == [proposed.pk]
    assert ids(overdue=True) == []
    with clock.frozen_at(clock.now() + timedelta(days=61)):
        assert ids(overdue=True) == [working.pk]


def test_a_bad_filter_is_a_422_naming_it(client: Client, city: City) -> None:
    response = client.get(
        "/api/v1/problems", {"status": "nonsense", "limit": 0}, **auth(city.dispatcher)
    )
    assert {"status", "limit"} <= set(refused(response, 422)["errors"])


# --- bad input changes nothing --------------------------------------------------------------------


def test_a_measure_without_a_unit_is_a_422_and_changes_nothing(client: Client, city: City) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    before = unchanged(p)
    response = act(
        client, p, "add_measure", {"text": "拆除", "due": LATER.isoformat()}, city.lead()
    )
    assert "责任单位" in refused(response, 422, "unit")["errors"]["unit"]
    assert unchanged(p) == before and not Measure.objects.exists()


def test_a_measure_due_in_the_past_or_of_an_unknown_unit_is_a_422(
    client: Client, city: City
) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    body = {"text": "拆除", "unit": city.streets[0].pk, "due": "2020-01-01"}
    refused(act(client, p, "add_measure", body, city.lead()), 422, "due")
    body |= {"unit": 987654, "due": LATER.isoformat()}
    refused(act(client, p, "add_measure", body, city.lead()), 422, "unit")
    assert not Measure.objects.exists()


def test_calling_in_the_lead_unit_itself_is_a_422_and_changes_nothing(
    client: Client, city: City
) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    before = unchanged(p)
    body = {"unit": city.streets[0].pk, "reason": "请协助"}
    assert (
        "牵头单位" in refused(act(client, p, "call_in", body, city.lead()), 422, "unit")["message"]
    )
    assert unchanged(p) == before and not CallIn.objects.exists()


def test_accepting_with_a_deadline_in_the_past_is_a_422_and_changes_nothing(
    client: Client, city: City
) -> None:
    p = problem_in(Status.PROPOSED, city)
    before = unchanged(p)
    body = {
        "leader": city.supervisor.pk,
        "lead_unit": city.streets[0].pk,
        "deadline": (clock.now() - timedelta(hours=1)).isoformat(),
    }
    refused(act(client, p, "accept", body, city.supervisor), 422, "deadline")
    assert unchanged(p) == before


def test_accepting_with_a_leader_who_is_not_a_supervisor_is_a_422(
    client: Client, city: City
) -> None:
    p = problem_in(Status.PROPOSED, city)
    body = {
        "leader": city.handler().pk,
        "lead_unit": city.streets[0].pk,
        "deadline": (clock.now() + timedelta(days=9)).isoformat(),
    }
    refused(act(client, p, "accept", body, city.supervisor), 422, "leader")
    body["leader"] = 987654
    refused(act(client, p, "accept", body, city.supervisor), 422, "leader")
    assert unchanged(p)[1] == Status.PROPOSED


def test_linking_an_order_the_actor_cannot_see_is_a_422_and_changes_nothing(
    client: Client, city: City
) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    elsewhere = factories.order_in(
        OrderStatus.DISPATCHED, city, address="西城2路", category_code="01.01"
    )
    before = unchanged(p)
    body = {"order": elsewhere.number, "reason": "同一问题"}
    response = act(client, p, "link_order", body, city.lead())
    assert elsewhere.number in refused(response, 422, "order")["errors"]["order"]
    refused(act(client, p, "link_order", body | {"order": "NO-SUCH"}, city.lead()), 422, "order")
    assert unchanged(p) == before and not p.links.exists()


def test_verifying_before_the_watch_ends_is_refused_with_its_end_and_changes_nothing(
    client: Client, city: City
) -> None:
    p = problem_in(Status.RESOLVED, city)
    before = unchanged(p)
    body = refused(act(client, p, "verify", {}, city.supervisor), 409)
    assert body["code"] == "transition_not_allowed" and "观察期到" in body["reason"]
    assert unchanged(p) == before


def test_a_measure_or_call_in_of_another_problem_is_a_422(client: Client, city: City) -> None:
    p, other = problem_in(Status.IN_PROGRESS, city), problem_in(Status.IN_PROGRESS, city)
    department = next(iter(city.departments.values()))
    for problem in (p, other):  # the department sees both
        call = act(
            client, problem, "call_in", {"unit": department.pk, "reason": "请协助"}, city.lead()
        )
    call_id = call.json()["call_ins"][0]["id"]  # other's
    body = {"call_in": call_id, "part": "负责检测"}
    refused(act(client, p, "report_in", body, city.lead(department)), 422, "call_in")
    measure = act(
        client, other, "add_measure",
        {"text": "拆除", "unit": city.streets[0].pk, "due": LATER.isoformat()}, city.lead(),
    ).json()["measures"][0]["id"]  # fmt: skip
    body = {"measure": measure, "evidence": "已拆除"}
    refused(act(client, p, "finish_measure", body, city.lead()), 422, "measure")


def test_proposing_without_a_title_or_from_unseen_orders_is_a_422(
    client: Client, city: City
) -> None:
    elsewhere = factories.order_in(
        OrderStatus.DISPATCHED, city, address="西城2路", category_code="01.01"
    )
    refused(
        post(client, "/problems", {"title": " ", "source": "manual"}, city.lead()), 422, "title"
    )
    body = {"title": "噪音", "source": "orders", "orders": [elsewhere.number]}
    refused(post(client, "/problems", body, city.lead()), 422, "orders")
    assert not Problem.objects.exists()


# --- versions, roles, reach -----------------------------------------------------------------------


def test_a_stale_version_is_a_409_naming_both_and_changes_nothing(
    client: Client, city: City
) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    seen = p.version
    assert (
        act(
            client, p, "note_progress", {"text": "已约谈", "version": seen}, city.lead()
        ).status_code
        == 200
    )
    p.refresh_from_db()
    before = unchanged(p)
    response = act(client, p, "note_progress", {"text": "又一次", "version": seen}, city.lead())
    body = refused(response, 409)
    assert body["code"] == "conflict" and f"第 {seen + 1} 版" in body["reason"]
    assert unchanged(p) == before
    current = {"text": "又一次", "version": p.version}
    assert act(client, p, "note_progress", current, city.lead()).status_code == 200


def test_a_problem_out_of_view_is_neither_listed_nor_read_nor_acted_on(
    client: Client, city: City
) -> None:
    p = problem_in(Status.IN_PROGRESS, city)  # streets[0]'s
    sibling = city.lead(city.streets[1])
    before = unchanged(p)
    assert client.get("/api/v1/problems", **auth(sibling)).json()["count"] == 0
    assert client.get(f"/api/v1/problems/{p.pk}", **auth(sibling)).status_code == 404
    refused(act(client, p, "note_progress", {"text": "看看"}, sibling), 404)
    refused(act(client, 987654, "note_progress", {"text": "看看"}, city.supervisor), 404)
    assert unchanged(p) == before


def test_roles_the_tables_refuse_are_a_403_and_anonymous_a_401(client: Client, city: City) -> None:
    p = problem_in(Status.IN_PROGRESS, city)
    before = unchanged(p)
    refused(act(client, p, "note_progress", {"text": "看看"}, city.operator), 403)  # no capability
    refused(act(client, p, "resolve", {"note": "已解决"}, city.lead()), 403)  # the table's role
    refused(post(client, "/problems", {"title": "噪音", "source": "manual"}, city.handler()), 403)
    department = next(iter(city.departments.values()))
    call = act(client, p, "call_in", {"unit": department.pk, "reason": "请协助"}, city.lead())
    body = {"call_in": call.json()["call_ins"][0]["id"], "part": "负责"}
    refused(act(client, p, "report_in", body, city.lead()), 403)  # not the unit called in
    anonymous = client.post(
        f"/api/v1/problems/{p.pk}/note_progress", {"text": "看看"}, content_type="application/json"
    )
    refused(anonymous, 401)
    assert client.get("/api/v1/problems").status_code == 401
    assert unchanged(p)[2] == before[2] + 1  # only the call-in


def test_an_action_the_state_refuses_is_a_409(client: Client, city: City) -> None:
    p = problem_in(Status.PROPOSED, city)
    body = refused(act(client, p, "resolve", {"note": "已解决"}, city.supervisor), 409)
    assert body["code"] == "transition_not_allowed"


def test_every_action_has_its_operation_in_the_document(client: Client, city: City) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {f"/api/v1/problems/{{id}}/{a}" for a in Action if a != Action.PROPOSE} <= set(paths)
    assert {"get", "post"} <= set(paths["/api/v1/problems"])
