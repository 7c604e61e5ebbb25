"""Checking rows of a legacy file (pure: no database)."""

from datetime import datetime

import pytest

from hotline.sla.worktime import SHANGHAI
from hotline.transfer import legacy
from hotline.transfer.legacy import CategoryRef, FileProblem, Lookup, Record, UnitRef

STREET = UnitRef(5, "东城1街道", True)
TEAMS = [UnitRef(7, "城管执法队", True), UnitRef(8, "城管执法队", True)]
GARBAGE = CategoryRef(1, "02.01")


def _no_policy(order_type, code, urgency):
    if code == "14.99":
        raise LookupError("no SLA policy sets the finish deadline")


REF = legacy.Reference(
    categories=Lookup(
        [("02.01", GARBAGE), ("垃圾清运", GARBAGE), ("14.99", CategoryRef(2, "14.99"))], "分类"
    ),
    units=Lookup(
        [
            ("东城1街道", STREET),
            ("12345热线中心", None),
            ("东城1街道/城管执法队", TEAMS[0]),
            ("西城1街道/城管执法队", TEAMS[1]),
            *[("城管执法队", t) for t in TEAMS],
        ],
        "单位",
        "，请写成「上级单位/名称」",
    ),
    now=datetime(2026, 3, 1, 12, tzinfo=SHANGHAI),
    tz=SHANGHAI,
    spans=_no_policy,
)
VISITED = {
    "工单编号": "L1",
    "登记时间": "2026-02-02 09:00",
    "分类": "02.01",
    "诉求内容": "垃圾没人清运",
    "联系电话": "138 1234 5678",
    "承办单位": "东城1街道",
    "派单时间": "2026-02-02 09:10",
    "签收时间": "2026-02-02 10:00",
    "回复时间": "2026-02-03 16:00",
    "办理结果": "已清运",
    "是否解决": "是",
    "满意度": "满意",
    "办结时间": "2026-02-04 10:00",
}


def check(base=VISITED, **changes) -> Record | dict[str, str]:
    values = base | changes
    result = legacy.check_row(
        2, [values.get(h, "") for h in legacy.HEADERS], legacy.layout(legacy.HEADERS), REF
    )
    return {e.column: e.message for e in result} if isinstance(result, list) else result


def test_a_complete_row_becomes_a_typed_record():
    r = check()
    assert (r.number, r.status, r.unit, r.category, r.caller_phone) == (
        "L1",
        "closed",
        STREET,
        GARBAGE,
        "13812345678",
    )
    assert r.registered_at == datetime(2026, 2, 2, 9, tzinfo=SHANGHAI)
    assert (r.channel, r.order_type, r.urgency, r.resolved, r.satisfaction) == (
        "phone",
        "help",
        "normal",
        True,
        "satisfied",
    )
    assert r.title == "垃圾没人清运"


@pytest.mark.parametrize(
    ("drop", "status"),
    [
        ((), "closed"),
        (("办结时间", "满意度", "是否解决"), "replied"),
        (("办结时间", "满意度", "是否解决", "回复时间", "办理结果"), "accepted"),
        (("办结时间", "满意度", "是否解决", "回复时间", "办理结果", "签收时间"), "dispatched"),
    ],
)
def test_the_status_follows_from_the_last_time_given(drop, status):
    assert check(**dict.fromkeys(drop, "")).status == status


def test_choices_take_labels_and_codes():
    r = check(渠道="微信", 诉求类型="complaint", 紧急程度="特急", 满意度="basically", 状态="已办结")
    assert (r.channel, r.order_type, r.urgency, r.satisfaction, r.status) == (
        "wechat",
        "complaint",
        "critical",
        "basically",
        "closed",
    )


def test_a_category_is_found_by_its_name():
    assert check(分类="垃圾清运").category == GARBAGE


def test_a_step_dated_before_the_previous_one_is_an_error_of_the_later_column():
    assert check(签收时间="2026-02-02 09:05") == {"签收时间": "早于派单时间（2026-02-02 09:10:00）"}


def test_loose_time_formats_are_read():
    assert check(登记时间="2026/2/2 9:00").registered_at == datetime(2026, 2, 2, 9, tzinfo=SHANGHAI)
    assert check(登记时间="2026-02-02T01:00:00+00:00").registered_at == datetime(
        2026, 2, 2, 9, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-02", "只有日期没有时刻，应为「2026-03-05 09:07」"),
        ("2026-02-30 09:00", "不是有效的日期时间"),
        ("上周二", "时间格式不正确，应为「2026-03-05 09:07」或「2026-03-05 09:07:30」"),
        ("2026-03-02 09:00", "晚于导入时刻"),
    ],
)
def test_a_time_that_is_not_a_past_moment_is_refused(value, message):
    assert check(登记时间=value) == {"登记时间": message}


def test_a_masked_phone_is_refused_with_a_hint():
    assert "--personal-data" in check(联系电话="138****5678")["联系电话"]


def test_a_unit_name_shared_by_several_units_needs_its_parent():
    assert check(承办单位="城管执法队") == {
        "承办单位": "有多个单位叫「城管执法队」，请写成「上级单位/名称」"
    }
    assert check(承办单位="西城1街道/城管执法队").unit == TEAMS[1]


def test_an_order_closed_by_the_centre_was_answered_on_the_spot():
    r = check(承办单位="12345热线中心", 派单时间="", 签收时间="", 回复时间="", 满意度="")
    assert (r.unit, r.status) == (None, "closed")


def test_a_status_needs_the_times_of_the_steps_that_lead_to_it():
    assert check(状态="待回访", 办结时间="", 满意度="", 是否解决="", 回复时间="") == {
        "回复时间": "状态「待回访」的工单需要填写回复时间"
    }


def test_a_status_refuses_the_times_of_later_steps():
    assert check(状态="办理中", 满意度="", 是否解决="", 办理结果="") == {
        "回复时间": "状态「办理中」的工单不应有回复时间",
        "办结时间": "状态「办理中」的工单不应有办结时间",
    }


def test_a_dispatched_status_needs_a_unit():
    assert check(承办单位="") == {"承办单位": "有派单时间的工单需要承办单位"}
    assert check(承办单位="", 派单时间="", 签收时间="", 回复时间="", 状态="办理中") == {
        "承办单位": "状态「办理中」的工单需要承办单位"
    }


@pytest.mark.parametrize("status", ["待派单", "退单待审", "已并单"])
def test_statuses_that_wait_on_the_old_system_are_not_imported(status):
    assert check(状态=status) == {
        "状态": f"不能导入状态「{status}」的工单：请在原系统中处理完毕后再导入"
    }


def test_a_reply_needs_its_result():
    assert check(办理结果="") == {
        "办理结果": "状态「已办结」（由各时间推断）的工单需要填写办理结果"
    }


def test_an_order_without_a_deadline_policy_is_refused():
    assert check(分类="14.99") == {
        "分类": "没有适用的时限规定：no SLA policy sets the finish deadline"
    }


def test_every_bad_column_of_a_row_is_reported():
    assert check(工单编号="", 联系电话="12", 满意度="很好").keys() == {
        "工单编号",
        "联系电话",
        "满意度",
    }


def test_headers_are_found_by_alias_and_field_name_and_unknown_ones_ignored():
    lay = legacy.layout(["工单号", "受理时间", "TEXT", "备注"])
    assert (lay.index, lay.ignored) == ({"number": 0, "registered_at": 1, "text": 2}, ["备注"])


def test_a_mapping_names_other_headers_and_leaves_columns_out():
    mapping = legacy.parse_mapping("流水号=number，来电日期=登记时间, 登记时间=-")
    lay = legacy.layout(["流水号", "来电日期", "登记时间", "诉求内容"], mapping)
    assert lay.index == {"number": 0, "registered_at": 1, "text": 3}
    assert lay.column("registered_at") == "来电日期"


def test_two_columns_for_one_field_are_refused():
    with pytest.raises(FileProblem, match="都对应「登记时间」"):
        legacy.layout(["工单编号", "受理时间", "登记时间", "诉求内容"])


def test_a_missing_required_column_is_refused():
    with pytest.raises(FileProblem, match="缺少必填列「诉求内容」"):
        legacy.layout(["工单编号", "登记时间"])


def test_a_mapping_to_an_unknown_field_is_refused():
    with pytest.raises(FileProblem, match="没有「工单号码」这个字段"):
        legacy.layout(["编号X", "登记时间", "诉求内容"], {"编号X": "工单号码"})


def test_a_mapping_of_a_header_the_file_lacks_is_refused():
    with pytest.raises(FileProblem, match="列对应关系中的「来电 日期」不是文件中的表头"):
        legacy.layout(["工单编号", "登记时间", "诉求内容"], {"来电 日期": "登记时间"})
