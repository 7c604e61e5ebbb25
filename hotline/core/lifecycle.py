"""What the lifecycle tables share (pure): how a row of (action, from-states, roles, to-state)
refuses a step, the reason said in the active language, and the row printed for the docs.

Each table (``orders.workflow``, ``problems.workflow``) keeps its own states, actions and reach;
this is only the reading of a row, written once.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from enum import StrEnum
from typing import Any, Protocol

from django.utils.translation import gettext

from .errors import listing


class Refusal(StrEnum):
    STATE = "state"
    ROLE = "role"


class Row(Protocol):
    """A row of a transition table."""

    @property
    def action(self) -> Any: ...  # a TextChoices member: value and label
    @property
    def sources(self) -> frozenset[str]: ...
    @property
    def roles(self) -> frozenset[str]: ...
    @property
    def target(self) -> str | None: ...
    @property
    def reach(self) -> str: ...


def refused_by(
    sources: Collection[str], roles: Collection[str], status: str | None, role: str
) -> Refusal | None:
    """Whether a row refuses the step, and why: the state first (``status`` None is a thing
    not started yet, which only a row without sources starts), then the role."""
    if (status not in sources) if status is not None else bool(sources):
        return Refusal.STATE
    return Refusal.ROLE if role not in roles else None


def refusal(
    sources: Collection[str],
    roles: Collection[str],
    status: str | None,
    role: str,
    *,
    label: Callable[[str], object],
    role_label: Callable[[str], object],
    new: str,
) -> tuple[Refusal, str] | None:
    """``refused_by`` with the reason said: which states or roles the row wants (``label``
    names a state, ``role_label`` a role; ``new`` is said for a thing not started yet)."""
    kind = refused_by(sources, roles, status, role)
    if kind == Refusal.STATE:
        states = listing(str(label(s)) for s in sorted(sources)) or new
        return kind, gettext("只能在以下状态执行：%(states)s") % {"states": states}
    if kind == Refusal.ROLE:
        wanted = listing(str(role_label(r)) for r in sorted(roles))
        return kind, gettext("「%(role)s」无权执行，须由%(roles)s执行") % {
            "role": role_label(role),
            "roles": wanted,
        }
    return None


def markdown_rows(
    rows: Iterable[Row], states: Iterable[str], roles: Iterable[str], reach: Mapping[Any, str]
) -> list[str]:
    """The table's rows as Markdown: action, 中文, from, who, on (``reach`` said), to; states
    and roles in the order given."""
    states, roles = list(states), list(roles)
    lines = ["| action | 中文 | from | who | on | to |", "| --- | --- | --- | --- | --- | --- |"]
    for t in rows:
        sources = ", ".join(s for s in states if s in t.sources) or "—"
        who = ", ".join(r for r in roles if r in t.roles)
        target = str(t.target) if t.target else "(same)"
        lines.append(
            f"| {t.action.value} | {t.action.label} | {sources} | {who} | {reach[t.reach]} "
            f"| {target} |"
        )
    return lines
