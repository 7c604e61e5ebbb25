"""Reference data through the API."""

import pytest
from django.test import Client

from hotline.api.services import create_token
from hotline.knowledge.models import Article
from hotline.org.models import User
from tests.factories import City


def get(client: Client, path, user, **params):
    return client.get(
        f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {create_token(user=user)}"
    )


@pytest.mark.parametrize("path", ["/units", "/users", "/categories", "/sla-policies", "/articles"])
def test_every_reference_list_pages_with_a_total(client: Client, city: City, path) -> None:
    body = get(client, path, city.dispatcher, limit=2).json()
    assert set(body) == {"count", "items"} and len(body["items"]) <= 2


def test_the_taxonomy_is_listed_with_its_codes(client: Client, city: City) -> None:
    body = get(client, "/categories", city.dispatcher, limit=1000).json()
    assert body["count"] == 60 and body["items"][0]["code"] == "01.01"


def test_a_unit_sees_only_its_own_people_and_those_below_it(client: Client, city: City) -> None:
    handler = city.handler()
    city.handler(city.streets[1])
    usernames = {u["username"] for u in get(client, "/users", handler, limit=1000).json()["items"]}
    assert handler.username in usernames
    assert usernames <= set(
        User.objects.filter(unit__path__startswith=city.streets[0].path).values_list(
            "username", flat=True
        )
    )


def test_articles_are_found_by_a_question(client: Client, city: City) -> None:
    Article.objects.create(
        title="社保卡补办", body="带身份证到社保窗口补办。", keywords="社保卡 补办 丢失"
    )
    Article.objects.create(title="公租房申请", body="向街道申请。", keywords="公租房")
    body = get(client, "/articles", city.operator, q="社保卡丢了怎么办").json()
    assert body["items"][0]["title"] == "社保卡补办" and body["items"][0]["score"] > 0
