"""CSRF protection on every session-authenticated POST: the console, the login, the portal and
the API's session authentication. Bearer-token API calls and Open311 POST (API keys, no cookies)
are exempt by design."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.org.models import User
from tests import factories
from tests.factories import City

from .conftest import PASSWORD


@pytest.fixture
def strict():
    """A browser whose forms carry no CSRF token, as a forged cross-site form would."""
    return Client(enforce_csrf_checks=True)


def test_the_login_form_needs_its_token(strict, operator: User) -> None:
    response = strict.post("/login/", {"username": "wang.fang", "password": PASSWORD})
    assert response.status_code == 403


def test_an_order_action_without_a_token_is_refused_and_changes_nothing(strict, city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    strict.force_login(city.handler())
    response = strict.post(f"/orders/{order.number}/accept/")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_logout_without_a_token_is_refused(strict, operator: User) -> None:
    strict.force_login(operator)
    assert strict.post("/logout/").status_code == 403
    assert strict.get("/").status_code == 200


def test_the_account_pages_need_the_token(strict, operator: User) -> None:
    strict.force_login(operator)
    assert strict.post("/account/password/", {}).status_code == 403
    assert strict.post("/account/two-factor/", {"code": "123456"}).status_code == 403


def test_the_portal_form_needs_its_token(strict, city: City) -> None:
    response = strict.post(
        "/portal/", {"order_type": "complaint", "text": "路灯不亮", "caller_phone": "13800000000"}
    )
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


def test_an_api_post_on_a_session_without_a_token_is_refused(strict, operator: User) -> None:
    strict.force_login(operator)
    response = strict.post("/api/v1/orders", {"text": "路灯不亮"}, content_type="application/json")
    assert response.status_code == 403


def test_an_api_post_with_a_bearer_token_needs_no_csrf_token(strict, operator: User) -> None:
    token = create_token(user=operator)
    response = strict.post(
        "/api/v1/orders",
        {"text": "东城1路路灯不亮", "order_type": "help"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code != 403


def _views(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_the_api_and_open311_skip_the_csrf_middleware() -> None:
    exempt = sorted(route for route, view in _views() if getattr(view, "csrf_exempt", False))
    # The API checks CSRF itself for session (cookie) authentication: django-ninja's django_auth.
    assert exempt and all(route.startswith(("api/v1/", "open311/v2/")) for route in exempt), exempt
