"""``hotline import orders FILE``: check everything first, then write all or nothing."""

from datetime import datetime, timedelta

import pytest
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import Workbook

from hotline.core import clock
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Action, Status
from hotline.org.roles import Role
from hotline.sla.worktime import SHANGHAI
from hotline.transfer import services as transfer
from tests import factories
from tests.orders.test_invariants import assert_invariants
from tests.transfer.files import ON_THE_SPOT, VISITED, read_csv, run, write_csv

pytestmark = pytest.mark.django_db


def test_a_good_file_is_imported_whole(city, tmp_path):
    out, _ = run("import", write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT]))
    assert "已导入 2 个工单" in out
    assert set(WorkOrder.objects.values_list("number", "status")) == {
        ("L1", "closed"),
        ("L2", "closed"),
    }


def test_one_bad_row_imports_nothing_and_exits_with_1(city, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT | {"联系电话": "138-1234"}])
    with pytest.raises(CommandError, match="未导入任何工单") as refused:
        run("import", path, "--report", tmp_path / "report.csv")
    assert refused.value.returncode == 1
    assert not WorkOrder.objects.exists()
    assert read_csv(tmp_path / "report.csv") == [
        {
            "行号": "3",
            "列": "联系电话",
            "值": "138-1234",
            "错误": "电话号码格式不正确：「138-1234」",
        }
    ]


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(city, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT | {"承办单位": "不存在的单位"}])
    out, _ = run("import", path, "--skip-invalid")
    assert "第 3 行「承办单位」「不存在的单位」：没有这个单位：「不存在的单位」" in out
    assert list(WorkOrder.objects.values_list("number", flat=True)) == ["L1"]


def test_a_dry_run_changes_nothing(city, tmp_path):
    out, _ = run("import", write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT]), "--dry-run")
    assert "共 2 行：正确 2 行" in out and "试运行：未写入任何数据" in out
    assert not WorkOrder.objects.exists() and not Event.objects.exists()


def test_numbers_repeated_in_the_file_or_already_stored_are_refused(city, tmp_path):
    stored = factories.register(city)
    rows = [VISITED, VISITED | {"诉求内容": "又一个"}, ON_THE_SPOT | {"工单编号": stored.number}]
    with pytest.raises(CommandError):
        run("import", write_csv(tmp_path / "orders.csv", rows), "--report", tmp_path / "report.csv")
    assert [(r["行号"], r["错误"]) for r in read_csv(tmp_path / "report.csv")] == [
        ("3", "与第 2 行的工单编号重复"),
        ("4", "系统中已有这个工单编号"),
    ]


def test_a_missing_column_refuses_the_file_before_any_row(city, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [VISITED], headers=["工单编号", "登记时间"])
    with pytest.raises(CommandError, match="缺少必填列「诉求内容」") as refused:
        run("import", path)
    assert refused.value.returncode == 1


def test_headers_of_another_system_are_mapped(city, tmp_path):
    renamed = {
        "流水号": "L1",
        "来电日期": "2026-02-02 11:00",
        "问题描述": "社保卡怎么补办",
        "处理意见": "已告知",
        "结束时间": "2026-02-02 11:05",
    }
    path = write_csv(tmp_path / "orders.csv", [renamed], headers=list(renamed))
    (tmp_path / "map.json").write_text(
        '{"问题描述": "text", "处理意见": "办理结果"}', encoding="utf-8"
    )
    run(
        "import",
        path,
        "--map",
        "流水号=number,来电日期=登记时间,结束时间=closed_at",
        "--map-file",
        tmp_path / "map.json",
    )
    order = WorkOrder.objects.get()
    assert (order.number, order.text, order.answer, order.status) == (
        "L1",
        "社保卡怎么补办",
        "已告知",
        "closed",
    )


def test_an_excel_workbook_is_read_with_its_time_and_number_cells(city, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(list(VISITED))
    sheet.append(
        [
            2026020200001
            if h == "工单编号"
            else datetime.strptime(v, "%Y-%m-%d %H:%M")
            if h.endswith("时间")
            else v
            for h, v in VISITED.items()
        ]
    )
    book.save(tmp_path / "orders.xlsx")
    run("import", tmp_path / "orders.xlsx")
    order = WorkOrder.objects.get()
    assert order.number == "2026020200001"
    assert order.closed_at == datetime(2026, 2, 4, 10, tzinfo=SHANGHAI)


def test_an_old_excel_file_is_refused_with_a_clear_reason(city, tmp_path):
    (tmp_path / "orders.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError, match=r"不支持旧版 Excel（\.xls）文件"):
        run("import", tmp_path / "orders.xls")


def test_imported_orders_keep_every_invariant_of_orders(city, tmp_path):
    rows = [
        VISITED,
        ON_THE_SPOT,
        VISITED | {"工单编号": "L3", "满意度": "", "是否解决": ""},  # closed without a visit
        VISITED
        | {"工单编号": "L4", "状态": "待回访", "办结时间": "", "满意度": "", "是否解决": ""},
        VISITED | {"工单编号": "L5", "办结时间": "", "满意度": "", "是否解决": ""},  # replied
        VISITED
        | {
            "工单编号": "L6",
            "回复时间": "",
            "办理结果": "",
            "办结时间": "",
            "满意度": "",
            "是否解决": "",
        },
        VISITED
        | {
            "工单编号": "L7",
            "签收时间": "",
            "先行联系时间": "",
            "回复时间": "",
            "办理结果": "",
            "办结时间": "",
            "满意度": "",
            "是否解决": "",
        },
        {
            "工单编号": "L8",
            "登记时间": "2026-02-05 09:00",
            "诉求内容": "测试电话",
            "状态": "已作废",
            "办结时间": "2026-02-05 09:01",
        },
        {"工单编号": "L9", "登记时间": "2026-02-05 09:00", "诉求内容": "还没处理"},
    ]
    run("import", write_csv(tmp_path / "orders.csv", rows))
    assert list(WorkOrder.objects.order_by("number").values_list("status", flat=True)) == [
        "closed",
        "closed",
        "closed",
        "pending_visit",
        "replied",
        "accepted",
        "dispatched",
        "cancelled",
        "registered",
    ]
    for order in WorkOrder.objects.all():
        assert_invariants(order)


def test_an_imported_visit_is_the_chain_of_real_actions_by_the_system(city, tmp_path):
    run("import", write_csv(tmp_path / "orders.csv", [VISITED]))
    order = WorkOrder.objects.get()
    events = list(order.events.order_by("seq"))
    assert [e.action for e in events] == [
        Action.REGISTER,
        Action.DISPATCH,
        Action.ACCEPT,
        Action.RECORD_CONTACT,
        Action.REPLY,
        Action.APPROVE_REPLY,
        Action.VISIT,
    ]
    assert [e.unit for e in events] == [None] + [city.streets[0]] * 6
    assert {(e.actor, e.actor_role, e.payload["imported"]) for e in events} == {
        (None, Role.SYSTEM, True)
    }
    assert events[-1].payload == {"resolved": True, "satisfaction": "satisfied", "imported": True}
    assert (events[-1].at, order.version, order.satisfaction) == (order.closed_at, 7, "satisfied")


def test_an_imported_open_order_has_the_deadlines_a_real_dispatch_gives(city, tmp_path):
    dispatched = datetime(2026, 2, 2, 9, 10, tzinfo=SHANGHAI)
    with clock.frozen_at(dispatched):
        real = factories.order_in(Status.DISPATCHED, city)
    row = VISITED | {
        "签收时间": "",
        "先行联系时间": "",
        "回复时间": "",
        "办理结果": "",
        "办结时间": "",
        "满意度": "",
        "是否解决": "",
    }
    run("import", write_csv(tmp_path / "orders.csv", [row]))
    imported = WorkOrder.objects.get(number="L1")
    deadlines = (
        "accept_deadline",
        "contact_deadline",
        "finish_deadline",
        "due_at",
        "warn_at",
        "sweep_at",
    )
    assert [getattr(imported, d) for d in deadlines] == [getattr(real, d) for d in deadlines]


def test_an_address_resolves_to_its_areas_and_one_outside_the_city_keeps_its_text(city, tmp_path):
    run(
        "import",
        write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT | {"地址": "外省某县某村"}]),
    )
    inside, outside = WorkOrder.objects.order_by("number")
    assert (inside.district, inside.street, inside.community) == (
        city.districts[0],
        city.streets[0],
        city.communities[0],
    )
    assert (outside.address, outside.district, outside.street) == ("外省某县某村", None, None)


def test_later_registrations_never_take_an_imported_number(city, tmp_path):
    today = clock.now().astimezone(SHANGHAI)
    row = ON_THE_SPOT | {
        "工单编号": f"{today:%Y%m%d}00042",
        "登记时间": f"{today - timedelta(minutes=10):%Y-%m-%d %H:%M}",
        "办结时间": f"{today - timedelta(minutes=5):%Y-%m-%d %H:%M}",
    }
    run("import", write_csv(tmp_path / "orders.csv", [row]))
    assert factories.register(city).number == f"{today:%Y%m%d}00043"


def test_progress_is_reported_on_stderr(city, tmp_path):
    _, err = run(
        "import", write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT]), "--progress-every", 1
    )
    assert "已校验 2 行…" in err and "已导入 2 行…" in err


def test_an_import_that_fails_midway_leaves_nothing_behind(city, tmp_path, monkeypatch):
    writer = transfer.PostgresWriter if connection.vendor == "postgresql" else transfer.SqliteWriter
    insert, batches = writer.insert, []

    def dies_on_the_second_batch(self, orders, events):
        batches.append(orders)
        if len(batches) == 2:
            raise OSError("disk full")
        insert(self, orders, events)

    monkeypatch.setattr(transfer, "BATCH", 1)
    monkeypatch.setattr(writer, "insert", dies_on_the_second_batch)
    with pytest.raises(OSError, match="disk full"):
        run("import", write_csv(tmp_path / "orders.csv", [VISITED, ON_THE_SPOT]))
    assert len(batches) == 2
    assert not WorkOrder.objects.exists() and not Event.objects.exists()
