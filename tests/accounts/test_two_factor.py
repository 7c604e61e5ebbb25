"""Two-factor login (TOTP): setting it up, the code asked after the password, codes used once,
wrong codes locking like wrong passwords, required by role or per user, reset by an admin; API
tokens unaffected."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from pytest_django import Settings

from hotline.accounts.models import LoginThrottle, TwoFactor
from hotline.api.services import create_token
from hotline.org.models import User
from tests.factories import City

from .conftest import PASSWORD, log_in, signed_in, with_two_factor


def shown_secret(page: str) -> str:
    return re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page).group(1)


def test_a_user_sets_it_up_from_the_account_page_with_the_first_code(
    client: Client, operator: User
) -> None:
    log_in(client, "wang.fang")
    page = client.get("/account/two-factor/").content.decode()
    secret = shown_secret(page)
    assert (
        f"otpauth://totp/12345%E7%83%AD%E7%BA%BF:wang.fang?secret={secret}" in page
        and "<svg" in page
    )
    response = client.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert TwoFactor.objects.get(user=operator).secret == secret


def test_reloading_the_setup_page_shows_the_same_secret(client: Client, operator: User) -> None:
    log_in(client, "wang.fang")
    assert shown_secret(client.get("/account/two-factor/").content.decode()) == shown_secret(
        client.get("/account/two-factor/").content.decode()
    )


def test_a_wrong_code_at_setup_stores_nothing(client: Client, operator: User) -> None:
    log_in(client, "wang.fang")
    secret = shown_secret(client.get("/account/two-factor/").content.decode())
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = client.post("/account/two-factor/", {"code": wrong})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    assert not TwoFactor.objects.exists()


def test_a_malformed_code_is_named_and_not_counted(client: Client, operator: User) -> None:
    with_two_factor(operator)
    log_in(client, "wang.fang")
    response = client.post("/login/code/", {"code": "12ab"})
    assert (
        response.status_code == 400 and "请输入验证器上显示的 6 位数字" in response.content.decode()
    )
    assert not LoginThrottle.objects.exists()


def test_the_password_alone_does_not_sign_in_a_user_with_two_factor(
    client: Client, operator: User
) -> None:
    with_two_factor(operator)
    response = log_in(client, "wang.fang")
    assert response["Location"] == "/login/code/"
    assert not signed_in(client)
    assert client.get("/api/v1/orders").status_code == 401


def test_the_right_code_after_the_password_signs_in_and_goes_where_asked(
    client: Client, operator: User
) -> None:
    totp = with_two_factor(operator)
    log_in(client, "wang.fang", next="/orders/")
    response = client.post("/login/code/", {"code": totp.now()})
    assert response["Location"] == "/orders/"
    assert signed_in(client)


def test_a_code_with_a_space_as_apps_show_it_is_accepted(client: Client, operator: User) -> None:
    totp = with_two_factor(operator)
    log_in(client, "wang.fang")
    code = totp.now()
    client.post("/login/code/", {"code": f"{code[:3]} {code[3:]}"})
    assert signed_in(client)


def test_a_code_works_only_once(client: Client, operator: User) -> None:
    totp = with_two_factor(operator)
    with time_machine.travel("2026-11-23 09:00:05 +0800", tick=False):
        code = totp.now()
        log_in(client, "wang.fang")
        client.post("/login/code/", {"code": code})
        other = Client()
        log_in(other, "wang.fang")
        response = other.post("/login/code/", {"code": code})
    assert "验证码不正确或已经用过" in response.content.decode()
    assert not signed_in(other)


def test_a_code_from_the_previous_30_seconds_is_still_accepted(
    client: Client, operator: User
) -> None:
    totp = with_two_factor(operator)
    with time_machine.travel("2026-11-23 09:00:40 +0800", tick=False) as traveller:
        code = totp.now()
        traveller.shift(timedelta(seconds=30))
        log_in(client, "wang.fang")
        client.post("/login/code/", {"code": code})
        assert signed_in(client)


def test_wrong_codes_count_towards_the_lock(client: Client, operator: User) -> None:
    totp = with_two_factor(operator)
    log_in(client, "wang.fang")
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    for _ in range(5):
        client.post("/login/code/", {"code": wrong})
    response = client.post("/login/code/", {"code": totp.now()}, follow=True)
    assert "登录失败次数过多" in response.content.decode()
    assert not signed_in(client)


def test_the_half_signed_in_state_lasts_five_minutes(client: Client, operator: User) -> None:
    totp = with_two_factor(operator)
    with time_machine.travel("2026-11-23 09:00 +0800", tick=False) as traveller:
        log_in(client, "wang.fang")
        traveller.shift(timedelta(minutes=5, seconds=1))
        response = client.post("/login/code/", {"code": totp.now()})
    assert response["Location"] == "/login/"
    assert not signed_in(client)


def test_the_code_page_without_a_password_first_sends_back_to_the_login(
    client: Client, operator: User
) -> None:
    assert client.get("/login/code/")["Location"] == "/login/"


def test_a_role_that_must_use_it_sets_it_up_at_the_login(
    client: Client, operator: User, settings: Settings
) -> None:
    settings.HOTLINE_TWO_FACTOR_ROLES = ["operator"]
    response = log_in(client, "wang.fang")
    assert response["Location"] == "/login/two-factor/"
    assert not signed_in(client)
    secret = shown_secret(client.get("/login/two-factor/").content.decode())
    client.post("/login/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert signed_in(client) and TwoFactor.objects.filter(user=operator).exists()


def test_a_user_the_admin_marked_sets_it_up_at_the_login(client: Client, operator: User) -> None:
    User.objects.filter(pk=operator.pk).update(two_factor_required=True)
    assert log_in(client, "wang.fang")["Location"] == "/login/two-factor/"


def test_a_user_who_must_use_it_cannot_turn_it_off(client: Client, operator: User) -> None:
    User.objects.filter(pk=operator.pk).update(two_factor_required=True)
    totp = with_two_factor(operator)
    client.force_login(operator)
    response = client.post("/account/two-factor/off/", {"code": totp.now()})
    assert response.status_code == 400 and "不能关闭" in response.content.decode()
    assert TwoFactor.objects.filter(user=operator).exists()


def test_a_user_turns_it_off_with_a_current_code(client: Client, operator: User) -> None:
    totp = with_two_factor(operator)
    client.force_login(operator)
    client.post("/account/two-factor/off/", {"code": totp.now()})
    assert not TwoFactor.objects.filter(user=operator).exists()
    log_in(Client(), "wang.fang")


def test_an_admin_reset_lets_a_user_who_lost_the_phone_set_it_up_again(
    client: Client, operator: User, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.filter(pk=operator.pk).update(two_factor_required=True)
    with_two_factor(operator)
    call_command("accounts", "reset-two-factor", "wang.fang")
    assert "two-factor reset for wang.fang" in capsys.readouterr().out
    assert log_in(client, "wang.fang")["Location"] == "/login/two-factor/"


def test_the_admin_action_resets_it(client: Client, operator: User, city: City) -> None:
    with_two_factor(operator)
    admin = User.objects.create_superuser("root", password=PASSWORD, role="admin", unit=city.centre)
    client.force_login(admin)
    client.post(
        "/admin/org/user/", {"action": "reset_two_factor", "_selected_action": [operator.pk]}
    )
    assert not TwoFactor.objects.filter(user=operator).exists()


@pytest.mark.django_db
def test_resetting_an_unknown_user_is_refused() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("accounts", "reset-two-factor", "ghost")


def test_api_bearer_tokens_are_not_asked_for_a_code(
    client: Client, operator: User, settings: Settings
) -> None:
    settings.HOTLINE_TWO_FACTOR_ROLES = ["operator"]
    with_two_factor(operator)
    token = create_token(user=operator)
    response = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_the_admin_signs_in_through_the_staff_login(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/admin/"


def test_an_unknown_role_in_the_setting_fails_the_system_checks(settings: Settings) -> None:
    from hotline.accounts.checks import two_factor_roles_exist

    settings.HOTLINE_TWO_FACTOR_ROLES = ["boss"]
    assert [e.id for e in two_factor_roles_exist(None)] == ["hotline.E001"]
