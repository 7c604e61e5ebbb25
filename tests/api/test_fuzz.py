"""Every API operation fuzzed from its own OpenAPI document (schemathesis): no server error, and
no answer that breaks the documented schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hotline.api.services import create_token
from hotline.wsgi import application
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


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
def bearer(city, model_in_use, same_connection):
    for state in ("registered", "dispatched", "accepted", "closed"):
        factories.order_in(state, city)
    return {"Authorization": f"Bearer {create_token(user=city.dispatcher)}"}


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_answers_every_generated_request_within_its_schema(case, bearer):
    # A well-formed request may still name a unit or category that does not exist: a 422 then is
    # right, so only "valid requests are accepted" is left out of the checks.
    case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
