"""Creating, revoking and checking API tokens."""

import hashlib
import secrets

from django.http import HttpRequest

from hotline.core import clock
from hotline.core.errors import InvalidInput
from hotline.org.models import User

from .models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user: User) -> str:
    """A new token for ``user``; the only time the token itself is available."""
    if not user.is_active:
        raise InvalidInput({"user": f"用户 {user.username} 已停用"})
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, prefix=token[:8], digest=_digest(token))
    return token


def revoke_tokens(*, prefix: str) -> int:
    """Revoke the tokens starting with ``prefix`` (at least 8 characters); returns how many."""
    if len(prefix) < 8:
        raise InvalidInput({"prefix": "请给出令牌的前 8 位"})
    return ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


def user_for_token(token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return found.user if found else None


def user_for_request_token(request: HttpRequest, token: str) -> User | None:
    """``user_for_token``, looked up once per request (the idempotency middleware asks before
    the API's authentication does)."""
    known: tuple[str, User | None] | None = getattr(request, "_token_user", None)
    if known is None or known[0] != token:
        known = (token, user_for_token(token))
        vars(request)["_token_user"] = known  # kept on the request, which declares no such field
    return known[1]
