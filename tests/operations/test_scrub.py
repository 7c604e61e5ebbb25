"""The scrubbing rules, without a database."""

import pytest

from hotline.operations.scrub import (
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    reduce_address,
    scrub,
    scrub_in_text,
    scrub_json,
)


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "19912345678",
        "138-1234-5678",
        "138 1234 5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "86-13812345678",
        "008613812345678",
    ],
)
def test_mobile_numbers_in_any_common_spelling_are_replaced(number) -> None:
    assert scrub(f"请联系{number}谢谢") == f"请联系{PHONE}谢谢"


@pytest.mark.parametrize(
    "number",
    [
        "010-62345678",
        "0755-2345678",
        "021 23456789",
        "(021)23456789",
        "（0571）87654321",
        "010-62345678-123",
        "010-62345678转8",
    ],
)
def test_landline_numbers_with_an_area_code_are_replaced(number) -> None:
    assert scrub(f"座机{number}。") == f"座机{PHONE}。"


@pytest.mark.parametrize(
    "text", ["电话23456789", "座机：2345678", "联系方式是 62345678", "tel:62345678"]
)
def test_a_bare_local_number_is_replaced_where_a_word_says_it_is_a_phone(text) -> None:
    assert scrub(text).endswith(PHONE)
    assert not any(ch.isdigit() for ch in scrub(text))


@pytest.mark.parametrize(
    "number",
    [
        "110101199003071234",
        "11010119900307123X",
        "11010119900307123x",
        "440301200012315678",
        "110101900307123",
    ],
)
def test_resident_id_numbers_are_replaced(number) -> None:
    assert scrub(f"身份证号{number}，") == f"身份证号{ID_NUMBER}，"


@pytest.mark.parametrize("address", ["zhang.san@example.com", "a_b+tag@mail.gov.cn", "X1@163.COM"])
def test_email_addresses_are_replaced(address) -> None:
    assert scrub(f"邮箱 {address} 收") == f"邮箱 {EMAIL} 收"


@pytest.mark.parametrize(
    "text",
    [
        "工单2026112200017已办结",  # order numbers are 13 digits
        "拨打12345热线",
        "报警110，急救120",
        "2026年11月22日",
        "20261122",
        "共 1,234 户",
        "3栋502室",
        "温度-12℃",
        "面积120平方米",
        "金额12000000元",
        "编号A1381234567800",
    ],
)
def test_ordinary_numbers_are_left_alone(text) -> None:
    assert scrub(text) == text


def test_an_id_number_is_not_mistaken_for_a_phone_number_and_a_tail() -> None:
    assert scrub("110101199003071234") == ID_NUMBER


def test_the_callers_name_is_replaced_wherever_it_appears() -> None:
    assert (
        scrub("张先生反映：张先生家门口积水", names=["张先生"]) == f"{NAME}反映：{NAME}家门口积水"
    )


def test_longer_names_are_replaced_before_the_shorter_ones_they_contain() -> None:
    assert scrub("欧阳明与欧阳", names=["欧阳", "欧阳明"]) == f"{NAME}与{NAME}"


@pytest.mark.parametrize("name", ["", " ", "王"])
def test_names_shorter_than_two_characters_are_not_replaced(name) -> None:
    assert scrub("王师傅说路灯坏了", names=[name]) == "王师傅说路灯坏了"


def test_text_without_personal_data_comes_back_unchanged_and_empty_text_stays_empty() -> None:
    assert scrub("东城1路11小区门口垃圾三天没人清运") == "东城1路11小区门口垃圾三天没人清运"
    assert scrub("") == ""


def test_scrubbing_twice_changes_nothing_more() -> None:
    once = scrub("张先生 13812345678 a@b.cn 110101199003071234 010-62345678", names=["张先生"])
    assert scrub(once, names=["张先生"]) == once


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("东城1路11小区3栋502室", "东城1路11小区"),
        ("人民路25号3单元501室", "人民路"),
        ("幸福村二组十五号", "幸福村二组"),
        ("建国门外大街1号院2号楼", "建国门外大街"),
        ("长宁路123弄4号", "长宁路"),
        ("东城1路11小区门口", "东城1路11小区门口"),
        ("3-2-501", ""),
        ("东城1路11小区3-2-501", "东城1路11小区"),
        ("东城1路11小区，电话13812345678", "东城1路11小区，电话[电话]"),
        ("", ""),
    ],
)
def test_an_address_keeps_the_road_and_compound_and_loses_the_house(address, kept) -> None:
    assert reduce_address(address) == kept


def test_the_full_address_quoted_in_a_text_is_reduced_there_too() -> None:
    text = "东城1路11小区3栋门口垃圾没人清运"
    assert scrub_in_text(text, address="东城1路11小区3栋") == "东城1路11小区门口垃圾没人清运"


def test_json_keeps_its_shape_numbers_and_keys_and_loses_the_identity_values() -> None:
    payload = {
        "deadlines": {"finish": "2026-11-27T17:30:00+08:00"},
        "unit": 7,
        "resolved": True,
        "none": None,
        "caller_phone": "13812345678",
        "caller_name": "张先生",
        "address": "东城1路11小区3栋",
        "notes": ["张先生说 13912345678 可联系", 3],
        "unit_name": "东城1街道",
    }
    assert scrub_json(payload, names=["张先生"]) == {
        "deadlines": {"finish": "2026-11-27T17:30:00+08:00"},
        "unit": 7,
        "resolved": True,
        "none": None,
        "caller_phone": "",
        "caller_name": "",
        "address": "东城1路11小区",
        "notes": [f"{NAME}说 {PHONE} 可联系", 3],
        "unit_name": "东城1街道",
    }
