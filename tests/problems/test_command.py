"""``hotline problems``: the register as JSON, the watch, and the lifecycle."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.problems.workflow import Status
from tests import factories

from .make import problem_in

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("problems", *args, stdout=out)
    return out.getvalue()


def test_the_register_lists_each_problem_with_its_leader_orders_and_weekly_counts(city):
    p = problem_in(Status.IN_PROGRESS, city)
    p.links.create(order=factories.register(city), reason="同一地点", linked_at=p.proposed_at)
    problem_in(Status.PROPOSED, city, title="西城2路夜市噪音")
    rows = json.loads(_run("list", "--json"))
    assert [(r["title"], r["status"]) for r in rows] == [
        ("西城2路夜市噪音", "proposed"),
        ("东城1路垃圾屡清屡堆", "in_progress"),
    ]
    worked = rows[1]
    assert worked["leader"] == city.supervisor.username and worked["orders"] == 1
    # While it is worked, the chart turns at now: its order so far is before.
    assert len(worked["before"]) == len(worked["after"]) == 8 and sum(worked["before"]) == 1
    assert {"id", "source"} <= set(worked)


def test_the_register_filters_by_status(city):
    problem_in(Status.PROPOSED, city)
    assert json.loads(_run("list", "--status", "verified", "--json")) == []


def test_an_unknown_status_is_refused(city):
    with pytest.raises(CommandError):
        _run("list", "--status", "done")
