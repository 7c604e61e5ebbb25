"""Bad input is refused with a message naming the field, and nothing is written."""

import pytest

from hotline.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from hotline.orders import services
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Status
from tests import factories
from tests.orders.calls import snapshot

S = Status


def _counts():
    return WorkOrder.objects.count(), Event.objects.count()


def _refused(field, call, order=None):
    before = snapshot(order) if order is not None else _counts()
    with pytest.raises(InvalidInput) as excinfo:
        call()
    error = excinfo.value
    assert field in error.errors, error.errors
    assert error.message.startswith(f"{field}: "), error.message
    assert (snapshot(order) if order is not None else _counts()) == before
    return error


# --- registration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("category", {"category_code": "99.99"}),
        ("text", {"text": ""}),
        ("text", {"text": "  \n\t　 "}),
        ("text", {"text": "\x00\x07\x1b"}),  # only control characters
        ("text", {"text": "垃" * 4001}),
        ("title", {"title": "标" * 101}),
        ("caller_name", {"caller_name": "张" * 51}),
        ("caller_phone", {"caller_phone": "1381234567"}),  # a digit short
        ("caller_phone", {"caller_phone": "138123456789"}),  # a digit too many
        ("caller_phone", {"caller_phone": "23812345678"}),
        ("caller_phone", {"caller_phone": "138-1234-567x"}),
        ("caller_phone", {"caller_phone": "+1 415 555 0100"}),
        ("caller_phone", {"caller_phone": "电话号码"}),
        ("caller_phone", {"caller_phone": "110"}),
        ("address", {"address": "北京市朝阳区建国路"}),
        ("address", {"address": "东" * 201}),
        ("channel", {"channel": "fax"}),
        ("order_type", {"order_type": "rumour"}),
        ("urgency", {"urgency": "asap"}),
        ("latitude", {"latitude": 91}),
        ("latitude", {"latitude": "-90.000001"}),
        ("latitude", {"latitude": "north"}),
        ("longitude", {"longitude": "180.5"}),
    ],
)
def test_a_registration_with_a_bad_field_is_refused_naming_it(city, field, bad):
    error = _refused(field, lambda: factories.register(city, **bad))
    assert error.errors[field]


def test_an_address_outside_the_city_says_so(city):
    error = _refused("address", lambda: factories.register(city, address="北京市朝阳区建国路"))
    assert "不在本市范围内" in error.errors["address"]


def test_an_unknown_category_is_named_in_the_message(city):
    error = _refused("category", lambda: factories.register(city, category_code="99.99"))
    assert "99.99" in error.errors["category"]


def test_an_invalid_choice_lists_the_valid_ones(city):
    error = _refused("urgency", lambda: factories.register(city, urgency="asap"))
    assert (
        "normal（一般）" in error.errors["urgency"]
        and "critical（特急）" in error.errors["urgency"]
    )


def test_control_characters_are_stripped_from_text_keeping_line_breaks_and_tabs(city):
    order = factories.register(
        city, text="\x00东城1路\x1b垃圾没人\x7f清运\u0085\n第二行\t完 ", caller_name="张\x08先生"
    )
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.text == "东城1路垃圾没人清运\n第二行\t完"
    assert order.title == "东城1路垃圾没人清运"
    assert order.caller_name == "张先生"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("(0755)8888-8888", "075588888888"),
        ("（021）6234 5678", "02162345678"),
        ("400-123-4567", "4001234567"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_valid_phone_numbers_are_stored_as_digits(city, typed, stored):
    order = factories.register(city, caller_phone=typed)
    assert WorkOrder.objects.get(pk=order.pk).caller_phone == stored


# --- actions on an order --------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -30, 61, 365, "3", 2.5, None])
def test_an_extension_must_ask_for_one_to_sixty_working_days(city, days):
    order = factories.order_in(S.ACCEPTED, city)
    error = _refused(
        "days",
        lambda: services.request_extension(
            order=order, actor=city.handler(), days=days, reason="需协调"
        ),
        order,
    )
    assert str(days) in error.errors["days"]


BLANKS = ["", "   ", "\x00\n"]

ACTION_INPUTS = [
    # (state, field, call(city, order, blank))
    (
        S.ACCEPTED,
        "result",
        lambda c, o, b: services.reply_order(order=o, actor=c.handler(), result=b, solved=True),
    ),
    (
        S.REGISTERED,
        "reason",
        lambda c, o, b: services.cancel_order(order=o, actor=c.dispatcher, reason=b),
    ),
    (
        S.DISPATCHED,
        "reason",
        lambda c, o, b: services.request_return(order=o, actor=c.handler(), reason=b),
    ),
    (
        S.RETURNED,
        "reason",
        lambda c, o, b: services.reject_return(order=o, actor=c.dispatcher, reason=b),
    ),
    (
        S.ACCEPTED,
        "reason",
        lambda c, o, b: services.request_extension(order=o, actor=c.handler(), days=2, reason=b),
    ),
    (S.ACCEPTED, "text", lambda c, o, b: services.stage_reply(order=o, actor=c.handler(), text=b)),
    (
        S.REPLIED,
        "reason",
        lambda c, o, b: services.reject_reply(order=o, actor=c.dispatcher, reason=b),
    ),
    (
        S.PENDING_VISIT,
        "reason",
        lambda c, o, b: services.reopen_order(order=o, actor=c.visitor, reason=b),
    ),
    (
        S.PENDING_VISIT,
        "reason",
        lambda c, o, b: services.close_order(order=o, actor=c.dispatcher, reason=b),
    ),
    (
        S.DISPATCHED,
        "reason",
        lambda c, o, b: services.reassign_order(
            order=o, actor=c.dispatcher, unit=c.streets[1], reason=b
        ),
    ),
    (
        S.ACCEPTED,
        "instructions",
        lambda c, o, b: services.supervise_order(order=o, actor=c.supervisor, instructions=b),
    ),
    (
        S.ACCEPTED,
        "case_number",
        lambda c, o, b: services.convert_to_case(order=o, actor=c.handler(c.team), case_number=b),
    ),
    (
        S.REGISTERED,
        "answer",
        lambda c, o, b: services.answer_on_the_spot(order=o, actor=c.operator, answer=b),
    ),
]


@pytest.mark.parametrize("blank", BLANKS, ids=["empty", "spaces", "control"])
@pytest.mark.parametrize(
    ("state", "field", "call"),
    ACTION_INPUTS,
    ids=[f"{f}-{i}" for i, (_, f, _c) in enumerate(ACTION_INPUTS)],
)
def test_an_action_without_its_required_text_is_refused(city, state, field, call, blank):
    order = factories.order_in(state, city)
    _refused(field, lambda: call(city, order, blank), order)


def test_a_reply_cannot_be_longer_than_the_limit(city):
    order = factories.order_in(S.ACCEPTED, city)
    _refused(
        "result",
        lambda: services.reply_order(
            order=order, actor=city.handler(), result="办" * 4001, solved=True
        ),
        order,
    )


def test_a_close_reason_longer_than_the_column_is_refused(city):
    order = factories.order_in(S.PENDING_VISIT, city)
    _refused(
        "reason",
        lambda: services.close_order(order=order, actor=city.dispatcher, reason="因" * 201),
        order,
    )


def test_a_visit_with_an_unknown_satisfaction_is_refused(city):
    order = factories.order_in(S.PENDING_VISIT, city)
    _refused(
        "satisfaction",
        lambda: services.visit_order(
            order=order, actor=city.visitor, resolved=True, satisfaction="happy"
        ),
        order,
    )


def test_a_review_correcting_to_an_unknown_category_is_refused(city):
    order = factories.order_in(S.REGISTERED, city)
    _refused(
        "category",
        lambda: services.review_order(order=order, actor=city.dispatcher, category_code="00.00"),
        order,
    )


def test_a_review_moving_the_address_out_of_the_city_is_refused(city):
    order = factories.order_in(S.REGISTERED, city)
    _refused(
        "address",
        lambda: services.review_order(
            order=order, actor=city.dispatcher, address="北京市朝阳区建国路"
        ),
        order,
    )


def test_reassigning_to_the_same_unit_is_refused(city):
    order = factories.order_in(S.DISPATCHED, city)
    _refused(
        "unit",
        lambda: services.reassign_order(
            order=order, actor=city.dispatcher, unit=city.streets[0], reason="改派"
        ),
        order,
    )


def test_dispatching_to_an_inactive_unit_is_refused(city):
    city.streets[1].active = False
    city.streets[1].save()
    order = factories.order_in(S.REGISTERED, city)
    _refused(
        "unit",
        lambda: services.dispatch_order(order=order, actor=city.dispatcher, unit=city.streets[1]),
        order,
    )


# --- an illegal transition says what, where and why -----------------------------------------------


def test_an_illegal_transition_names_the_order_the_action_the_state_and_the_reason(city):
    order = factories.order_in(S.REGISTERED, city)
    before = snapshot(order)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.accept_order(order=order, actor=city.handler())
    error = excinfo.value
    assert (error.order, error.action, error.status) == (order.number, "签收", "已登记")
    assert error.reason == "只能在以下状态执行：已派单"
    assert (
        str(error)
        == f"工单 {order.number} 不能执行「签收」（当前状态：已登记）：只能在以下状态执行：已派单"
    )
    assert snapshot(order) == before


def test_an_action_by_the_wrong_role_names_who_may_take_it(city):
    order = factories.order_in(S.DISPATCHED, city)
    with pytest.raises(PermissionDenied) as excinfo:
        services.accept_order(order=order, actor=city.dispatcher)
    assert str(excinfo.value) == (
        f"工单 {order.number} 不能执行「签收」（当前状态：已派单）："
        "「派单员」无权执行，须由承办人、单位负责人执行"
    )
