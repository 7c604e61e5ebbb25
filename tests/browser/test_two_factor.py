"""Two-factor login in a real browser: a supervisor who must use it sets it up at the first
login from the secret on the page, and the next login asks for the authenticator's code."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from hotline.org.models import User
from tests.factories import City

from .conftest import DESKTOP, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_supervisor_sets_up_two_factor_at_the_first_login_and_signs_in_with_codes_after(
    open_page, city: City
) -> None:
    supervisor = city.supervisor
    User.objects.filter(pk=supervisor.pk).update(two_factor_required=True)
    page = open_page(DESKTOP)
    page.goto("/login/")
    page.fill("input[name=username]", supervisor.username)
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/two-factor/")
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "two-factor-setup-1440x900")
    totp = pyotp.TOTP(page.inner_text("#two-factor-secret").strip())
    page.fill("input[name=code]", totp.now())
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert "两步验证已启用" in page.inner_text("main")

    page.click("header form[action='/logout/'] button")
    page.wait_for_url("**/login/")
    page.fill("input[name=username]", supervisor.username)
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/code/")
    screenshot(page, "two-factor-code-1440x900")
    # The setup used this 30 seconds' code, and a code works once: the next one is accepted early.
    page.fill("input[name=code]", totp.at(timezone.now() + timedelta(seconds=30)))
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert str(supervisor) in page.inner_text("header")
