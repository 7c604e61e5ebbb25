"""The retention period: finished orders past it lose their caller's personal data; the
statistics, open and recent orders, and the audit log stay as they were."""

from io import StringIO
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import DatabaseError, models, transaction
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from hotline.analytics.models import Cell
from hotline.audit.models import PersonalDataAccess
from hotline.audit.services import reveal_caller
from hotline.notifications.models import Message
from hotline.operations import scrub
from hotline.operations.models import RetentionRun
from hotline.operations.services import run_retention
from hotline.orders.models import Attachment, Event, WorkOrder
from hotline.orders.selectors import caller_history, related_orders
from hotline.org.models import User
from hotline.transfer.services import export_orders
from hotline.triage.selectors import probable_duplicates
from tests.factories import City
from tests.operations import history
from tests.operations.history import PERSONAL

pytestmark = pytest.mark.django_db

ANONYMISED = ("closed", "urged", "not visited", "cancelled", "merged")
KEPT = ("old open", "old open master", "recent")


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def orders(city: City):
    return history.build(city)


def rows_of(order: WorkOrder) -> str:
    """Everything stored about the order (the order, its events, messages and attachments)."""
    objects = [
        WorkOrder.objects.get(pk=order.pk),
        *Event.objects.filter(order=order),
        *Message.objects.filter(order=order),
        *Attachment.objects.filter(order=order),
    ]
    return serializers.serialize("json", objects, ensure_ascii=False)


def cells() -> list[tuple]:
    return sorted(
        Cell.objects.order_by().values_list(
            *[f.attname for f in Cell._meta.fields if f.attname != "id"]
        )
    )


def retention(*args: str) -> str:
    out = StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_finished_orders_past_the_period_keep_no_personal_data_anywhere(orders) -> None:
    assert all(p in rows_of(orders["closed"]) for p in PERSONAL)  # the test can fail
    retention()
    for key in ANONYMISED:
        stored = rows_of(orders[key])
        assert [p for p in PERSONAL if p in stored] == [], key
        assert WorkOrder.objects.get(pk=orders[key].pk).anonymised_at is not None


def test_an_anonymised_order_keeps_its_area_rounded_place_and_a_readable_text(orders) -> None:
    retention()
    o = WorkOrder.objects.get(pk=orders["closed"].pk)
    assert (o.caller_name, o.caller_phone, o.address) == ("", f"匿名{o.number}", "东城1路11小区")
    assert (str(o.latitude), str(o.longitude)) == ("39.912000", "116.412000")
    assert (o.district, o.street, o.community) == (
        orders["closed"].district,
        orders["closed"].street,
        orders["closed"].community,
    )
    assert o.text == (
        f"{scrub.NAME}反映东城1路11小区门口垃圾三天没人清运，电话{scrub.PHONE}，备用{scrub.PHONE}，"
        f"身份证{scrub.ID_NUMBER}，邮箱{scrub.EMAIL}"
    )
    assert o.answer == f"已清运，{scrub.NAME}确认"


def test_citizens_notifications_lose_their_recipient_and_units_keep_theirs(orders) -> None:
    units_before = sorted(
        Message.objects.filter(order=orders["urged"], to_citizen=False).values_list("recipient")
    )
    assert Message.objects.filter(order=orders["closed"], to_citizen=True).exists()
    retention()
    assert set(
        Message.objects.filter(
            order__in=[orders[k] for k in ANONYMISED], to_citizen=True
        ).values_list("recipient", flat=True)
    ) == {""}
    assert (
        sorted(
            Message.objects.filter(order=orders["urged"], to_citizen=False).values_list("recipient")
        )
        == units_before
    )


def test_attachments_of_anonymised_orders_are_removed_with_their_files(
    orders, settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    (photo,) = Attachment.objects.filter(order=orders["closed"])
    path = Path(settings.MEDIA_ROOT) / photo.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # the files go once the batch has committed
        assert "附件 1 个" in retention()
    assert not Attachment.objects.filter(order=orders["closed"]).exists() and not path.exists()


def test_open_and_recent_orders_are_left_exactly_as_they_were(orders) -> None:
    before = {k: rows_of(orders[k]) for k in KEPT}
    retention()
    assert {k: rows_of(orders[k]) for k in KEPT} == before
    assert (
        WorkOrder.objects.filter(
            pk__in=[orders[k].pk for k in KEPT], anonymised_at__isnull=False
        ).count()
        == 0
    )


def test_the_rollup_and_every_rate_are_unchanged_and_the_rollup_still_verifies(orders) -> None:
    figures, rollup, events = history.month_figures(), cells(), Event.objects.count()
    assert (
        figures["totals"]["visited"] == 2 and figures["totals"]["satisfied"] == 1
    )  # a month with figures
    retention()
    call_command("analytics", "refresh", stdout=StringIO())
    assert (
        history.month_figures() == figures and cells() == rollup and Event.objects.count() == events
    )
    call_command(
        "analytics", "verify", "--month", "2023-03", stdout=StringIO()
    )  # exits 1 when they differ
    call_command("analytics", "rebuild", stdout=StringIO(), stderr=StringIO())
    assert history.month_figures() == figures and cells() == rollup


def test_a_second_run_changes_nothing(orders) -> None:
    retention()
    everything = {k: rows_of(o) for k, o in orders.items()}
    assert "已匿名化 0 个" in retention()
    assert {k: rows_of(o) for k, o in orders.items()} == everything


def test_a_dry_run_counts_the_due_orders_and_changes_nothing(orders) -> None:
    everything = {k: rows_of(o) for k, o in orders.items()}
    assert f"预览：{len(ANONYMISED)} 个" in retention("--dry-run")
    assert {k: rows_of(o) for k, o in orders.items()} == everything
    assert RetentionRun.objects.get().dry_run


def test_the_personal_data_audit_log_keeps_its_rows(orders, city: City) -> None:
    reveal_caller(city.dispatcher, orders["closed"], channel="web")
    logged = list(PersonalDataAccess.objects.values_list("pk", "order_id", "user_id", "what"))
    assert logged
    retention()
    assert (
        list(PersonalDataAccess.objects.values_list("pk", "order_id", "user_id", "what")) == logged
    )


def test_each_run_is_recorded_where_an_administrator_sees_it(
    orders, client: Client, django_user_model: type[User]
) -> None:
    retention("--batch", "2")  # three transactions of at most two orders
    run = RetentionRun.objects.get()
    assert (run.orders, run.attachments, run.dry_run, run.source, run.days) == (
        len(ANONYMISED),
        1,
        False,
        "command",
        1095,
    )
    assert run.events > 0 and run.messages > 0 and run.finished_at >= run.started_at
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    page = client.get("/admin/operations/retentionrun/")
    assert page.status_code == 200 and "个人信息保留期清理记录" in page.content.decode()


@pytest.mark.parametrize("days", ["-1", "30"])
def test_a_period_within_the_reopen_window_or_negative_is_refused_and_changes_nothing(
    orders, days
) -> None:
    everything = {k: rows_of(o) for k, o in orders.items()}
    with pytest.raises(CommandError, match="保留天数应为 0（永久保留）或大于重办期限 30 天"):
        retention("--days", days)
    assert {
        k: rows_of(o) for k, o in orders.items()
    } == everything and not RetentionRun.objects.exists()


def test_a_period_of_zero_keeps_personal_data_forever(orders, settings: Settings) -> None:
    settings.HOTLINE_RETENTION_DAYS = 0
    assert "永久保留" in retention()
    assert (
        run_retention() is None
        and not WorkOrder.objects.filter(anonymised_at__isnull=False).exists()
    )


def test_a_shorter_period_reaches_orders_finished_more_recently(orders) -> None:
    retention("--days", "31")
    assert WorkOrder.objects.get(pk=orders["recent"].pk).anonymised_at is None  # finished today
    assert WorkOrder.objects.filter(anonymised_at__isnull=False).count() == len(ANONYMISED)


def test_the_worker_anonymises_once_a_day(orders) -> None:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    call_command("worker", "--once", stdout=out)
    first, second = out.getvalue().splitlines()
    assert first.endswith(f"anonymised {len(ANONYMISED)}") and "anonymised" not in second
    assert RetentionRun.objects.filter(source="worker").count() == 1


def test_the_worker_refuses_to_start_with_a_period_inside_the_reopen_window(
    settings: Settings,
) -> None:
    settings.HOTLINE_RETENTION_DAYS = 10
    with pytest.raises(CommandError, match="保留天数"):
        call_command("worker", "--once", stdout=StringIO())


def test_the_events_of_an_order_not_anonymised_still_cannot_be_changed(orders) -> None:
    event = Event.objects.filter(order=orders["closed"]).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        models.QuerySet.update(Event.objects.filter(pk=event.pk), note="改写")


def test_even_on_an_anonymised_order_an_events_action_time_and_unit_cannot_be_changed(
    orders,
) -> None:
    retention()
    event = Event.objects.filter(order=orders["closed"]).last()
    for change in (
        {"action": "cancel"},
        {"at": event.at.replace(year=2020)},
        {"unit": None},
        {"seq": 99},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            models.QuerySet.update(Event.objects.filter(pk=event.pk), **change)
    with pytest.raises(TypeError):  # and the ORM refuses them all, as before
        Event.objects.filter(pk=event.pk).update(note="")


def test_order_pages_history_duplicates_and_exports_work_on_anonymised_orders(
    orders, city: City, client: Client, tmp_path: Path
) -> None:
    retention()
    o = WorkOrder.objects.get(pk=orders["closed"].pk)
    client.force_login(city.dispatcher)
    page = client.get(f"/orders/{o.number}/")
    assert page.status_code == 200 and o.number in page.content.decode()
    assert client.get("/orders/", {"q": o.number}).status_code == 200
    assert {h.pk for h in caller_history(city.dispatcher, history.PHONE, limit=20)} == {
        orders["old open"].pk,
        orders["recent"].pk,
    }
    assert caller_history(city.dispatcher, o.caller_phone) == [o]
    assert isinstance(related_orders(city.dispatcher, o), list)
    assert isinstance(
        probable_duplicates(text=o.text, address=o.address, phone=o.caller_phone), list
    )
    out = tmp_path / "orders.csv"
    assert export_orders(out, personal_data=True) == WorkOrder.objects.count()
    (row,) = [
        line
        for line in out.read_text(encoding="utf-8-sig").splitlines()
        if line.startswith(o.number)
    ]
    assert [p for p in PERSONAL if p in row] == [] and "东城1路11小区" in row
