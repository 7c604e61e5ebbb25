"""Who is told what (pure rules)."""

import pytest

from hotline.notifications.models import Message
from hotline.notifications.rules import RULES, Audience, addresses, rule_for
from hotline.orders.workflow import Action

SMS, EMAIL = Message.Channel.SMS, Message.Channel.EMAIL
NOBODY = dict(caller_phone="", anonymous=False, duty_phone="", duty_email="")


@pytest.mark.parametrize(
    ("action", "kind", "audience"),
    [
        (Action.REGISTER, "receipt", Audience.CITIZEN),
        (Action.DISPATCH, "new_order", Audience.UNIT),
        (Action.REASSIGN, "new_order", Audience.UNIT),
        (Action.REOPEN, "new_order", Audience.UNIT),
        (Action.URGE, "urge", Audience.UNIT),
        (Action.SUPERVISE, "supervised", Audience.UNIT),
        (Action.APPROVE_REPLY, "survey", Audience.CITIZEN),
    ],
)
def test_each_announced_action_tells_its_audience(action, kind, audience) -> None:
    rule = rule_for(action, {})
    assert (rule.kind, rule.audience) == (kind, audience)


def test_the_systems_own_urge_is_an_overdue_alert() -> None:
    assert rule_for(Action.URGE, {"auto": True}).kind == "overdue"


@pytest.mark.parametrize("action", sorted(set(Action) - set(RULES)))
def test_other_actions_tell_nobody(action) -> None:
    assert rule_for(action, {}) is None


def test_a_citizen_with_a_mobile_gets_an_sms() -> None:
    assert addresses(Audience.CITIZEN, **NOBODY | {"caller_phone": "13812345678"}) == [
        (SMS, "13812345678")
    ]


def test_an_anonymous_citizen_is_not_messaged() -> None:
    assert (
        addresses(Audience.CITIZEN, **NOBODY | {"caller_phone": "13812345678", "anonymous": True})
        == []
    )


def test_a_landline_cannot_take_an_sms() -> None:
    assert addresses(Audience.CITIZEN, **NOBODY | {"caller_phone": "02787654321"}) == []


def test_a_unit_is_told_on_every_contact_it_has() -> None:
    contacts = NOBODY | {"duty_phone": "13900000001", "duty_email": "duty@example.gov.cn"}
    assert addresses(Audience.UNIT, **contacts) == [
        (SMS, "13900000001"),
        (EMAIL, "duty@example.gov.cn"),
    ]
    assert addresses(Audience.UNIT, **NOBODY | {"duty_email": "duty@example.gov.cn"}) == [
        (EMAIL, "duty@example.gov.cn")
    ]


def test_a_unit_without_contacts_is_not_messaged() -> None:
    assert addresses(Audience.UNIT, **NOBODY | {"caller_phone": "13812345678"}) == []
