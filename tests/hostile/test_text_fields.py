"""Hostile text through every entry point: very long, control and invisible characters, emoji and
astral characters, mixed scripts, HTML and script injection, spreadsheet formulas. Each value is
either refused with the field named (and nothing registered) or stored as ``clean_text`` says,
and wherever it is shown it is inert."""

import csv
import html
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pytest_django import Settings

from hotline.api.services import create_token
from hotline.core.errors import InvalidInput
from hotline.orders import services
from hotline.orders.models import WorkOrder
from hotline.orders.validation import clean_text, make_title
from hotline.transfer.legacy import FORMULA_START
from hotline.transfer.services import export_orders
from tests import factories

from .text import active_parts, hostile, short, short_typed, typed

pytestmark = pytest.mark.django_db
fixtures_reused = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    derandomize=True,
    database=None,
)
PLACE = "东城1路11小区"
LIMITS = {"text": 4000, "title": 100, "caller_name": 50, "address": 200}
# Mostly in the city (so stored), now and then anywhere (so refused).
address = st.one_of(short.map(lambda s: PLACE + s), short.map(lambda s: PLACE + s), hostile)
typed_address = st.one_of(
    short_typed.map(lambda s: PLACE + s), short_typed.map(lambda s: PLACE + s), typed
)


def expected(field: str, value: str) -> str:
    return clean_text(value, field, required=field == "text", max_length=LIMITS[field])


def assert_stored_as_cleaned(order: WorkOrder, sent: dict) -> None:
    event("stored")
    for field, value in sent.items():
        assert getattr(order, field) == expected(field, value), field


def refused_fields(error_text: str, fields) -> set:
    event("refused")
    return {f for f in fields if f in error_text}


@pytest.fixture
def open_limits(settings: Settings) -> None:
    settings.HOTLINE_RATE_LIMITS = {name: "100000/60" for name in settings.HOTLINE_RATE_LIMITS}


@settings(fixtures_reused, max_examples=150)
@given(text=hostile, title=hostile, caller_name=short, address=address)
def test_register_order_stores_the_documented_cleaning_or_refuses_naming_the_field(
    city, text, title, caller_name, address
):
    sent = {"text": text, "title": title, "caller_name": caller_name, "address": address}
    before = WorkOrder.objects.count()
    try:
        order = factories.register(city, **sent)
    except InvalidInput as error:
        assert set(error.errors) <= set(sent) and error.errors
        assert WorkOrder.objects.count() == before
        return
    order.refresh_from_db()
    assert_stored_as_cleaned(order, {k: v for k, v in sent.items() if k != "title"})
    assert order.title == (expected("title", title) or make_title(order.text))
    for value in (order.text, order.title, order.caller_name, order.address):
        assert not any(ch in value for ch in "\x00\x1b\u202e\u2066\u200b\ufeff\ufffe\r"), value


@settings(fixtures_reused, max_examples=25)
@given(text=hostile, title=hostile, caller_name=short, address=short.map(lambda s: PLACE + s))
def test_what_was_stored_is_inert_on_every_page_document_and_export(
    city, client, open_limits, tmp_path_factory, text, title, caller_name, address
):
    try:
        order = factories.register(
            city, text=text, title=title, caller_name=caller_name, address=address
        )
    except InvalidInput:
        assume(False)
    shown = [order.text, order.title, order.caller_name, order.address]
    client.force_login(city.dispatcher)

    # The console's order page and list: escaped, no element or attribute of ours.
    for url in (f"/orders/{order.number}/", f"/orders/?numbers={order.number}"):
        page = client.get(url).content.decode()
        assert active_parts(page) == [], url
        assert order.title in html.unescape(page), url  # shown, as text
    assert order.address in html.unescape(client.get(f"/orders/{order.number}/").content.decode())

    # The portal's tracking page.
    track = client.post(
        "/portal/track/", {"number": order.number, "phone": order.caller_phone}
    ).content.decode()
    assert active_parts(track) == [] and order.number in track

    # The API gives the stored values back exactly.
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.dispatcher)}"}
    document = client.get(f"/api/v1/orders/{order.number}", **bearer).json()
    assert [document[k] for k in ("text", "title", "caller_name", "address")] == shown

    # Open311 XML is well-formed and carries the title.
    root = ElementTree.fromstring(client.get(f"/open311/v2/requests/{order.number}.xml").content)
    assert (root.find("request/description").text or "") == order.title

    # Exports: no cell a spreadsheet would run; the values come back as they are.
    folder = tmp_path_factory.mktemp("export")
    export_orders(folder / "orders.csv", personal_data=True)
    with open(folder / "orders.csv", encoding="utf-8-sig", newline="") as f:
        [row] = [r for r in csv.reader(f) if order.number in r]
    assert not [cell for cell in row if cell[:1] in FORMULA_START]
    assert {s if s[:1] not in FORMULA_START else "'" + s for s in shown if s} <= set(row)
    export_orders(folder / "orders.xlsx", excel=True, personal_data=True)
    sheet = load_workbook(folder / "orders.xlsx", read_only=True)["工单"]
    [cells] = [r for r in sheet.iter_rows() if any(c.value == order.number for c in r)]
    assert not [c for c in cells if c.data_type == "f"]
    assert {s for s in shown if s} <= {c.value for c in cells}


@settings(fixtures_reused, max_examples=30)
@given(text=hostile, caller_name=short, address=address)
def test_the_api_stores_the_cleaning_or_refuses_naming_the_field(
    city, client, model_in_use, text, caller_name, address
):
    sent = {"text": text, "caller_name": caller_name, "address": address}
    before = WorkOrder.objects.count()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.operator)}"}
    response = client.post("/api/v1/orders", sent, content_type="application/json", **bearer)
    if response.status_code == 201:
        assert_stored_as_cleaned(WorkOrder.objects.get(number=response.json()["number"]), sent)
    else:
        assert response.status_code in (400, 422) and refused_fields(
            response.content.decode(), sent
        )
        assert WorkOrder.objects.count() == before


def _form_refusal(response, sent) -> None:
    event("refused")
    errors = response.context["form"].errors
    assert response.status_code == 200 and errors and set(errors) <= set(sent), errors


@settings(fixtures_reused, max_examples=30)
@given(text=typed, caller_name=short_typed, address=typed_address)
def test_the_portal_stores_the_cleaning_or_refuses_naming_the_field(
    city, client, model_in_use, open_limits, text, caller_name, address
):
    sent = {"text": text, "caller_name": caller_name, "address": address}
    before = WorkOrder.objects.count()
    response = client.post("/portal/", sent | {"order_type": "help", "caller_phone": "13912345678"})
    if response.status_code == 302:
        assert_stored_as_cleaned(
            WorkOrder.objects.get(number=client.session["portal_submitted"]), sent
        )
    else:
        _form_refusal(response, sent)
        assert WorkOrder.objects.count() == before


@settings(fixtures_reused, max_examples=30)
@given(text=typed, caller_name=short_typed, address=typed_address)
def test_the_console_intake_stores_the_cleaning_or_refuses_naming_the_field(
    city, client, model_in_use, text, caller_name, address
):
    client.force_login(city.operator)
    sent = {"text": text, "caller_name": caller_name, "address": address}
    before = WorkOrder.objects.count()
    response = client.post(
        "/intake/", sent | {"order_type": "help", "urgency": "normal", "channel": "phone"}
    )
    if response.status_code == 302:
        assert_stored_as_cleaned(
            WorkOrder.objects.get(number=response["Location"].split("/")[-2]), sent
        )
    else:
        _form_refusal(response, sent)
        assert WorkOrder.objects.count() == before


@settings(fixtures_reused, max_examples=30)
@given(
    description=typed,
    first_name=short_typed,
    address_string=typed_address,
    fmt=st.sampled_from(["json", "xml"]),
)
def test_open311_stores_the_cleaning_or_refuses_in_the_specifications_format(
    city, client, model_in_use, open_limits, description, first_name, address_string, fmt
):
    before = WorkOrder.objects.count()
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {
            "api_key": create_token(user=city.operator),
            "service_code": "02.01",
            "description": description,
            "first_name": first_name,
            "address_string": address_string,
        },
    )
    if fmt == "xml":
        root = ElementTree.fromstring(response.content)  # well-formed whatever came in
        number = (
            root.findtext("request/service_request_id") if response.status_code == 201 else None
        )
        problem = root.findtext("error/description") or ""
    else:
        number = (
            response.json()[0].get("service_request_id") if response.status_code == 201 else None
        )
        problem = response.json()[0].get("description", "") if response.status_code != 201 else ""
    if number:
        assert_stored_as_cleaned(
            WorkOrder.objects.get(number=number),
            {"text": description, "caller_name": first_name, "address": address_string},
        )
    else:
        assert response.status_code == 400
        assert refused_fields(
            problem, ("description", "first_name", "last_name", "address_string")
        ), problem
        assert WorkOrder.objects.count() == before


@settings(fixtures_reused, max_examples=20)
@given(answer=hostile, note=hostile)
def test_an_answer_and_a_note_are_stored_cleaned_and_shown_inert(city, client, answer, note):
    order = factories.register(city, category_code="", order_type="consultation")
    try:
        order = services.answer_on_the_spot(
            order=order, actor=city.operator, answer=answer, category_code="14.01"
        )
    except InvalidInput as error:
        assert set(error.errors) == {"answer"} and expected_answer(answer) is None
        return
    assert order.answer == expected_answer(answer)
    other = factories.order_in("registered", city)
    try:
        services.dispatch_order(order=other, actor=city.dispatcher, unit=city.streets[0], note=note)
    except InvalidInput as error:
        assert set(error.errors) == {"note"}
    else:
        assert other.events.order_by("seq").last().note == clean_text(note, "note", required=False)
    client.force_login(city.dispatcher)
    for number in (order.number, other.number):
        assert active_parts(client.get(f"/orders/{number}/").content.decode()) == []


def expected_answer(answer: str) -> str | None:
    try:
        return clean_text(answer, "answer")
    except InvalidInput:
        return None
