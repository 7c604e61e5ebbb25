"""Rate limits on the public forms (portal, Open311 POST): counted in the database, so shared
by every worker; a refused request registers nothing; the next window lets the client in again."""

import os
import subprocess
import sys
from xml.etree import ElementTree

import pytest
import time_machine
from django.db import connection
from django.test import Client
from pytest_django import Settings

from hotline.api.services import create_token
from hotline.core import ratelimit
from hotline.core.models import RateCount
from hotline.orders.models import WorkOrder
from hotline.triage.models import ModelVersion
from tests.factories import City
from tests.orders.threads import run_together

pytestmark = pytest.mark.django_db
PORTAL = {
    "order_type": "complaint",
    "text": "东城1路11小区门口的路灯坏了一个星期，晚上很黑",
    "address": "东城1路11小区",
    "caller_name": "王女士",
    "caller_phone": "13912345678",
}


def limits(settings: Settings, **rules) -> None:
    settings.HOTLINE_RATE_LIMITS = settings.HOTLINE_RATE_LIMITS | {
        k.replace("_", "."): v for k, v in rules.items()
    }


def open311_post(client: Client, key, fmt="json", address="127.0.0.1"):
    return client.post(
        f"/open311/v2/requests.{fmt}",
        {
            "api_key": key,
            "service_code": "02.01",
            "address_string": "东城1路11小区3栋",
            "description": "门口垃圾三天没人清运",
        },
        REMOTE_ADDR=address,
    )


def test_open311_posts_beyond_the_address_limit_get_429_in_the_specifications_format_and_register_nothing(  # noqa: E501  (the test's name)
    client: Client, city: City, model_in_use: ModelVersion, settings: Settings
) -> None:
    limits(settings, open311_post_address="2/600")
    key = create_token(user=city.operator)
    assert [open311_post(client, key).status_code for _ in range(2)] == [201, 201]
    refused = open311_post(client, key)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 600
    [document] = refused.json()
    assert document["code"] == 429 and "address" in document["description"]
    xml = open311_post(client, key, fmt="xml")
    assert (
        xml.status_code == 429
        and ElementTree.fromstring(xml.content).find("error/code").text == "429"
    )
    assert WorkOrder.objects.count() == 2


def test_one_api_key_is_limited_whatever_address_it_posts_from(
    client: Client, city: City, model_in_use: ModelVersion, settings: Settings
) -> None:
    limits(settings, open311_post_key="2/3600")
    key = create_token(user=city.operator)
    assert [open311_post(client, key, address=f"10.0.0.{i}").status_code for i in range(3)] == [
        201,
        201,
        429,
    ]
    assert "api_key" in open311_post(client, key, address="10.0.0.9").json()[0]["description"]
    assert (
        open311_post(client, create_token(user=city.dispatcher), address="10.0.0.9").status_code
        == 201
    )
    assert WorkOrder.objects.count() == 3


def test_guessing_api_keys_is_limited_by_address(
    client: Client, city: City, settings: Settings
) -> None:
    limits(settings, open311_post_address="3/600")
    answers = [open311_post(client, f"guess-{i}").status_code for i in range(5)]
    assert answers == [403, 403, 403, 429, 429]


def test_the_next_window_lets_an_open311_client_post_again(
    client: Client, city: City, model_in_use: ModelVersion, settings: Settings
) -> None:
    limits(settings, open311_post_address="1/600")
    key = create_token(user=city.operator)
    with time_machine.travel("2026-11-23 09:00:10 +0800", tick=False) as traveller:
        assert open311_post(client, key).status_code == 201
        assert open311_post(client, key).status_code == 429
        traveller.shift(600)
        assert open311_post(client, key).status_code == 201
    assert WorkOrder.objects.count() == 2


def test_the_portal_answers_429_with_a_friendly_page_and_the_next_window_lets_the_citizen_in(
    client: Client, city: City, model_in_use: ModelVersion, settings: Settings
) -> None:
    limits(settings, portal_submit="1/3600")
    with time_machine.travel("2026-11-23 09:30 +0800", tick=False) as traveller:
        assert client.post("/portal/", PORTAL).status_code == 302
        refused = client.post("/portal/", PORTAL)
        page = refused.content.decode()
        assert refused.status_code == 429 and refused["Retry-After"] == "1800"
        assert "操作过于频繁" in page and "请在 30 分钟后再试" in page and "12345" in page
        assert WorkOrder.objects.count() == 1
        traveller.shift(1800)
        assert client.post("/portal/", PORTAL).status_code == 302
    assert WorkOrder.objects.count() == 2


def test_portal_lookups_are_limited_per_address(
    client: Client, city: City, settings: Settings
) -> None:
    limits(settings, portal_lookup="2/600")

    def track(address):
        form = {"number": "1", "phone": "13912345678"}
        return client.post("/portal/track/", form, REMOTE_ADDR=address).status_code

    assert [track("10.0.0.1") for _ in range(3)] == [200, 200, 429]
    assert track("10.0.0.2") == 200


def test_counts_of_ended_windows_are_removed_and_keys_are_stored_as_digests(db: None) -> None:
    rule = ratelimit.Rule(1, 60)
    with time_machine.travel("2026-11-23 09:00:00 +0800", tick=False) as traveller:
        ratelimit.hit("t", "secret-api-key", rule)
        traveller.shift(61)
        ratelimit.hit("t", "another", rule)
    assert RateCount.objects.count() == 1
    assert not RateCount.objects.filter(key__contains="another").exists()


@pytest.mark.parametrize("text", ["5", "0/60", "5/0", "five/60"])
def test_a_malformed_rate_setting_is_refused_by_name(text) -> None:
    with pytest.raises(ValueError):
        ratelimit.Rule.parse(text)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_separate_connections_share_one_count_so_the_limit_holds_across_workers(
    settings: Settings,
) -> None:
    limits(settings, portal_lookup="3/600")

    def lookup():
        # Each thread is its own database connection, as each gunicorn worker is.
        return Client().post("/portal/track/", {"number": "1", "phone": "13912345678"}).status_code

    with time_machine.travel("2026-11-23 09:00:05 +0800", tick=True):
        answers = run_together([lookup] * 8)
    assert sorted(answers) == [200] * 3 + [429] * 5
    assert RateCount.objects.get().count == 8


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database other processes can reach (PostgreSQL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_separate_processes_share_one_count() -> None:
    # Two real Python processes, as two gunicorn workers would be, against the test database.
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    code = (
        "import django; django.setup(); from hotline.core import ratelimit; "
        "print(sum(ratelimit.hit('portal.track', '10.0.0.1', ratelimit.Rule(4, 10**9)).allowed "
        "for _ in range(3)))"
    )
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hotline.settings"}
    workers = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    allowed = [int(worker.communicate(timeout=60)[0]) for worker in workers]
    assert sum(allowed) == 4 and RateCount.objects.get().count == 6
