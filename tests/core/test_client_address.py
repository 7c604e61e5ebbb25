"""The client's address behind a reverse proxy: believed from X-Forwarded-For only as far as
trusted proxies wrote it."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from pytest_django import Settings

from hotline.core.ratelimit import client_ip

PROXY = "10.0.0.5"


def address(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.fixture
def behind_proxy(settings: Settings) -> None:
    settings.HOTLINE_TRUSTED_PROXIES = ["10.0.0.0/24"]


def test_without_trusted_proxies_the_forwarded_header_is_ignored() -> None:
    assert address(PROXY, "203.0.113.9") == PROXY


def test_behind_a_trusted_proxy_the_address_it_forwarded_is_the_client(behind_proxy) -> None:
    assert address(PROXY, "203.0.113.9") == "203.0.113.9"


def test_an_address_the_client_wrote_itself_is_not_believed(behind_proxy) -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    assert address(PROXY, "1.2.3.4, 203.0.113.9") == "203.0.113.9"


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_first_untrusted_hop(behind_proxy) -> None:
    assert address(PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.7") == "203.0.113.9"


def test_a_request_not_from_a_trusted_proxy_keeps_its_own_address(behind_proxy) -> None:
    assert address("198.51.100.4", "203.0.113.9") == "198.51.100.4"


def test_a_garbled_forwarded_header_falls_back_to_the_proxy(behind_proxy) -> None:
    assert address(PROXY, "not-an-address") == PROXY
    assert address(PROXY, "") == PROXY


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start_with_its_name(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='hotline.settings'; "
            "django.setup()",
        ],
        env={
            "HOTLINE_TRUSTED_PROXIES": "10.0.0.0/24,proxy.example",
            "HOTLINE_VAR_DIR": str(tmp_path),
            "PATH": "",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "HOTLINE_TRUSTED_PROXIES: 'proxy.example'" in result.stderr
