"""Two identical keyed POSTs at the same moment (PostgreSQL: real concurrent transactions)."""

import json

import pytest
from django.db import connection
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.triage.models import ModelVersion
from tests.factories import City
from tests.orders.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_same_key_posted_twice_at_once_registers_once_and_both_get_that_answer(
    city: City, model_in_use: ModelVersion
) -> None:
    headers = {
        "Authorization": f"Bearer {create_token(user=city.operator)}",
        "Idempotency-Key": "call-1",
    }
    body = json.dumps({"text": "东城1路11小区门口垃圾三天没人清运", "address": "东城1路11小区"})

    def post():
        answer = Client().post(
            "/api/v1/orders", body, content_type="application/json", headers=headers
        )
        return answer.status_code, answer.json()

    first, second = run_together([post, post])
    assert WorkOrder.objects.count() == 1
    assert first[0] == second[0] == 201 and first[1]["number"] == second[1]["number"]
