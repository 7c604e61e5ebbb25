"""``hotline demo`` and ``hotline status``."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.knowledge.models import Article
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.org.models import Unit, User
from tests import factories

pytestmark = pytest.mark.django_db


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def test_the_demo_command_builds_once_and_reuses_the_city_the_second_time():
    first = run_demo("--orders", "40", "--days", "20")
    assert "Done: 40 orders" in first and "operator" in first
    assert Article.objects.count() >= 40  # the demo knowledge base
    second = run_demo("--orders", "40", "--days", "20")
    assert "reusing it" in second
    assert WorkOrder.objects.count() == 40


def test_the_demo_refuses_to_build_into_a_database_that_has_data_of_its_own(city):
    with pytest.raises(CommandError, match="empty installation"):
        run_demo("--orders", "10")
    assert not Unit.objects.filter(name="临江区").exists()


def test_status_prints_one_json_object_with_the_counts(city):
    factories.order_in(Status.DISPATCHED, city)
    out = io.StringIO()
    call_command("status", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert {k: figures[k] for k in ("orders", "events")} == {"orders": 1, "events": 2}
    assert figures["units"] == Unit.objects.count() and figures["users"] == User.objects.count()
    assert figures["database"] in ("sqlite", "postgresql")
