"""Security headers on the console and the portal: a content security policy that allows only
the site's own scripts, no framing, no MIME sniffing, no referrer sent elsewhere; no inline
script left in the pages that would need the policy loosened."""

import re
from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from hotline.core.middleware import CONTENT_SECURITY_POLICY
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City


@pytest.fixture
def pages(client: Client, city: City):
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.operator)
    return {
        path: client.get(path)
        for path in [
            "/",
            "/orders/",
            f"/orders/{order.number}/",
            "/dashboard/",
            "/intake/",
            "/account/",
            "/portal/",
            "/login/",
        ]
    }


def test_every_page_carries_the_content_security_policy(pages) -> None:
    assert {path: r["Content-Security-Policy"] for path, r in pages.items()} == {
        path: CONTENT_SECURITY_POLICY for path in pages
    }


def test_the_policy_allows_scripts_only_from_the_site_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_no_page_has_an_inline_script(pages) -> None:
    for path, response in pages.items():
        inline = [
            tag
            for tag in re.findall(r"<script\b[^>]*>", response.content.decode())
            if "src=" not in tag and 'type="application/json"' not in tag
        ]
        assert inline == [], path


def test_pages_forbid_framing_sniffing_and_cross_site_referrers(pages) -> None:
    for response in pages.values():
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_an_attachment_served_as_html_keeps_its_own_stricter_policy(
    client: Client, city: City, settings: Settings, tmp_path: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from hotline.orders.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    order = factories.order_in(Status.DISPATCHED, city)
    item = Attachment.objects.create(
        order=order,
        file=SimpleUploadedFile("a.html", b"<p>hello</p>"),
        name="a.html",
        content_type="text/html",
        size=12,
        uploaded_at=timezone.now(),
    )
    client.force_login(city.dispatcher)
    response = client.get(f"/orders/{order.number}/files/{item.pk}/")
    assert response["Content-Security-Policy"] == "default-src 'none'"
