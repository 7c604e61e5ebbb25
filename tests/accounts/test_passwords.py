"""The password rules (AUTH_PASSWORD_VALIDATORS): what each refuses, in Chinese, and the console's
password change page that applies them."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from hotline.accounts.passwords import character_kinds
from hotline.org.models import User

from .conftest import PASSWORD, log_in


def refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def test_a_password_shorter_than_ten_characters_is_refused_in_chinese() -> None:
    assert "密码太短，至少要有 10 个字符。" in refusals("Ab3$xyz!q")


def test_a_common_password_is_refused() -> None:
    assert "这个密码太常见了。" in refusals("Password123")


def test_an_all_digit_password_is_refused() -> None:
    assert "密码只包含数字。" in refusals("2026112200017")


def test_a_password_of_one_kind_of_character_is_refused() -> None:
    assert "密码至少要包含 2 类字符：小写字母、大写字母、数字、其他符号。" in refusals(
        "jianglingshi"
    )


def test_a_password_like_the_username_is_refused(operator: User) -> None:
    assert any("太相似" in m for m in refusals("wang.fang.2026", operator))


def test_a_long_password_of_two_kinds_passes_every_rule(operator: User) -> None:
    assert refusals(PASSWORD, operator) == []
    assert refusals("江临市热线2026年") == []  # Chinese characters count as a kind of their own


def test_character_kinds_counts_lower_upper_digits_and_others() -> None:
    assert [character_kinds(p) for p in ["abc", "aBc", "aB3", "aB3!", "热线"]] == [1, 2, 3, 4, 1]


def test_the_rules_speak_english_when_english_is_chosen() -> None:
    with translation.override("en"):
        assert refusals("Ab3$xyz!q") == [
            "This password is too short: it needs at least 10 characters."
        ]


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_with_its_reasons_and_changes_nothing(
    client: Client, operator: User
) -> None:
    log_in(client, "wang.fang")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "密码太短" in page and "这个密码太常见了" in page and "密码只包含数字" in page
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_strong_new_password_is_taken_and_the_session_stays(
    client: Client, operator: User
) -> None:
    log_in(client, "wang.fang")
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Binjiang-Street-7",
            "new_password2": "Binjiang-Street-7",
        },
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password("Binjiang-Street-7")
    assert client.get("/").status_code == 200
