"""Which action tells whom what (pure: no database).

``RULES`` maps an action to the messages it causes. The audience is the citizen (by SMS to the
caller's phone, unless the request was anonymous) or the responsible unit (by SMS to its duty
phone and e-mail to its duty address, whichever it has). Messages to units never name the caller:
a confidential reporter (举报人保密) stays unknown to the unit in every channel.
"""

from dataclasses import dataclass
from enum import StrEnum

from hotline.orders.workflow import Action

from .models import Message

Kind = Message.Kind


class Audience(StrEnum):
    CITIZEN = "citizen"
    UNIT = "unit"


@dataclass(frozen=True)
class Rule:
    kind: Kind
    audience: Audience


RULES: dict[Action, Rule] = {
    Action.REGISTER: Rule(Kind.RECEIPT, Audience.CITIZEN),
    Action.DISPATCH: Rule(Kind.NEW_ORDER, Audience.UNIT),
    Action.REASSIGN: Rule(Kind.NEW_ORDER, Audience.UNIT),
    Action.REOPEN: Rule(Kind.NEW_ORDER, Audience.UNIT),
    Action.URGE: Rule(Kind.URGE, Audience.UNIT),
    Action.SUPERVISE: Rule(Kind.SUPERVISED, Audience.UNIT),
    # The reply reaches the citizen when the centre approves it; the survey goes with it.
    Action.APPROVE_REPLY: Rule(Kind.SURVEY, Audience.CITIZEN),
}


def rule_for(action: str, payload: dict) -> Rule | None:
    """The rule for an event; the system's own urge means the deadline has passed (超期)."""
    rule = RULES.get(Action(action))
    if rule and rule.kind == Kind.URGE and payload.get("auto"):
        return Rule(Kind.OVERDUE, Audience.UNIT)
    return rule


def addresses(
    audience: Audience, *, caller_phone: str, anonymous: bool, duty_phone: str, duty_email: str
) -> list[tuple[Message.Channel, str]]:
    """(channel, recipient) pairs for an audience; empty when there is nobody to tell."""
    if audience == Audience.CITIZEN:
        # Landlines cannot take an SMS.
        return (
            [(Message.Channel.SMS, caller_phone)]
            if caller_phone.startswith("1") and not anonymous
            else []
        )
    pairs = [(Message.Channel.SMS, duty_phone), (Message.Channel.EMAIL, duty_email)]
    return [(channel, to) for channel, to in pairs if to]
