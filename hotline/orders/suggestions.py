"""What registration asks before it stores a new order: the suggestions (category, type, urgency,
unit, probable duplicates, knowledge) kept beside what was chosen.

A port, so that registration lives here and the model in the triage app, which plugs its
``suggest_each`` in when the apps are ready; the orders app imports nothing of triage. With no
provider (an installation without triage) an order is registered with no suggestions.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from hotline.catalog.choices import OrderType, Urgency


class Request(NamedTuple):
    """What a suggestion is made from."""

    text: str
    address: str = ""
    phone: str = ""


Suggestion = dict[str, Any]
Provider = Callable[[list[Request]], list[Suggestion]]

# A citizen's request (no operator chose) takes the suggested category only when it is this sure.
CONFIDENT = 0.8

_provider: Provider | None = None


def provide(provider: Provider | None) -> None:
    """Plug in (or, with None, take out) what makes the suggestions."""
    global _provider
    _provider = provider


def suggest_each(requests: list[Request]) -> list[Suggestion]:
    """A suggestion for each request, in order (empty ones when nothing provides them)."""
    return _provider(requests) if _provider is not None else [{} for _ in requests]


def chosen_or_suggested(
    suggestion: Suggestion, *, by_citizen: bool, category_code: str, order_type: str, urgency: str
) -> tuple[str, str, str]:
    """(category code, type, urgency) to register. What an operator chose always wins, and the
    dispatcher reviews either way; a request that reached the centre without an operator (portal,
    apps, Open311) takes the suggested type and urgency, and the suggested category when the model
    is ``CONFIDENT``."""
    if by_citizen:
        order_type = order_type or _value(suggestion, "order_type")
        urgency = urgency or _value(suggestion, "urgency")
        category = suggestion.get("category") or {}
        if not category_code and category.get("confidence", 0) >= CONFIDENT:
            category_code = category["code"]
    return category_code, order_type or OrderType.HELP, urgency or Urgency.NORMAL


def _value(suggestion: Suggestion, name: str) -> str:
    return str((suggestion.get(name) or {}).get("value", ""))
