"""The permission walk: every role × every endpoint × the orders of its own, a sibling, the parent
and a child unit, each answer held to the permission table the code uses.

The endpoints are found, not listed: every URL pattern of the site (its view carries the
capability it was given with ``@requires``), every operation of the API's OpenAPI schema, and
every lifecycle action on both. An endpoint that is neither marked nor in ``PUBLIC`` fails
``test_every_endpoint_is_covered_by_the_table``. Problems (难题) are walked the same way through
the API: the problems of the own, a sibling, the parent and a child unit as their lead unit, and
of a sibling that called the own unit in; their reach is what ``visible_problems`` promises.

Expected answers, from the table alone: anonymous → the login page (pages) or 401 (API); a role
without the capability → 403; an order outside the user's reach → 404 (its existence is not
revealed); an action the order's state does not allow → 409; a role or reach the transition
table does not allow → 403; otherwise it is done (2xx/3xx), or the input is judged (400/422).

The city is built once for the module inside a transaction that is rolled back at its end; each
request's changes are rolled back with its test.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from hotline.api.api import api
from hotline.api.services import create_token
from hotline.core import clock
from hotline.core.lifecycle import Refusal, refused_by
from hotline.orders import services
from hotline.orders.workflow import TRANSITIONS, Action, Reach, Status
from hotline.org.models import Unit, User
from hotline.org.permissions import PERMISSIONS, Capability, Orders, at_centre, may
from hotline.org.roles import Role
from hotline.problems import services as problem_services
from hotline.problems.models import Campaign, Problem, Source
from hotline.problems.workflow import TRANSITIONS as PROBLEM_TRANSITIONS
from hotline.problems.workflow import Action as ProblemAction
from hotline.problems.workflow import Reach as ProblemReach
from hotline.problems.workflow import Status as ProblemStatus
from hotline.triage.classifier import TriageModel
from tests import factories

pytestmark = pytest.mark.django_db

# Endpoints that ask no capability of the table, and why.
PUBLIC = {
    "login": "signing in",
    "login_code": "the second step of signing in",
    "login_enrol": "enrolment during sign-in",
    "logout": "signing out",
    "set_language": "the 中文 / English switch",
    "admin/login/": "redirects to the staff login",
    # The citizens' portal: no account; an order is tracked with its number and the caller's phone,
    # rated with the survey link's token (hotline/portal has its own tests).
    "portal:submit": "citizens",
    "portal:submitted": "citizens",
    "portal:track": "citizens",
    "portal:rate": "citizens",
    # Open311: published (non-confidential) requests are public; posting takes an api_key whose user
    # may register (checked with may(); see
    # test_open311_posts_need_a_key_of_a_role_that_may_register).
    "open311:discovery": "public",
    "open311:services": "public",
    "open311:service_definition": "public",
    "open311:requests": "public read, keyed post",
    "open311:request": "public",
    "open311:token": "public",
    "open311:no_such_endpoint": (
        "any other address under Open311: 404 in the specification's format"
    ),
}
API_PUBLIC = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
}  # the schema and its viewer describe, and reach, nothing

PERSONAS = [
    "anonymous",
    "operator",
    "dispatcher",
    "visitor",
    "supervisor",
    "handler",
    "lead",
    "admin",
    "superuser",
]
RELATIONS = ["own", "sibling", "parent", "child", "cohandled", "unassigned"]
UNIT_STATES = [
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.RETURNED,
    Status.REPLIED,
    Status.PENDING_VISIT,
    Status.CLOSED,
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@dataclass
class World:
    city: factories.City
    people: dict[str, User]
    tokens: dict[str, str]
    cookies: dict[str, dict]
    orders: dict[tuple[str, Status], object]  # (relation, status) → order
    attachments: dict[str, int]  # relation → an attachment of its ACCEPTED (or REGISTERED) order
    master: object
    problems: dict[tuple[str, str], Problem] = field(default_factory=dict)  # see _problems
    measures: dict[int, int] = field(default_factory=dict)  # problem → its open measure
    calls: dict[int, dict[str, int]] = field(default_factory=dict)  # problem → "open"/"reported"
    problem_order: object = None  # linked to every problem: unlinking it is possible
    campaign: Campaign | None = None


def _drive(c, unit, state, cohandlers=()):
    o = factories.register(c)
    if state == Status.REGISTERED:
        return o
    if state == Status.PENDING_DISPATCH:
        return services.review_order(order=o, actor=c.dispatcher)
    o = services.dispatch_order(order=o, actor=c.dispatcher, unit=unit, cohandlers=cohandlers)
    if state == Status.DISPATCHED:
        return o
    handler = c.handler(unit)
    if state == Status.RETURNED:
        return services.request_return(order=o, actor=handler, reason="不属于本单位职责")
    o = services.accept_order(order=o, actor=handler)
    if state == Status.ACCEPTED:
        return o
    o = services.reply_order(order=o, actor=handler, result="已清运完毕", solved=True)
    if state == Status.REPLIED:
        return o
    o = services.approve_reply(order=o, actor=c.dispatcher)
    if state == Status.PENDING_VISIT:
        return o
    return services.visit_order(order=o, actor=c.visitor, resolved=True, satisfaction="satisfied")


def _build() -> World:
    c = factories.city()
    own, sibling, parent, child = c.streets[0], c.streets[1], c.districts[0], c.team
    people = {
        "operator": c.operator,
        "dispatcher": c.dispatcher,
        "visitor": c.visitor,
        "supervisor": c.supervisor,
        "handler": c.handler(own),
        "lead": c.lead(own),
        "admin": User.objects.create_user(
            username="admin-walk", password="x", role=Role.ADMIN, is_staff=True
        ),
        "superuser": User.objects.create_superuser(
            username="root-walk", password="x", role=Role.ADMIN
        ),
    }
    orders = {}
    for relation, unit in {
        "own": own,
        "sibling": sibling,
        "parent": parent,
        "child": child,
    }.items():
        for state in UNIT_STATES:
            orders[relation, state] = _drive(c, unit, state)
    orders["cohandled", Status.ACCEPTED] = _drive(c, sibling, Status.ACCEPTED, cohandlers=[own])
    for state in (Status.REGISTERED, Status.PENDING_DISPATCH):
        orders["unassigned", state] = _drive(c, None, state)
    attachments = {}
    for relation in RELATIONS:
        photo = SimpleUploadedFile("photo.png", PNG, "image/png")
        if relation == "unassigned":  # before dispatch, files come with the registration
            order = factories.register(c, files=[photo])
            orders[relation, Status.REGISTERED] = order
        else:
            order = services.attach_files(
                order=orders[relation, Status.ACCEPTED], actor=c.operator, files=[photo]
            )
        attachments[relation] = order.attachments.get().pk
    tokens, cookies = {}, {}
    for name, person in people.items():
        tokens[name] = create_token(user=person)
        client = Client()
        client.force_login(person)
        cookies[name] = {k: v.value for k, v in client.cookies.items()}
    w = World(
        c, people, tokens, cookies, orders, attachments, master=_drive(c, None, Status.REGISTERED)
    )
    _problems(w)
    w.campaign = Campaign.objects.create(
        name="walk", starts=clock.now().date(), ends=clock.now().date(), target_drop=20
    )
    return w


PROBLEM_RELATIONS = ["own", "sibling", "parent", "child", "called"]
# The states a problem is walked from, by the key its problems are kept under; "reported": in
# progress, with the call-in already reported in (what reporting done needs).
PROBLEM_STATES = {
    "proposed": ProblemStatus.PROPOSED,
    "accepted": ProblemStatus.ACCEPTED,
    "in_progress": ProblemStatus.IN_PROGRESS,
    "resolved": ProblemStatus.RESOLVED,
    "rejected": ProblemStatus.REJECTED,
}


def _drive_problem(w: World, lead_unit: Unit, key: str, called: Unit | None) -> Problem:
    """A problem of ``lead_unit`` (proposed by its lead, accepted by the supervisor) in the state
    of ``key``, linked to ``w.problem_order``. ACCEPTED: with an open measure; from IN_PROGRESS on:
    a call-in reported in and one open (both to ``called`` when given, in the problems of "called"
    and "reported"), so that every action's input holds and the tables alone decide."""
    c, ps = w.city, problem_services
    p = ps.propose_problem(
        actor=c.lead(lead_unit), title="东城1路垃圾屡清屡堆", source=Source.MANUAL
    )
    p = ps.link_order(problem=p, actor=c.supervisor, order=w.problem_order, reason="同一问题")
    if key == "proposed":
        return p
    if key == "rejected":
        return ps.reject_problem(problem=p, actor=c.supervisor, reason="属单个工单可办")
    p = ps.accept_problem(
        problem=p, actor=c.supervisor, leader=c.supervisor, lead_unit=lead_unit,
        deadline=clock.now() + timedelta(days=60),
    )  # fmt: skip
    if key == "accepted":
        due = clock.now().date() + timedelta(days=30)
        m = ps.add_measure(
            problem=p, actor=c.supervisor, text="增设清运点", unit=lead_unit, due=due
        )
        w.measures[p.pk] = m.pk
        return Problem.objects.get(pk=p.pk)
    p = ps.start_problem(problem=p, actor=c.supervisor)
    calls = w.calls.setdefault(p.pk, {})
    reported = called or c.streets[3]
    if called is None or key == "reported":
        call = ps.call_in(problem=p, actor=c.supervisor, unit=reported, reason="请协助")
        p = Problem.objects.get(pk=p.pk)
        p = ps.report_in(problem=p, actor=c.lead(reported), call=call, part="负责清运")
        calls["reported"] = call.pk
    if called is None or key == "in_progress":
        unit = called or next(iter(c.departments.values()))
        calls["open"] = ps.call_in(problem=p, actor=c.supervisor, unit=unit, reason="请协助").pk
        p = Problem.objects.get(pk=p.pk)
    if key == "resolved":
        p = ps.resolve_problem(problem=p, actor=c.supervisor, note="清运点已建成")
    return p


def _problems(w: World) -> None:
    c = w.city
    w.problem_order = _drive(c, None, Status.REGISTERED)
    leads = {
        "own": c.streets[0],
        "sibling": c.streets[1],
        "parent": c.districts[0],
        "child": c.team,
    }
    for relation, unit in leads.items():
        for key in PROBLEM_STATES:
            w.problems[relation, key] = _drive_problem(w, unit, key, None)
    # A sibling's problems on which the own unit was called in.
    for key in ("in_progress", "reported"):
        w.problems["called", key] = _drive_problem(w, c.streets[1], key, c.streets[0])


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker, small_model: TriageModel):
    from hotline.triage import selectors
    from hotline.triage.models import ModelVersion

    with django_db_blocker.unblock(), transaction.atomic():
        # A stored model, or each registration would train the cold-start one (and roll it back).
        ModelVersion.objects.create(
            source=ModelVersion.Source.CORPUS,
            examples=small_model.info["examples"],
            blob=small_model.to_bytes(),
        )
        selectors._loaded = None
        yield _build()
        transaction.set_rollback(True)
    selectors._loaded = None  # its model is rolled back with the rest


# --- the endpoints, found -----------------------------------------------------------------------


def _patterns(resolvers=None, prefix="", namespace=""):
    for p in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            if p.namespace in ("api", "admin"):
                continue  # the API by its schema below; the admin site by its own rule (is_staff)
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield (
                (f"{namespace}{p.name}" if p.name else prefix + str(p.pattern)),
                (p.callback, prefix + str(p.pattern)),
            )


SITE = {name: view for name, (view, _) in _patterns()}
ROUTES = {name: route for name, (_, route) in _patterns()}


def _api_operations():
    """(method, path) of every operation in the OpenAPI schema → the capability its view was
    given."""
    marked = {}
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    marked[method.lower(), re.sub(r"/+$", "", f"/api/v1{prefix}{path}")] = getattr(
                        op.view_func, "capability", None
                    )
    schema = api.get_openapi_schema()
    return {(m, p): marked.get((m, p)) for p, methods in schema["paths"].items() for m in methods}


API = _api_operations()


def test_every_endpoint_is_covered_by_the_table() -> None:
    unmarked = [
        name
        for name, view in SITE.items()
        if getattr(view, "capability", None) is None and name not in PUBLIC
    ]
    unmarked += [
        f"{m.upper()} {p}" for (m, p), cap in API.items() if cap is None and p not in API_PUBLIC
    ]
    assert not unmarked, (
        f"give these endpoints a capability (@requires) or list them in PUBLIC: {unmarked}"
    )
    assert set(PUBLIC) <= set(SITE), (
        f"PUBLIC names endpoints that no longer exist: {set(PUBLIC) - set(SITE)}"
    )
    assert {c for c in SITE.values() if hasattr(c, "capability")} and all(
        c in PERMISSIONS for c in API.values() if c
    )


# --- what the table expects ----------------------------------------------------------------------


def _sees(w: World, user: User, order) -> bool:
    if may(user, Capability.SEE_CITY):
        return True
    if user.unit_id is None:
        return False
    units = [order.unit, order.handling_unit, *order.cohandlers.all()]
    return any(u is not None and u.path.startswith(user.unit.path) for u in units)


def _at_the_door(w: World, persona: str, capability: Capability) -> str | None:
    """'login' or 'forbidden' before any order or problem matters; None: let in."""
    if persona == "anonymous":
        return "login"
    return None if may(w.people[persona], capability) else "forbidden"


def _expected(
    w: World, persona: str, capability: Capability, order=None, action: Action | None = None
) -> str:
    """'login' | 'forbidden' | 'hidden' | 'state' | 'ok', by the tables alone."""
    if refused := _at_the_door(w, persona, capability):
        return refused
    user = w.people[persona]
    if (
        order is not None
        and PERMISSIONS[capability].orders == Orders.VISIBLE
        and not _sees(w, user, order)
    ):
        return "hidden"
    if action is None:
        return "ok"
    rule = TRANSITIONS[action]
    kind = refused_by(rule.sources, rule.roles, Status(order.status), Role(user.role))
    if kind == Refusal.STATE:
        return "state"
    if kind == Refusal.ROLE:
        return "forbidden"
    reach = TRANSITIONS[action].reach
    cohandlers = {u.pk for u in order.cohandlers.all()}
    within = {
        Reach.VISIBLE: True,
        Reach.UNIT: user.unit_id == order.unit_id,
        Reach.HANDLING: user.unit_id in (order.unit_id, order.handling_unit_id),
        Reach.CO_UNIT: user.unit_id in cohandlers,
    }[reach]
    if not within:
        return "forbidden"
    return "state" if action in GUARDS else "ok"


# Actions with a condition of their own beyond state, role and reach, which the walk's orders do
# not meet: the table lets the actor through, and the condition then refuses (409).
GUARDS = {
    Action.APPROVE_EXTENSION: "no extension was requested",
    Action.DENY_EXTENSION: "no extension was requested",
    Action.CONVERT_TO_CASE: "only an enforcement unit converts to a case; streets[0] is not one",
}

PROBLEM_GUARDS = {
    ProblemAction.VERIFY: "the walk's problems were resolved just now: their watch has not ended",
}
# The operations walked as problems' actions: proposing, and one per later action.
PROBLEM_OPERATIONS = {("post", "/api/v1/problems")} | {
    ("post", f"/api/v1/problems/{{id}}/{a}") for a in ProblemAction if a != ProblemAction.PROPOSE
}


def _sees_problem(user: User, problem: Problem) -> bool:
    if may(user, Capability.SEE_CITY) or problem.leader_id == user.pk:
        return True
    if user.unit_id is None:
        return False
    units = [problem.lead_unit, problem.area, *(c.unit for c in problem.call_ins.all())]
    return any(u is not None and u.path.startswith(user.unit.path) for u in units)


def _expected_on_problem(
    w: World,
    persona: str,
    capability: Capability,
    problem: Problem | None,
    action: ProblemAction | None = None,
) -> str:
    """As ``_expected``, for a problem (None: one being proposed), by the problems' table."""
    if persona == "anonymous":
        return "login"
    user = w.people[persona]
    if not may(user, capability):
        return "forbidden"
    if problem is not None and not _sees_problem(user, problem):
        return "hidden"
    if action is None:
        return "ok"
    rule = PROBLEM_TRANSITIONS[action]
    status = ProblemStatus(problem.status) if problem is not None else None
    kind = refused_by(rule.sources, rule.roles, status, Role(user.role))
    if kind == Refusal.STATE:
        return "state"
    if kind == Refusal.ROLE:
        return "forbidden"
    if problem is not None and not (at_centre(user) or user.pk == problem.leader_id):
        called = {c.unit_id for c in problem.call_ins.all()}
        lead = problem.lead_unit
        within = user.unit_id is not None and (
            user.unit_id in called
            if rule.reach == ProblemReach.CALLED
            else lead is not None and user.unit.path.startswith(lead.path)
        )
        if not within:
            return "forbidden"
    return "state" if action in PROBLEM_GUARDS else "ok"


ANSWERS = {
    "page": {
        "login": {302},
        "forbidden": {403},
        "hidden": {404},
        "state": {409},
        "ok": set(range(200, 400)) | {400, 422},
    },
    "api": {
        "login": {401},
        "forbidden": {403},
        "hidden": {404},
        "state": {409},
        "ok": set(range(200, 300)) | {400, 422},
    },
}


def _client(w: World, persona: str, channel: str) -> Client:
    if channel == "api" and persona != "anonymous":
        return Client(HTTP_AUTHORIZATION=f"Bearer {w.tokens[persona]}")
    client = Client()
    if persona != "anonymous":
        client.cookies.load(w.cookies[persona])
    return client


def _assert(response, channel: str, expected: str, where: str) -> None:
    assert response.status_code in ANSWERS[channel][expected], (
        f"{where}: expected {expected}, got {response.status_code} {response.content[:300]!r}"
    )
    if channel == "page" and expected == "login":
        assert "/login/" in response["Location"]


# --- the walk: pages ----------------------------------------------------------------------------

PAGE_ORDER_KWARGS = {"number"}


def _site_cases():
    for name, view in SITE.items():
        capability = getattr(view, "capability", None)
        if capability is None:
            continue
        kwargs = {a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", ROUTES[name])}
        if "action" in kwargs:
            continue  # walked action by action below
        relations = (
            RELATIONS
            if "number" in kwargs
            else PROBLEM_RELATIONS
            if "problem_id" in kwargs
            else [None]
        )
        for persona in PERSONAS:
            for relation in relations:
                yield pytest.param(name, persona, relation, id=f"{persona}-{name}-{relation}")


# Values for the URL parameters that are not an order (an unknown parameter fails the walk).
PARAMETERS = {"kind": "daily"}


@pytest.mark.parametrize("name,persona,relation", list(_site_cases()))
def test_each_page_answers_as_the_table_says(world, name, persona, relation) -> None:
    capability = SITE[name].capability
    keys = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    problem = world.problems[relation, "in_progress"] if "problem_id" in keys else None
    order = (
        world.orders[relation, Status.REGISTERED if relation == "unassigned" else Status.ACCEPTED]
        if relation and problem is None
        else None
    )
    kwargs = {}
    for key in keys:
        kwargs[key] = {
            "number": order.number if order else None,
            "pk": world.attachments.get(relation),
            "problem_id": problem.pk if problem else None,
            "campaign_id": world.campaign.pk if world.campaign else None,
        }.get(key) or PARAMETERS[key]
    url = reverse(name, kwargs=kwargs)
    client = _client(world, persona, "page")
    response = client.get(url)
    if response.status_code == 405:  # a form that only takes posts: an empty one
        response = client.post(url, {})
    expected = (
        _expected_on_problem(world, persona, capability, problem)
        if problem
        else _expected(world, persona, capability, order)
    )
    _assert(response, "page", expected, f"{persona} {name} {relation}")


def _api_cases():
    for (method, path), capability in API.items():
        if capability is None or path.split("/")[-1] in Action.values:
            continue  # the schema's own pages; the actions are walked below
        if (method, path) in PROBLEM_OPERATIONS:
            continue  # walked action by action below
        for persona in PERSONAS:
            relations = (
                RELATIONS if "{number}" in path else PROBLEM_RELATIONS if "{id}" in path else [None]
            )
            for relation in relations:
                yield pytest.param(
                    method,
                    path,
                    persona,
                    relation,
                    id=f"{persona}-{method.upper()} {path}-{relation}",
                )


def _fill(schema: dict, components: dict):
    """A value that passes ``schema`` (the OpenAPI one): each required field, at its least."""
    if "$ref" in schema:
        return _fill(components[schema["$ref"].split("/")[-1]], components)
    if "allOf" in schema:
        return _fill(schema["allOf"][0], components)
    kind = schema.get("type")
    if kind == "object":
        return {
            k: _fill(v, components)
            for k, v in schema.get("properties", {}).items()
            if k in schema.get("required", [])
        }
    if kind == "array":
        return [_fill(schema["items"], components)]
    return {"string": "小区门口垃圾三天没人清运", "integer": 1, "boolean": True}.get(kind, "")


@pytest.mark.parametrize("method,path,persona,relation", list(_api_cases()))
def test_each_api_operation_answers_as_the_table_says(
    world, method, path, persona, relation
) -> None:
    if "{id}" in path:
        problem = world.problems[relation, "in_progress"]
        url, order = path.replace("{id}", str(problem.pk)), None
        expected = _expected_on_problem(world, persona, API[method, path], problem)
    else:
        order = (
            world.orders[
                relation, Status.REGISTERED if relation == "unassigned" else Status.ACCEPTED
            ]
            if relation
            else None
        )
        url = path.replace("{number}", order.number) if order else path
        expected = _expected(world, persona, API[method, path], order)
    client = _client(world, persona, "api")
    if method == "get":
        response = client.get(url)
    else:
        schema = api.get_openapi_schema()
        body_schema = schema["paths"][path][method]["requestBody"]["content"]["application/json"][
            "schema"
        ]
        response = client.post(
            url,
            _fill(body_schema, schema["components"]["schemas"]),
            content_type="application/json",
        )
    _assert(response, "api", expected, f"{persona} {method} {path} {relation}")


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_open311_posts_need_a_key_of_a_role_that_may_register(world, persona) -> None:
    response = Client().post("/open311/v2/requests.json", {"api_key": world.tokens[persona]})
    # Without a service_code the post is refused as incomplete (400) once the key is accepted.
    assert response.status_code == (400 if may(world.people[persona], Capability.REGISTER) else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_site_lets_in_exactly_those_the_table_says(world, persona) -> None:
    response = _client(world, persona, "page").get(reverse("admin:index"))
    allowed = persona != "anonymous" and may(world.people[persona], Capability.USE_ADMIN)
    assert response.status_code == (200 if allowed else 302)


def _action_state(action: Action) -> Status:
    """The first state the action may be taken from, one with a unit if it can have one."""
    sources = TRANSITIONS[action].sources
    return next((s for s in UNIT_STATES if s in sources), None) or next(
        s for s in Status if s in sources
    )


def _action_relations(action: Action) -> list[str]:
    state = _action_state(action)
    if state not in UNIT_STATES:
        return ["unassigned", "wrong-state"]  # before dispatch no unit owns the order
    return [
        "own",
        "sibling",
        "parent",
        "child",
        *(["cohandled"] if state == Status.ACCEPTED else []),
        "wrong-state",
    ]


def _action_order(w: World, action: Action, relation: str):
    """The order of ``relation`` in the state the action is walked from; 'wrong-state' is the
    unit's own order in a state the action may not be taken from."""
    if relation == "wrong-state":
        return w.orders[
            "own",
            Status.DISPATCHED if Status.CLOSED in TRANSITIONS[action].sources else Status.CLOSED,
        ]
    return w.orders[relation, _action_state(action)]


def _body(w: World, action: Action, order) -> dict:
    """A body that passes the action's schema: each required field filled as the action needs it."""
    from hotline.api.orders import ACTIONS

    c = w.city
    values = {
        "unit": c.districts[1].pk,
        "sub_unit": c.team.pk,
        "days": 3,
        "solved": True,
        "resolved": True,
        "satisfaction": "satisfied",
        "master": w.master.number,
    }
    schema = ACTIONS[action][0]
    return {
        name: values.get(name, "已核实处理，测试")
        for name, info in schema.model_fields.items()
        if info.is_required()
    }


def _action_cases():
    for action in [a for a in Action if a != Action.REGISTER]:
        for persona in PERSONAS:
            # Before signing in the order cannot matter: the anonymous walk takes one.
            for relation in (
                _action_relations(action)[:1]
                if persona == "anonymous"
                else _action_relations(action)
            ):
                for channel in ("page", "api"):
                    yield pytest.param(
                        action,
                        persona,
                        relation,
                        channel,
                        id=f"{persona}-{channel}-{action}-{relation}",
                    )


@pytest.mark.parametrize("action,persona,relation,channel", list(_action_cases()))
def test_each_action_answers_as_the_tables_say(world, action, persona, relation, channel) -> None:
    order = _action_order(world, action, relation)
    expected = _expected(world, persona, Capability.ACT, order, action)
    body = _body(world, action, order)
    client = _client(world, persona, channel)
    if action == Action.ATTACH:  # a multipart form on both channels: the files and the note
        photo = SimpleUploadedFile("photo.png", PNG, "image/png")
        url = (
            f"/api/v1/orders/{order.number}/attach"
            if channel == "api"
            else reverse("web:order_action", args=[order.number, action])
        )
        response = client.post(url, {"files" if channel == "api" else "attachments": photo})
    elif channel == "api":
        response = client.post(
            f"/api/v1/orders/{order.number}/{action}", body, content_type="application/json"
        )
    else:
        form = {k: ("on" if v is True else v) for k, v in body.items()}
        response = client.post(reverse("web:order_action", args=[order.number, action]), form)
    _assert(
        response,
        channel,
        expected,
        f"{persona} {channel} {action} on the {relation} order ({order.status})",
    )
    if expected == "ok":
        assert response.status_code < 400, (
            f"{persona} {channel} {action} {relation}: {response.content[:300]!r}"
        )


# --- the walk: problems' actions (the API) -------------------------------------------------------


def _problem_key(action: ProblemAction) -> str:
    """The first state the action may be taken from, by its key in ``PROBLEM_STATES``."""
    sources = PROBLEM_TRANSITIONS[action].sources
    return next(k for k, s in PROBLEM_STATES.items() if s in sources)


def _problem_relations(action: ProblemAction) -> list[str]:
    if action == ProblemAction.PROPOSE:
        return ["new"]
    key = _problem_key(action)
    relations = ["own", "sibling", "parent", "child"]
    relations += ["called"] if key == "in_progress" else []
    # A measure still open is only on a problem in a state finishing it is allowed from: on any
    # other the input is refused first (422), so its wrong state is not walked.
    return relations + ([] if action == ProblemAction.FINISH_MEASURE else ["wrong-state"])


def _walked_problem(w: World, action: ProblemAction, relation: str) -> Problem | None:
    """The problem of ``relation`` in the state the action is walked from; 'wrong-state' is the own
    unit's problem in a state the action may not be taken from (resolved, or rejected when
    resolved is allowed)."""
    if relation == "new":
        return None
    sources = PROBLEM_TRANSITIONS[action].sources
    if relation == "wrong-state":
        key = "rejected" if ProblemStatus.RESOLVED in sources else "resolved"
        return w.problems["own", key]
    if relation == "called" and action == ProblemAction.REPORT_DONE:
        return w.problems["called", "reported"]
    return w.problems[relation, _problem_key(action)]


def _problem_body(w: World, action: ProblemAction, problem: Problem | None) -> dict:
    """A body that passes the action's schema and input checks, as ``_body`` does for orders."""
    from hotline.api.problems import ACTIONS, ProposeIn

    c, now = w.city, clock.now()
    calls = w.calls.get(problem.pk, {}) if problem is not None else {}
    linked = action == ProblemAction.UNLINK_ORDER
    values = {
        "title": "东城1路垃圾屡清屡堆",
        "source": Source.MANUAL.value,
        "leader": c.supervisor.pk,
        "lead_unit": c.streets[0].pk,
        "deadline": (now + timedelta(days=30)).isoformat(),
        "unit": c.districts[1].pk,
        "units": [c.districts[1].pk],
        "due": (now.date() + timedelta(days=30)).isoformat(),
        "held_at": (now - timedelta(hours=1)).isoformat(),
        "measure": w.measures.get(problem.pk, 0) if problem is not None else 0,
        "call_in": calls.get("reported" if action == ProblemAction.REPORT_DONE else "open", 0),
        "order": (w.problem_order if linked else w.orders["own", Status.ACCEPTED]).number,
    }
    schema = ProposeIn if action == ProblemAction.PROPOSE else ACTIONS[action][0]
    return {
        name: values.get(name, "已核实处理，测试")
        for name, info in schema.model_fields.items()
        if info.is_required() or (name == "unit" and action == ProblemAction.ADD_MEASURE)
    }


def _problem_action_cases():
    for action in ProblemAction:
        for persona in PERSONAS:
            relations = _problem_relations(action)
            for relation in relations[:1] if persona == "anonymous" else relations:
                yield pytest.param(
                    action, persona, relation, id=f"{persona}-api-{action}-{relation}"
                )


def test_the_problem_walk_takes_every_problem_operation_of_the_document() -> None:
    assert {op for op in API if op[1].startswith("/api/v1/problems")} == PROBLEM_OPERATIONS | {
        ("get", "/api/v1/problems"),
        ("get", "/api/v1/problems/{id}"),
    }


def _problem_form(w: World, action: ProblemAction, problem: Problem) -> dict:
    """A form post that passes the action's form: what the services are then asked to judge."""
    c = w.city
    calls = w.calls.get(problem.pk, {})
    today = timezone.localdate()
    held = timezone.localtime(clock.now() - timedelta(hours=1))
    return {
        ProblemAction.ACCEPT: {
            "leader": c.supervisor.pk,
            "lead_unit": c.streets[0].pk,
            "deadline": (today + timedelta(days=30)).isoformat(),
        },
        ProblemAction.REJECT: {"reason": "属单个工单可办"},
        ProblemAction.START: {},
        ProblemAction.LINK_ORDER: {
            "order": w.orders["own", Status.DISPATCHED].number,
            "reason": "同一地点",
        },
        ProblemAction.UNLINK_ORDER: {
            "order": w.problem_order.pk,
            "reason": "不是同一问题",
        },
        ProblemAction.ADD_MEASURE: {
            "text": "增设收集点",
            "unit": c.streets[0].pk,
            "due": (today + timedelta(days=7)).isoformat(),
        },
        ProblemAction.FINISH_MEASURE: {
            "measure": w.measures.get(problem.pk, ""),
            "evidence": "已完成",
        },
        ProblemAction.NOTE_PROGRESS: {"text": "进展"},
        ProblemAction.HOLD_MEETING: {
            "held_at": f"{held:%Y-%m-%d %H:%M}",
            "place": "街道办",
            "units": [c.streets[0].pk],
            "decisions": "每日清运",
        },
        ProblemAction.CALL_IN: {"unit": c.districts[1].pk, "reason": "需要配合"},
        ProblemAction.REPORT_IN: {"call": calls.get("open", ""), "part": "负责审批"},
        ProblemAction.REPORT_DONE: {"call": calls.get("reported", ""), "result": "已批复"},
        ProblemAction.RESOLVE: {"note": "已解决"},
        ProblemAction.VERIFY: {},
        ProblemAction.RECUR: {},
    }[action]


def _page_problem_action_cases():
    for action in [a for a in ProblemAction if a != ProblemAction.PROPOSE]:
        for persona in PERSONAS:
            relations = _problem_relations(action)
            for relation in relations[:1] if persona == "anonymous" else relations:
                yield pytest.param(action, persona, relation, id=f"{persona}-{action}-{relation}")


@pytest.mark.parametrize("action,persona,relation", list(_problem_action_cases()))
def test_each_problem_action_answers_as_the_tables_say(world, action, persona, relation) -> None:
    problem = _walked_problem(world, action, relation)
    expected = _expected_on_problem(world, persona, Capability.ACT_ON_PROBLEMS, problem, action)
    url = "/api/v1/problems" if problem is None else f"/api/v1/problems/{problem.pk}/{action.value}"
    body = _problem_body(world, action, problem)
    response = _client(world, persona, "api").post(url, body, content_type="application/json")
    where = f"{persona} {action} on the {relation} problem ({problem and problem.status})"
    _assert(response, "api", expected, where)
    if expected == "ok":
        assert response.status_code < 400, f"{where}: {response.content[:300]!r}"


@pytest.mark.parametrize("action,persona,relation", list(_page_problem_action_cases()))
def test_each_problem_form_answers_as_the_tables_say(world, action, persona, relation) -> None:
    problem = _walked_problem(world, action, relation)
    assert problem is not None
    expected = _expected_on_problem(world, persona, Capability.ACT_ON_PROBLEMS, problem, action)
    form = {"version": problem.version, **_problem_form(world, action, problem)}
    response = _client(world, persona, "page").post(
        reverse("web:problem_action", args=[problem.pk, action]), form
    )
    where = f"{persona} {action} on the {relation} problem ({problem.status})"
    _assert(response, "page", expected, where)
    if expected == "ok":
        assert response.status_code < 400, f"{where}: {response.content[:300]!r}"
