"""Login throttling and lockout: counted in the database for every app process, the same answer
for names with and without an account, cleared by a success or by an admin."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from pytest_django import Settings

from hotline.accounts import services
from hotline.accounts.models import LoginThrottle
from hotline.org.models import User
from tests.factories import City

from .conftest import PASSWORD, log_in, signed_in

LOCKED = "登录失败次数过多，账户已暂时锁定"


def fail(client: Client, username: str, times: int, **extra):
    for _ in range(times):
        response = log_in(client, username, "Wrong-password-1", **extra)
    return response


def test_a_wrong_password_is_answered_without_saying_which_part_was_wrong(
    client: Client, operator: User
) -> None:
    response = fail(client, "wang.fang", 1)
    assert response.status_code == 400 and "用户名或密码不正确。" in response.content.decode()


def test_five_wrong_passwords_lock_the_username_even_against_the_right_password(
    client: Client, operator: User
) -> None:
    fail(client, "wang.fang", 5)
    response = log_in(client, "wang.fang")
    assert LOCKED in response.content.decode() and "15 分钟" in response.content.decode()
    assert not signed_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in(client: Client, operator: User) -> None:
    fail(client, "wang.fang", 4)
    log_in(client, "wang.fang")
    assert signed_in(client)


def test_a_name_without_an_account_is_locked_with_the_same_words(
    client: Client, operator: User
) -> None:
    fail(client, "wang.fang", 5)
    fail(client, "nobody.here", 5)
    known, unknown = (
        log_in(client, "wang.fang").content.decode(),
        log_in(client, "nobody.here").content.decode(),
    )
    assert LOCKED in known and LOCKED in unknown
    assert same_page(known.replace("wang.fang", "NAME"), unknown.replace("nobody.here", "NAME"))


def same_page(a: str, b: str) -> bool:
    """Equal but for the CSRF tokens (masked afresh in every answer)."""
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    return token.sub("", a) == token.sub("", b)


def test_the_lock_ends_after_the_lockout_time(client: Client, operator: User) -> None:
    with time_machine.travel("2026-11-23 09:00 +0800", tick=False) as traveller:
        fail(client, "wang.fang", 5)
        traveller.shift(timedelta(minutes=14))
        assert LOCKED in log_in(client, "wang.fang").content.decode()
        traveller.shift(timedelta(minutes=1))
        log_in(client, "wang.fang")
        assert signed_in(client)


def test_a_successful_login_clears_the_count(client: Client, operator: User) -> None:
    fail(client, "wang.fang", 4)
    log_in(client, "wang.fang")
    client.post("/logout/")
    fail(client, "wang.fang", 4)
    log_in(client, "wang.fang")
    assert signed_in(client)


def test_empty_fields_are_answered_and_not_counted(client: Client, operator: User) -> None:
    for _ in range(6):
        response = log_in(client, "wang.fang", "")
    assert "请输入用户名和密码。" in response.content.decode()
    assert not LoginThrottle.objects.exists()
    log_in(client, "wang.fang")
    assert signed_in(client)


def test_the_username_is_counted_without_case_or_spaces(client: Client, operator: User) -> None:
    fail(client, " Wang.Fang", 3)
    fail(client, "WANG.FANG ", 2)
    assert LOCKED in log_in(client, "wang.fang").content.decode()


def test_many_names_tried_from_one_address_lock_the_address(
    client: Client, operator: User, settings: Settings
) -> None:
    settings.HOTLINE_LOGIN_ADDRESS_FAILURES = 6
    for i in range(6):
        fail(client, f"guess-{i}", 1)
    response = log_in(client, "wang.fang")
    assert "本机登录失败次数过多" in response.content.decode()
    assert not signed_in(client)
    other_machine = Client(REMOTE_ADDR="10.1.2.3")
    log_in(other_machine, "wang.fang")
    assert signed_in(other_machine)


def test_behind_a_trusted_proxy_a_locked_address_does_not_lock_out_everyone(
    operator: User, settings: Settings
) -> None:
    settings.HOTLINE_TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.HOTLINE_LOGIN_ADDRESS_FAILURES = 6
    attacker = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for i in range(6):
        fail(attacker, f"guess-{i}", 1)
    assert "本机登录失败次数过多" in log_in(attacker, "wang.fang").content.decode()
    colleague = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.20")
    log_in(colleague, "wang.fang")
    assert signed_in(colleague)


def test_the_lock_is_kept_in_the_database_not_in_one_process_memory(operator: User) -> None:
    fail(Client(), "wang.fang", 5)
    cache.clear()  # what another gunicorn worker would see: none of this process's memory
    assert LoginThrottle.objects.get(scope="username", key="wang.fang").locked_until is not None
    assert LOCKED in log_in(Client(), "wang.fang").content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failures_at_the_same_moment_on_separate_connections_are_all_counted(city: City) -> None:
    from tests.orders.threads import run_together

    run_together([lambda: services.login_failed(username="wang.fang", address="10.0.0.9")] * 4)
    assert LoginThrottle.objects.get(scope="username", key="wang.fang").failures == 4
    assert LoginThrottle.objects.get(scope="address", key="10.0.0.9").failures == 4


def test_an_admin_unlocks_a_username_with_the_command(
    client: Client, operator: User, capsys: pytest.CaptureFixture[str]
) -> None:
    fail(client, "wang.fang", 5)
    call_command("accounts", "locked")
    assert "wang.fang" in capsys.readouterr().out
    call_command("accounts", "unlock", "wang.fang")
    log_in(client, "wang.fang")
    assert signed_in(client)


def test_the_command_unlocks_an_address(client: Client, operator: User, settings: Settings) -> None:
    settings.HOTLINE_LOGIN_ADDRESS_FAILURES = 2
    fail(client, "guess", 2)
    call_command("accounts", "unlock", "--address", "127.0.0.1")
    assert not LoginThrottle.objects.filter(scope="address").exists()


def test_the_unlock_command_without_a_name_or_address_is_refused() -> None:
    with pytest.raises(CommandError, match="USERNAME or an --address"):
        call_command("accounts", "unlock")


def test_an_admin_unlocks_a_user_from_the_admin(client: Client, operator: User, city: City) -> None:
    fail(Client(), "wang.fang", 5)
    admin = User.objects.create_superuser("root", password=PASSWORD, role="admin", unit=city.centre)
    client.force_login(admin)
    response = client.post(
        "/admin/org/user/", {"action": "unlock_login", "_selected_action": [operator.pk]}
    )
    assert response.status_code == 302
    log_in(Client(), "wang.fang")  # a fresh browser: the lock is gone
    assert not LoginThrottle.objects.filter(key="wang.fang").exists()


def test_the_lock_list_in_the_admin_clears_a_locked_address(
    client: Client, operator: User, city: City, settings: Settings
) -> None:
    settings.HOTLINE_LOGIN_ADDRESS_FAILURES = 2
    fail(Client(), "guess", 2)
    row = LoginThrottle.objects.get(scope="address")
    admin = User.objects.create_superuser("root", password=PASSWORD, role="admin", unit=city.centre)
    client.force_login(admin)
    assert "127.0.0.1" in client.get("/admin/accounts/loginthrottle/").content.decode()
    client.post(
        "/admin/accounts/loginthrottle/", {"action": "unlock", "_selected_action": [row.pk]}
    )
    assert not LoginThrottle.objects.filter(scope="address").exists()


def test_old_counts_are_removed_as_new_failures_come_in(client: Client, operator: User) -> None:
    with time_machine.travel("2026-11-23 09:00 +0800", tick=False) as traveller:
        fail(client, "someone", 1)
        traveller.shift(timedelta(minutes=16))
        fail(client, "wang.fang", 1)
    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {"wang.fang", "127.0.0.1"}


def test_the_right_password_is_not_counted_as_a_failure(client: Client, operator: User) -> None:
    log_in(client, "wang.fang", PASSWORD)
    assert not LoginThrottle.objects.exists()
