"""``hotline bench generate``: realistic orders in bulk, each exactly the fold of its events."""

import io
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.test import override_settings

from hotline.benchmarks.generate import Refused, generate
from hotline.benchmarks.management.commands.bench import Command
from hotline.core import clock
from hotline.orders import services
from hotline.orders.models import DailyCounter, Event, WorkOrder
from hotline.orders.projection import DEADLINE_FIELDS, project
from hotline.orders.workflow import FINAL, Status
from hotline.org.models import Unit
from hotline.sla import selectors as sla
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import SHANGHAI

ORDERS = 2000
END = date(2026, 3, 2)  # the history ends as this Monday begins
END_MOMENT = datetime(2026, 3, 2, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker):
    """2,000 orders over three months, written by the command into an empty database (the demo
    city built first), once for the module and rolled back after it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        out = io.StringIO()
        call_command(
            "bench",
            "generate",
            "--orders",
            str(ORDERS),
            "--months",
            "3",
            "--end",
            END.isoformat(),
            "--seed",
            "7",
            "--batch",
            "700",
            stdout=out,
        )
        events = defaultdict(list)
        for e in Event.objects.order_by("order_id", "seq"):
            events[e.order_id].append(e)
        yield SimpleNamespace(
            result=json.loads(out.getvalue().splitlines()[-1]),
            orders=list(WorkOrder.objects.select_related("category").order_by("pk")),
            events=events,
        )
        transaction.set_rollback(True)


def test_the_command_reports_what_it_wrote_as_one_line_of_json(made):
    assert made.result["orders"] == ORDERS == WorkOrder.objects.count()
    assert made.result["events"] == Event.objects.count() > 4 * ORDERS
    assert made.result["seconds"] > 0 and made.result["orders_per_s"] > 0


def test_every_order_is_the_projection_of_its_events(made):
    for order in made.orders:
        events = made.events[order.pk]
        folded = project(events)
        assert (folded.status, folded.version) == (order.status, order.version), order.number
        assert folded.deadlines == {k: getattr(order, f"{k}_deadline") for k in DEADLINE_FIELDS}, (
            order.number
        )
        times = [e.at for e in events]
        assert times == sorted(times) and times[0] == order.registered_at
        assert times[-1] <= END_MOMENT


def test_open_orders_wait_for_the_deadline_of_their_state(made):
    waits = {Status.DISPATCHED: "accept", Status.ACCEPTED: "finish", Status.PENDING_VISIT: "visit"}
    for order in made.orders:
        kind = waits.get(order.status)
        due = getattr(order, f"{kind}_deadline") if kind else None
        assert order.due_at == due, order.number
        assert (order.warn_at is None) == (due is None) and (due is None or order.warn_at <= due)
        if order.status not in (Status.DISPATCHED, Status.ACCEPTED):
            assert order.sweep_at is None


def test_deadlines_are_those_of_the_sla_policies_and_the_work_calendar(made):
    calendar = sla.work_calendar()
    checked = 0
    for order in made.orders:
        for e in made.events[order.pk]:
            if e.action not in ("dispatch", "reopen") or order.category is None:
                continue
            spans = sla.spans_for(
                order_type=order.order_type, category=order.category.code, urgency=order.urgency
            )
            finish = spans[
                DeadlineKind.REOPEN_FINISH if e.action == "reopen" else DeadlineKind.FINISH
            ]
            expected = {
                "accept": calendar.deadline(e.at, spans[DeadlineKind.ACCEPT]),
                "contact": calendar.deadline(e.at, spans[DeadlineKind.CONTACT]),
                "finish": calendar.deadline(e.at, finish),
            }
            recorded = {k: datetime.fromisoformat(e.payload["deadlines"][k]) for k in expected}
            assert recorded == expected, (order.number, e.seq)
            checked += 1
    assert checked > 500


def test_events_carry_the_payloads_the_services_write(made):
    seen = Counter()
    for events in made.events.values():
        for e in events:
            p = e.payload
            seen[e.action] += 1
            if e.action == "dispatch":
                assert {"unit", "unit_name", "cohandlers", "deadlines"} <= set(p) and p[
                    "unit"
                ] == e.unit_id
                assert (
                    set(p["deadlines"]) == set(DEADLINE_FIELDS) and p["deadlines"]["visit"] is None
                )
            elif e.action == "visit":
                assert p["satisfaction"] in ("satisfied", "basically", "unsatisfied")
                assert isinstance(p["resolved"], bool)
            elif e.action == "reply":
                assert isinstance(p["solved"], bool)
            elif e.action == "reopen":
                assert p["reopen_count"] >= 1 and "deadlines" in p
            elif e.action == "merge":
                assert {"master", "master_number"} == set(p)
            elif e.action in ("request_extension", "approve_extension", "deny_extension"):
                assert p["days"] in (3, 5, 10)
            elif e.action == "urge":
                assert p["auto"] is True and e.actor_role == "system" and e.actor_id is None
            elif e.action == "register":
                assert set(p) == {"channel"}
    for action in (
        "answer_on_the_spot",
        "dispatch",
        "accept",
        "pass_down",
        "record_contact",
        "reply",
        "approve_reply",
        "visit",
        "reopen",
        "merge",
        "cancel",
        "request_return",
        "request_extension",
        "approve_extension",
        "urge",
        "supervise",
        "close",
    ):
        assert seen[action] > 0, action


def test_an_order_keeps_the_category_its_classification_recorded(made):
    corrected = 0
    for order in made.orders:
        for e in made.events[order.pk]:
            if "changed" in e.payload:
                assert e.payload["changed"]["category"]["to"] == str(order.category)
                corrected += 1
        if any(e.action in ("dispatch", "answer_on_the_spot") for e in made.events[order.pk]):
            assert order.category is not None
    assert corrected > ORDERS / 10


def test_the_lifecycles_have_plausible_shapes(made):
    orders = made.orders
    status = Counter(o.status for o in orders)
    assert 0.8 < status[Status.CLOSED] / ORDERS < 0.97
    assert 0.01 < status[Status.MERGED] / ORDERS < 0.1
    assert 0 < status[Status.CANCELLED] / ORDERS < 0.03
    visits = [
        e.payload["satisfaction"]
        for events in made.events.values()
        for e in events
        if e.action == "visit"
    ]
    grades = Counter(visits)
    assert (
        len(visits) > ORDERS / 2
        and grades["satisfied"] > grades["basically"] > grades["unsatisfied"] > 0
    )
    assert sum(o.reopen_count for o in orders) > 0
    by_pk = {o.pk: o for o in orders}
    for o in orders:
        if o.status == Status.MERGED:
            master = by_pk[o.duplicate_of_id]
            assert master.registered_at < o.registered_at and master.category_id is not None
        if o.status not in FINAL:  # still open: only the last weeks' orders
            assert END_MOMENT - o.registered_at < timedelta(days=40), o.number
    assert len({o.status for o in orders if o.status not in FINAL}) >= 3


def test_late_units_miss_deadlines_more_often(made):
    names = dict(Unit.objects.values_list("pk", "name"))

    def late_share(units):
        rounds = late = 0
        for events in made.events.values():
            finish = None
            for e in events:
                if e.action in ("dispatch", "reopen"):
                    finish = datetime.fromisoformat(e.payload["deadlines"]["finish"])
                elif e.action == "approve_extension":
                    finish = datetime.fromisoformat(e.payload["deadlines"]["finish"])
                elif e.action == "reply" and names[e.unit_id] in units:
                    rounds += 1
                    late += e.at > finish
        return late / rounds

    assert late_share({"金沙街道", "白沙镇"}) > 2 * late_share({"滨江街道", "解放街道", "光明街道"})


def test_numbers_follow_the_day_and_sequence_scheme_and_the_day_counters_are_past_them(made):
    numbers = [o.number for o in made.orders]
    assert len(set(numbers)) == len(numbers)
    last: dict[date, int] = {}
    for o in made.orders:
        assert re.fullmatch(r"\d{13}", o.number)
        day = o.registered_at.astimezone(SHANGHAI).date()
        assert o.number[:8] == f"{day:%Y%m%d}"
        last[day] = max(last.get(day, 0), int(o.number[8:]))
    assert dict(DailyCounter.objects.filter(day__in=last).values_list("day", "last")) == last


def test_a_new_order_registered_afterwards_gets_the_next_number(made):
    busiest = Counter(o.registered_at.astimezone(SHANGHAI).date() for o in made.orders).most_common(
        1
    )[0][0]
    last = max(int(o.number[8:]) for o in made.orders if o.number.startswith(f"{busiest:%Y%m%d}"))
    with clock.frozen_at(
        datetime.combine(busiest, datetime.min.time(), SHANGHAI) + timedelta(hours=23)
    ):
        order = services.register_order(
            actor=None,
            text="楼下垃圾三天没人清运",
            address="桂花苑3栋2单元",
            caller_phone="13812345678",
            category_code="02.01",
        )
    assert order.number == f"{busiest:%Y%m%d}{last + 1:05d}"
    assert not WorkOrder.objects.filter(number=order.number).exclude(pk=order.pk).exists()
    assert order.community is not None and order.community.name == "桂花社区"


def test_more_orders_can_be_appended_with_fresh_numbers(made):
    result = generate(30, months=1, end=END, seed=8, append=True)
    assert result.orders == 30 and WorkOrder.objects.count() == ORDERS + 30
    numbers = list(WorkOrder.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_a_database_with_orders_is_refused_and_nothing_is_written(made, monkeypatch):
    events = Event.objects.count()
    with pytest.raises(CommandError, match="--append"):
        call_command("bench", "generate", "--orders", "10")
    with pytest.raises(Refused):
        generate(10)
    # As from the shell: exit code 1 (the command then closes the connections: not the test's).
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["hotline", "bench", "generate", "--orders", "10"])
    assert exit_.value.code == 1
    assert WorkOrder.objects.count() == ORDERS and Event.objects.count() == events


def test_more_orders_than_a_day_can_number_are_refused_before_anything_is_written(made):
    with pytest.raises(Refused, match="--months"):
        generate(4_000_000, months=1, end=END, append=True)
    assert WorkOrder.objects.count() == ORDERS
