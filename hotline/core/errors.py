"""Domain errors: every refusal says what was refused and why, and nothing was changed."""


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
        super().__init__("；".join(f"{field}: {msg}" for field, msg in self.errors.items()))


class ActionRefused(DomainError):
    """An action that the lifecycle does not allow on this order now, or not to this actor."""

    code = "action_refused"

    def __init__(self, *, order: str, action: str, status: str, reason: str):
        self.order, self.action, self.status, self.reason = order, action, status, reason
        super().__init__(f"工单 {order} 不能执行「{action}」（当前状态：{status}）：{reason}")


class TransitionNotAllowed(ActionRefused):
    code = "transition_not_allowed"


class PermissionDenied(ActionRefused):
    code = "permission_denied"


class Conflict(ActionRefused):
    """Someone else changed the order after the actor loaded it; reload and try again."""

    code = "conflict"
