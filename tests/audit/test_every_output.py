"""A walk over every output a person can read: every page of the site (found from the URL
configuration, so a new page joins the walk by itself), every API read, the Open311 documents, the
report downloads, the notifications and the export file, for every role and for units that own,
sit above, beside or below the order.

It proves three rules of the personal data (个人信息) of citizens:
- a confidential reporter (举报人保密) is never shown, not even masked, to anyone in any output;
- a unit sees a caller's phone masked (138****1234), never in full;
- every answer that shows a phone in full wrote its record in the audit log, in that request.
"""

import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from hotline.analytics.views import KINDS
from hotline.api.api import api
from hotline.api.services import create_token
from hotline.audit.models import PersonalDataAccess
from hotline.notifications.models import Message
from hotline.orders.workflow import Action
from hotline.org.models import User
from hotline.org.roles import Role
from hotline.problems.models import Campaign, Source
from hotline.problems.services import propose_problem
from hotline.transfer.services import export_orders
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db

REPORTER = ("林秘举", "13955554444")  # a confidential reporter
CALLER = ("赵公开", "13766663333")  # an ordinary caller


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


# Patterns the walk does not read as a signed-in person, and why.
NOT_OUTPUTS = {
    "admin/": "the admin: walked separately below, for the administrator",
    "logout/": "a POST that signs out",
    "i18n/setlang/": "a POST that switches the language",
    "login/": "the sign-in form",
    "login/code/": "the sign-in form",
    "login/two-factor/": "the sign-in form",
    "api/v1/": "the API: walked separately below, through its OpenAPI document",
}


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if any(route.startswith(skip) for skip in NOT_OUTPUTS):
            continue
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


@dataclass
class World:
    secret: object  # the confidential report
    public: object  # an ordinary complaint from the same street
    rate_token: str
    problem: object  # a hard problem both orders are linked to
    campaign: object


@pytest.fixture
def world(city: City):
    city.streets[0].duty_phone, city.streets[0].duty_email = "01066668888", "duty@example.org"
    city.streets[0].save()
    secret = factories.order_in(
        factories.Status.PENDING_VISIT,
        city,
        order_type="report",
        confidential=True,
        caller_name=REPORTER[0],
        caller_phone=REPORTER[1],
    )
    public = factories.order_in(
        factories.Status.PENDING_VISIT, city, caller_name=CALLER[0], caller_phone=CALLER[1]
    )
    survey = Message.objects.filter(order=public, kind=Message.Kind.SURVEY).first()
    token = re.search(r"/portal/rate/([^/\s]+)/", survey.body).group(1) if survey else "none"
    problem = propose_problem(
        actor=city.dispatcher, title="东城1路垃圾屡清屡堆", source=Source.ORDERS,
        orders=[secret, public],
    )  # fmt: skip
    today = timezone.localdate()
    campaign = Campaign.objects.create(name="东城整治", starts=today, ends=today, target_drop=30)
    campaign.problems.add(problem)
    return World(secret, public, token, problem, campaign)


def _urls(route: str, world: World) -> list[str]:
    """The addresses of a URL pattern for the world's orders; a parameter nobody knows fails."""
    numbers = [world.secret.number, world.public.number]
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    fills = {
        "number": numbers,
        "kind": list(KINDS),
        "token": [world.rate_token, world.public.number],
        "code": ["02.01"],
        "fmt": ["json", "xml"],
        "pk": ["1"],
        "action": list(Action),
        "problem_id": [str(world.problem.pk)],
        "campaign_id": [str(world.campaign.pk)],
    }
    found = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", route)
    names = [a or b for a, b in found]
    unknown = set(names) - set(fills)
    assert not unknown, f"{route}: teach the walk what to put in {unknown}"
    urls = [route]
    for name in names:
        urls = [
            re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", value, u, count=1)
            for u in urls
            for value in fills[name]
        ]
    return ["/" + u for u in urls]


def _report_queries() -> list[str]:
    day = timezone.localdate()
    month = f"{day:%Y-%m}"
    return [
        f"?date={day}",
        f"?date={day}&format=xlsx",
        f"?month={month}",
        f"?month={month}&format=xlsx",
    ]


def _text(response) -> str:
    """What a person reads in an answer: the text of a page or document, the cells of a sheet."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(v)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    return content.decode("utf-8", errors="replace")


def _answers(client: Client, user: User | None, world: World):
    """(address, text) of every output ``user`` can read, each checked for its audit records."""
    headers = {"Authorization": f"Bearer {create_token(user=user)}"} if user is not None else {}
    addresses = [u for route in _patterns() for u in _urls(route, world)]
    addresses += [u + q for u in (f"/reports/{k}/" for k in KINDS) for q in _report_queries()]
    addresses += [f"/intake/suggestions/?caller_phone={p}" for p in (REPORTER[1], CALLER[1])]
    schema = api.get_openapi_schema()
    api_reads = [
        path for path, ops in schema["paths"].items() if "get" in ops and "openapi" not in path
    ]
    for path in api_reads:
        addresses += (
            [path.replace("{number}", n) for n in (world.secret.number, world.public.number)]
            if "{number}" in path
            else [path]
        )
    for address in dict.fromkeys(addresses):
        before = PersonalDataAccess.objects.count()
        response = client.get(address, headers=headers if address.startswith("/api/") else {})
        if response.status_code >= 300:
            continue
        text = _text(response)
        shows_in_full = CALLER[1] in text
        wrote = PersonalDataAccess.objects.count() > before
        assert not shows_in_full or wrote, (
            f"{address} showed a phone in full to {user} without an audit record"
        )
        yield address, text


CENTRE_ROLES = [Role.OPERATOR, Role.DISPATCHER, Role.VISITOR, Role.SUPERVISOR]


def _viewers(city: City) -> dict[str, User]:
    viewers = {f"centre {role}": city.staff(role, city.centre) for role in CENTRE_ROLES}
    street, district = city.streets[0], city.streets[0].parent
    viewers |= {
        "own handler": city.handler(street),
        "own lead": city.lead(street),
        "parent lead": city.lead(district),
        "sibling handler": city.handler(city.streets[1]),
        "child handler": city.handler(city.team),
    }
    return viewers


def test_a_confidential_reporter_is_shown_to_nobody_in_any_output(
    world, city: City, client: Client
) -> None:
    for who, user in _viewers(city).items():
        client.force_login(user)
        for address, text in _answers(client, user, world):
            for secret in (REPORTER[0], REPORTER[1], _masked(REPORTER[1])):
                assert secret not in text, (
                    f"{who} read the confidential reporter's {secret!r} at {address}"
                )


def test_a_unit_reads_a_callers_phone_masked_and_never_in_full(
    world, city: City, client: Client
) -> None:
    unit_viewers = {
        who: user for who, user in _viewers(city).items() if not who.startswith("centre")
    }
    shown_masked = set()
    for who, user in unit_viewers.items():
        client.force_login(user)
        for address, text in _answers(client, user, world):
            assert CALLER[1] not in text, f"{who} read the caller's phone in full at {address}"
            if _masked(CALLER[1]) in text:
                shown_masked.add(who)
    # The units that handle the order (or stand above it) do see the masked number to work with.
    assert {"own handler", "own lead", "parent lead"} <= shown_masked


def test_the_centre_reads_phones_in_full_and_each_reading_is_in_the_audit_log(
    world, city: City, client: Client
) -> None:
    dispatcher = city.staff(Role.DISPATCHER, city.centre)
    client.force_login(dispatcher)
    full = [address for address, text in _answers(client, dispatcher, world) if CALLER[1] in text]
    assert (
        f"/orders/{world.public.number}/" in full
        and f"/api/v1/orders/{world.public.number}" in full
    )
    assert PersonalDataAccess.objects.filter(user=dispatcher, order=world.public).count() >= len(
        full
    )


def test_the_public_open311_documents_hold_no_callers_name_or_phone(world, client: Client) -> None:
    client.logout()
    for address in [
        u for route in _patterns() if route.startswith("open311/") for u in _urls(route, world)
    ]:
        text = _text(client.get(address))
        for personal in (*REPORTER, *CALLER, _masked(CALLER[1]), _masked(REPORTER[1])):
            assert personal not in text, f"{address} published {personal!r}"


def test_messages_to_units_never_carry_a_callers_name_or_phone(world) -> None:
    callers = {REPORTER[1], CALLER[1]}
    to_units = Message.objects.filter(to_citizen=False)
    assert to_units.exists() and not to_units.filter(recipient__in=callers).exists()
    for message in to_units:
        for personal in (*REPORTER, *CALLER):
            assert personal not in message.subject + message.body, (
                f"a {message.kind} message to {message.recipient} holds {personal!r}"
            )


def test_the_confidential_reporter_gets_its_own_messages(world) -> None:
    assert Message.objects.filter(order=world.secret, recipient=REPORTER[1]).exists()


@pytest.mark.parametrize("excel", [False, True], ids=["csv", "excel"])
@pytest.mark.parametrize("personal_data", [False, True], ids=["masked", "personal-data"])
def test_an_export_never_holds_a_confidential_reporter_and_masks_phones_unless_asked(
    world, tmp_path: Path, excel, personal_data
) -> None:
    out = tmp_path / ("orders.xlsx" if excel else "orders.csv")
    export_orders(out, excel=excel, personal_data=personal_data)
    if excel:
        book = openpyxl.load_workbook(out, read_only=True)
        text = "\n".join(
            str(v) for row in book.active.iter_rows(values_only=True) for v in row if v is not None
        )
    else:
        text = out.read_text(encoding="utf-8-sig")
    assert REPORTER[0] not in text and REPORTER[1] not in text and _masked(REPORTER[1]) not in text
    assert (CALLER[1] in text) == personal_data and (_masked(CALLER[1]) in text) != personal_data


def test_the_administrator_sees_an_order_in_full_only_with_an_audit_record(
    world, client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    for model, pk in (("orders/workorder", world.public.pk), ("orders/workorder", world.secret.pk)):
        before = PersonalDataAccess.objects.count()
        text = client.get(f"/admin/{model}/{pk}/change/").content.decode()
        if CALLER[1] in text or REPORTER[1] in text:
            assert PersonalDataAccess.objects.count() == before + 1
            record = PersonalDataAccess.objects.order_by("-pk").first()
            assert (record.user, record.order_id, record.channel) == (admin_user, pk, "admin")


def test_the_administrator_reading_the_message_log_is_recorded(
    world, client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    before = PersonalDataAccess.objects.count()
    text = client.get("/admin/notifications/message/").content.decode()
    assert CALLER[1] in text
    record = PersonalDataAccess.objects.order_by("-pk").first()
    assert PersonalDataAccess.objects.count() == before + 1 and (record.user, record.channel) == (
        admin_user,
        "admin",
    )


def test_an_administrators_search_by_phone_is_recorded(
    world, client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    assert (
        world.public.number
        in client.get(f"/admin/orders/workorder/?q={CALLER[1]}").content.decode()
    )
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.channel, record.order) == (
        admin_user,
        "admin",
        None,
    ) and "1 条" in record.what
