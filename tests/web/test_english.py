"""English is available: every Chinese string of the console and the portal has its English, the
compiled catalogue shipped in the package is the current one, and the switch works."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

PO = Path(__file__).resolve().parents[2] / "hotline" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def catalogue() -> dict[str, str]:
    """msgid → msgstr of the English catalogue (continuation lines joined)."""
    entries = re.findall(
        r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', PO.read_text(encoding="utf-8"), re.M
    )

    def text(lines):
        return "".join(re.findall(r'"(.*)"', lines)).replace('\\"', '"')

    return {text(i): text(s) for i, s in entries if text(i)}


def test_every_string_has_its_english() -> None:
    untranslated = [
        msgid for msgid, msgstr in catalogue().items() if not msgstr.strip() and msgid != "次"
    ]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with translation.override("en"):
        stale = [
            msgid for msgid, msgstr in catalogue().items() if translation.gettext(msgid) != msgstr
        ]
    assert stale == [], "run: cd hotline && hotline compilemessages"


@pytest.mark.django_db
def test_a_handler_switches_the_console_to_english(client: Client, city: City) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert (
        "My queue" in page
        and "Orders to accept and in hand in this unit" in page
        and "Dispatched" in page
    )
    assert "待办" not in page
    detail = client.get(f"/orders/{order.number}/").content.decode()
    assert "Accept by" in detail and ">Accept</summary>" in detail


@pytest.mark.django_db
def test_the_portal_speaks_english_when_asked(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    page = client.get("/portal/").content.decode()
    assert "Submit a request" in page and 'lang="en"' in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client: Client) -> None:
    page = client.get("/portal/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "我要反映" in page and 'lang="zh-Hans"' in page
