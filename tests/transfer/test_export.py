"""``hotline export orders``: the import's columns, filtered, without what may not leave."""

from datetime import datetime

import pytest
from django.core.management.base import CommandError
from django.db import transaction
from openpyxl import load_workbook

from hotline.audit.models import PersonalDataAccess
from hotline.core import clock
from hotline.orders import services
from hotline.orders.workflow import Status
from hotline.sla.worktime import SHANGHAI
from tests import factories
from tests.transfer.files import read_csv, run

pytestmark = pytest.mark.django_db
PAST = datetime(2026, 2, 2, 9, 30, tzinfo=SHANGHAI)


def personal_data(city) -> list[str]:
    return ["--personal-data", "--by", city.dispatcher.username, "--purpose", "迁移到新系统"]


def export(tmp_path, *options) -> list[dict]:
    run("export", "--out", tmp_path / "orders.csv", *options)
    return read_csv(tmp_path / "orders.csv")


def test_an_export_imports_into_an_empty_installation_and_exports_the_same(city, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    personal = personal_data(city)  # its user outlives the rollback below
    with transaction.atomic():  # the orders exist only until the export is written
        with clock.frozen_at(PAST):
            for state in (
                Status.CLOSED,
                Status.PENDING_VISIT,
                Status.REPLIED,
                Status.ACCEPTED,
                Status.DISPATCHED,
                Status.REGISTERED,
                Status.CANCELLED,
            ):
                factories.order_in(state, city)
            services.answer_on_the_spot(
                order=factories.register(city, category_code="", order_type="consultation"),
                actor=city.operator,
                answer="已告知办理地点",
                category_code="14.01",
            )
            factories.register(
                city, confidential=True, channel="wechat", urgency="urgent", title="举报"
            )
        run("export", "--out", first, *personal)
        transaction.set_rollback(True)
    run("import", first)
    run("export", "--out", second, *personal)
    assert len(read_csv(first)) == 9
    assert read_csv(second) == read_csv(first)


def test_a_confidential_reporter_is_never_exported(city, tmp_path):
    factories.register(city, confidential=True)
    [row] = export(tmp_path, *personal_data(city))
    assert (row["来电人"], row["联系电话"], row["举报人保密"]) == ("", "", "是")


def test_phones_are_masked_unless_personal_data_is_asked_for(city, tmp_path):
    factories.register(city)
    assert export(tmp_path)[0]["联系电话"] == "138****5678"
    assert export(tmp_path, *personal_data(city))[0]["联系电话"] == "13812345678"


def test_an_export_of_full_phones_says_who_and_why_and_is_recorded(city, tmp_path):
    factories.register(city)
    with pytest.raises(CommandError, match="--by"):
        export(tmp_path, "--personal-data")
    export(tmp_path, *personal_data(city))
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.channel, record.what, record.order) == (
        city.dispatcher,
        "export",
        "导出 1 个工单的来电人电话",
        None,
    )
    assert record.purpose == "迁移到新系统"


def test_an_excel_export_has_real_time_cells(city, tmp_path):
    with clock.frozen_at(PAST):
        number = factories.register(city).number
    run("export", "--out", tmp_path / "orders.xlsx")
    header, row = load_workbook(tmp_path / "orders.xlsx", read_only=True).active.iter_rows(
        values_only=True
    )
    cells = dict(zip(header, row, strict=True))
    assert (cells["工单编号"], cells["登记时间"], cells["状态"]) == (
        number,
        datetime(2026, 2, 2, 9, 30),
        "已登记",
    )


def test_the_status_filter_takes_a_label_or_a_code(city, tmp_path):
    closed = factories.order_in(Status.CLOSED, city).number
    factories.order_in(Status.ACCEPTED, city)
    assert [r["工单编号"] for r in export(tmp_path, "--status", "已办结")] == [closed]
    assert [r["工单编号"] for r in export(tmp_path, "--status", "closed")] == [closed]


def test_the_unit_filter_covers_the_units_below_it(city, tmp_path):
    east = factories.order_in(Status.DISPATCHED, city).number  # to 东城1街道
    factories.order_in(Status.DISPATCHED, city, address="西城1路5号")  # to 西城1街道
    assert [r["工单编号"] for r in export(tmp_path, "--unit", "东城区")] == [east]


def test_category_and_channel_filters_select_their_orders(city, tmp_path):
    water = factories.register(city, category_code="04.01", channel="wechat").number
    factories.register(city)
    assert [r["工单编号"] for r in export(tmp_path, "--category", "04.01")] == [water]
    assert [r["工单编号"] for r in export(tmp_path, "--channel", "微信")] == [water]


def test_since_and_until_are_local_days_both_included(city, tmp_path):
    numbers = []
    for day in (1, 2, 3):
        with clock.frozen_at(datetime(2026, 2, day, 23, 30, tzinfo=SHANGHAI)):
            numbers.append(factories.register(city).number)
    assert [
        r["工单编号"] for r in export(tmp_path, "--since", "2026-02-02", "--until", "2026-02-02")
    ] == [numbers[1]]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--status", "处理中", "--status「处理中」：无效的取值"),
        ("--unit", "不存在的单位", "--unit「不存在的单位」：没有这个单位"),
        ("--category", "99.99", "--category「99.99」：没有这个分类编码"),
    ],
)
def test_a_bad_filter_is_refused_with_the_reason(city, tmp_path, option, value, message):
    with pytest.raises(CommandError, match=message):
        export(tmp_path, option, value)
    assert not (tmp_path / "orders.csv").exists()
