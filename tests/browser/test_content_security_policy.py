"""Pages draw under the content security policy (the open_page fixture fails a test on anything
the policy blocked); the console's own pages are walked by the other browser tests."""

import pytest

from tests.factories import City

from .conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_api_documentation_draws_from_the_sites_own_files(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "hotline API" in page.inner_text(".swagger-ui .info .title")


def test_the_admin_signs_in_through_the_staff_login_and_works_under_the_policy(
    open_page, city: City
) -> None:
    from hotline.org.models import User

    User.objects.create_superuser("root", password="x", role="admin", unit=city.centre)
    page = open_page(DESKTOP)
    page.goto("/admin/")
    page.wait_for_url("**/login/?next=/admin/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "x")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto("/admin/org/user/")
    page.click("#result_list tbody a >> nth=0")
    page.wait_for_selector("#user_form")
    assert page.locator("input[name=two_factor_required]").count() == 1
