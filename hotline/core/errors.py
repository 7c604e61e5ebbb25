"""Domain errors: every refusal says what was refused and why, and nothing was changed.

Messages are built when the error is raised, in the active language (the request's: Chinese
unless the user chose English), from translatable strings with named placeholders.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _


def listing(items: Iterable) -> str:
    """Items as a list in the active language: 「甲、乙」 in Chinese, "A, B" in English."""
    return _("、").join(str(item) for item in items)


class DomainError(Exception):
    """Base of every refusal by the domain. ``code`` is stable for API clients."""

    code = "domain_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Input that cannot be accepted; ``errors`` maps each field to its message."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(_("；").join(f"{field}: {msg}" for field, msg in self.errors.items()))


class ActionRefused(DomainError):
    """An action that the lifecycle does not allow on this order now, or not to this actor."""

    code = "action_refused"

    def __init__(
        self, *, order: str, action: str, status: str, reason: str, subject: str | None = None
    ):
        """``subject``: what is refused when it is not an order (a problem: "难题 #12")."""
        self.order, self.action, self.status, self.reason = order, action, status, reason
        values = {"order": order, "action": action, "status": status, "reason": reason}
        if subject is None:
            message = _("工单 %(order)s 不能执行「%(action)s」（当前状态：%(status)s）：%(reason)s")
        else:
            message = _("%(subject)s 不能执行「%(action)s」（当前状态：%(status)s）：%(reason)s")
            values["subject"] = subject
        super().__init__(message % values)


class TransitionNotAllowed(ActionRefused):
    code = "transition_not_allowed"


class PermissionDenied(ActionRefused):
    code = "permission_denied"


class Conflict(ActionRefused):
    """Someone else changed the order after the actor loaded it; reload and try again."""

    code = "conflict"
