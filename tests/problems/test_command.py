"""``hotline problems``: the register as JSON, the watch, and the lifecycle."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hotline.core import clock
from hotline.problems import services
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


def test_call_ins_print_each_units_calls_and_its_answer_rate(city):
    p = problem_in(Status.IN_PROGRESS, city)
    on_time, late, silent = sorted(city.departments.values(), key=lambda u: u.pk)[:3]
    calls = {}
    for unit in (on_time, late, silent):
        calls[unit] = services.call_in(problem=p, actor=city.lead(), unit=unit, reason="请到场")
        p.refresh_from_db()  # the service returns the call; the problem moved on a version
    p = services.report_in(problem=p, actor=city.lead(on_time), call=calls[on_time], part="清运")
    with clock.frozen_at(calls[late].report_deadline + timedelta(minutes=1)):
        services.report_in(problem=p, actor=city.lead(late), call=calls[late], part="执法")
    month = f"{timezone.localdate(calls[on_time].called_at):%Y-%m}"
    rows = {r["unit"]: r for r in json.loads(_run("call-ins", "--month", month, "--json"))}
    assert {u: (r["called_in"], r["reported_in_on_time"]) for u, r in rows.items()} == {
        on_time.name: (1, 1),
        late.name: (1, 0),
        silent.name: (1, 0),
    }
    assert rows[on_time.name]["call_in_answer_rate"] == 1.0
    assert rows[late.name]["call_in_answer_rate"] == 0.0


def test_call_ins_of_a_month_written_wrong_are_refused(city):
    with pytest.raises(CommandError, match="YYYY-MM"):
        _run("call-ins", "--month", "2026/11")
