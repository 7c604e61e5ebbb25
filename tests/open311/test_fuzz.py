"""Every Open311 operation fuzzed from tests/open311/openapi.py (schemathesis): never a server
error; JSON answers follow the published schemas, errors the specification's format; XML answers
are well-formed; a refused POST registers nothing."""

import json
from xml.etree import ElementTree

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft7Validator
from pytest_django import Settings

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.triage.models import ModelVersion
from hotline.wsgi import application
from tests import factories
from tests.api.test_fuzz import same_connection  # noqa: F401 (a fixture)
from tests.factories import City

from .openapi import ERROR, SPEC
from .test_services import needs_schemas, validate

schema = schemathesis.openapi.from_dict(SPEC)
schema.app = application
PUBLISHED = {
    "discovery": None,
    "services": "services.json",
    "service_definition": "service-definition.json",
    "requests": "requests.json",
    "request": "requests.json",
    "token": None,
}
RECEIPT = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "required": ["service_request_id"]},
}
pytestmark = [needs_schemas, pytest.mark.django_db]


@pytest.fixture
def open311_city(city: City, model_in_use: ModelVersion, same_connection, settings: Settings):  # noqa: F811
    settings.HOTLINE_RATE_LIMITS = {name: "100000/60" for name in settings.HOTLINE_RATE_LIMITS}
    for state in ("registered", "dispatched", "closed"):
        factories.order_in(state, city)
    return city


def check_answer(case, response) -> None:
    assert response.status_code < 500, response.text[:300]
    fmt = case.path_parameters["format"]
    if case.method == "HEAD":  # the GET's headers, no body
        return
    if fmt == "xml":
        ElementTree.fromstring(response.content)  # well-formed, whatever was asked
        return
    assert response.content, (
        response.status_code,
        case.method,
        case.formatted_path,
        dict(response.headers),
    )
    assert response.headers["content-type"][0].startswith("application/json"), (
        response.status_code,
        case.method,
        case.formatted_path,
    )
    document = json.loads(response.content)
    operation = case.operation.definition.raw["operationId"]
    if response.status_code >= 400:
        assert not list(Draft7Validator(ERROR).iter_errors(document)), document
        assert document[0]["code"] == response.status_code
    elif operation == "post_request":
        assert not list(Draft7Validator(RECEIPT).iter_errors(document)), document
    elif PUBLISHED[operation]:
        validate(document, PUBLISHED[operation])


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_open311_operation_answers_within_the_specification(case, open311_city):
    before = WorkOrder.objects.count()
    response = case.call()
    check_answer(case, response)
    if case.method == "POST":
        assert WorkOrder.objects.count() == before + (response.status_code == 201)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_generated_post_with_a_valid_key_registers_or_names_the_problem(
    fmt, open311_city
) -> None:
    # Fuzzing alone seldom guesses an api_key: the operation is also run with a valid one.
    post = schema["/open311/v2/requests.{format}"]["POST"]
    key = create_token(user=open311_city.operator)
    statuses = set()

    @settings(
        max_examples=50,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=post.as_strategy())
    def run(case):
        case.path_parameters["format"] = fmt
        body = case.body if isinstance(case.body, dict) else {}
        # Generated fields over a valid request, so that both registering and refusing are reached.
        case.body = (
            {"address_string": "东城1路11小区", "description": "路灯不亮"}
            | body
            | {"api_key": key, "service_code": "02.01"}
        )
        before = WorkOrder.objects.count()
        response = case.call()
        statuses.add(response.status_code)
        check_answer(case, response)
        assert WorkOrder.objects.count() == before + (response.status_code == 201)

    run()
    assert 201 in statuses and 400 in statuses, statuses
