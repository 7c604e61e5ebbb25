"""Every API operation fuzzed from its own OpenAPI document (schemathesis): no server error, no
answer that breaks the documented schema or gives an undocumented status, signed in and not.

All operations run in one test over one set of data, so the examples go to the operations, not
to building a city for each: 50 examples per operation signed in (as a role that may act: the
token is drawn from each role, the order and the problem from each state, beside generated
numbers and ids) and 25
without a token (refused before the body is read, so fewer are needed). Derandomized, so a run
in CI repeats the one before it.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hotline.api.services import create_token
from hotline.orders.workflow import Status
from hotline.problems.workflow import Status as ProblemStatus
from hotline.triage.models import ModelVersion
from hotline.wsgi import application
from tests import factories
from tests.factories import City
from tests.problems.make import problem_in

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
EXAMPLES, UNSIGNED_EXAMPLES = 50, 25
budget = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
STATES = (
    Status.REGISTERED,
    Status.PENDING_DISPATCH,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.REPLIED,
    Status.PENDING_VISIT,
    Status.CLOSED,
)


@pytest.fixture
def same_connection():
    # Calling the WSGI application directly fires request_finished, which closes the database
    # connection, and with it the test's transaction; Django's own test client prevents that
    # the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(city: City, model_in_use: ModelVersion, same_connection):
    """Orders and problems in each state, and a token for each role that acts on them."""
    numbers = [factories.order_in(state, city).number for state in STATES]
    problems = [problem_in(state, city).pk for state in ProblemStatus]
    people = (
        city.operator, city.dispatcher, city.handler(), city.visitor, city.supervisor, city.lead()
    )  # fmt: skip
    return numbers, problems, [f"Bearer {create_token(user=person)}" for person in people]


def fuzz(operation, draw_extra, prepare, examples: int = EXAMPLES) -> set[int]:
    """Run the operation's examples; the statuses it answered."""
    statuses = set()

    @settings(budget, max_examples=examples)
    @given(case=operation.as_strategy(), extra=draw_extra)
    def run(case, extra):
        headers = prepare(case, extra)
        # A well-formed request may still name a unit or category that does not exist: a 422
        # then is right, so only "valid requests are accepted" is left out of the checks.
        statuses.add(
            case.call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            ).status_code
        )

    try:
        run()
    except Exception as failure:
        failure.add_note(f"operation: {operation.method.upper()} {operation.path}")
        raise
    return statuses


@pytest.mark.django_db
def test_every_operation_answers_every_generated_request_within_its_schema_signed_in(world) -> None:
    numbers, problems, tokens = world

    def prepare(case, extra):
        token, number, problem = extra
        if number is not None and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = number
        if problem is not None and "id" in (case.path_parameters or {}):
            case.path_parameters["id"] = problem
        return {"Authorization": token}

    succeeded = [
        op.path
        for op in OPERATIONS
        if any(
            200 <= status < 300
            for status in fuzz(
                op,
                st.tuples(
                    st.sampled_from(tokens),
                    st.sampled_from([None, *numbers]),
                    st.sampled_from([None, *problems]),
                ),
                prepare,
            )
        )
    ]
    # The examples reach the work itself, not only the refusals: every read and registering at
    # least (an action's generated body seldom holds the order's current version).
    assert {
        "/api/v1/orders",
        "/api/v1/orders/{number}",
        "/api/v1/problems",
        "/api/v1/problems/{id}",
        "/api/v1/units",
        "/api/v1/categories",
    } <= set(succeeded)
    assert len(succeeded) >= 10, (len(succeeded), succeeded)


@pytest.mark.django_db
def test_every_operation_refuses_every_generated_request_without_a_token_within_its_schema(
    world,
) -> None:
    def prepare(case, extra):
        (case.headers or {}).pop("Authorization", None)
        return None

    for operation in OPERATIONS:
        statuses = fuzz(operation, st.none(), prepare, UNSIGNED_EXAMPLES)
        assert statuses and statuses <= {401, 403}, (operation.path, statuses)


def test_every_operation_of_the_document_is_fuzzed() -> None:
    methods = {operation.method.upper() for operation in OPERATIONS}
    assert len(OPERATIONS) >= 30 and methods == {"GET", "POST"}
