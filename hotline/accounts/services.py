"""Login throttling and lockout, shared by every app process through the database.

- A username (any text typed as one, whether or not an account has it) is locked after
  ``HOTLINE_LOGIN_FAILURES`` failures (wrong password or wrong two-factor code) within
  ``HOTLINE_LOGIN_WINDOW_MINUTES``, for ``HOTLINE_LOGIN_LOCKOUT_MINUTES``.
- A client address is locked after ``HOTLINE_LOGIN_ADDRESS_FAILURES`` failures within the same
  window, for the same time: one machine cannot try many names either.
- A locked username or address is refused before its password is checked, with a message that is
  the same whether or not the account exists. A successful login clears its username's count (not
  its address's: a valid account must not buy more guesses at other names).
- An admin clears a lock with the admin's action or ``hotline accounts unlock``.

Times are real time (``timezone.now()``), not the domain clock the demo replays history with.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import LoginThrottle
from .throttle import Count, Policy, after_failure

Scope = LoginThrottle.Scope


def _policy(scope: str) -> Policy:
    limit = (
        settings.HOTLINE_LOGIN_FAILURES
        if scope == Scope.USERNAME
        else settings.HOTLINE_LOGIN_ADDRESS_FAILURES
    )
    return Policy(
        limit=limit,
        window=timedelta(minutes=settings.HOTLINE_LOGIN_WINDOW_MINUTES),
        lockout=timedelta(minutes=settings.HOTLINE_LOGIN_LOCKOUT_MINUTES),
    )


def _key(scope: str, value: str) -> str:
    # Usernames are compared without case or surrounding spaces: "Admin " and "admin" share one
    # count (stricter, never looser, than the login itself).
    value = value.strip().casefold() if scope == Scope.USERNAME else value.strip()
    return value[: LoginThrottle._meta.get_field("key").max_length]


def _minutes_left(until: datetime | None) -> int:
    assert until is not None, "asked of locks in force only (locked_until__gt=now)"
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))


def login_refusal(*, username: str, address: str) -> str | None:
    """The message to show instead of checking the password, or None when the attempt may go on.

    A refusal because of a locked username still counts against the address it came from.
    """
    now = timezone.now()
    locks = {
        row.scope: row
        for row in LoginThrottle.objects.filter(
            Q(scope=Scope.ADDRESS, key=_key(Scope.ADDRESS, address))
            | Q(scope=Scope.USERNAME, key=_key(Scope.USERNAME, username)),
            locked_until__gt=now,
        )
    }
    if lock := locks.get(Scope.ADDRESS):
        return _("本机登录失败次数过多，请 %(minutes)d 分钟后再试。") % {
            "minutes": _minutes_left(lock.locked_until)
        }
    if lock := locks.get(Scope.USERNAME):
        _count(Scope.ADDRESS, address, now)
        return _(
            "登录失败次数过多，账户已暂时锁定，请 %(minutes)d 分钟后再试，或请管理员解锁。"
        ) % {"minutes": _minutes_left(lock.locked_until)}
    return None


def login_failed(*, username: str, address: str) -> None:
    """Count one failed attempt (wrong password or wrong code) for the username and the address."""
    now = timezone.now()
    _count(Scope.USERNAME, username, now)
    _count(Scope.ADDRESS, address, now)
    # Rows whose window and lock are over count for nothing any more.
    LoginThrottle.objects.filter(expires_at__lte=now).delete()


def login_succeeded(*, username: str) -> None:
    """A successful login starts its username's count again."""
    LoginThrottle.objects.filter(scope=Scope.USERNAME, key=_key(Scope.USERNAME, username)).delete()


def unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Clear the count and any lock of a username and/or an address; how many were cleared."""
    keys = Q(pk__in=[])
    if username:
        keys |= Q(scope=Scope.USERNAME, key=_key(Scope.USERNAME, username))
    if address:
        keys |= Q(scope=Scope.ADDRESS, key=_key(Scope.ADDRESS, address))
    return LoginThrottle.objects.filter(keys).delete()[0]


def current_locks() -> QuerySet[LoginThrottle]:
    """The locks in force now, newest first."""
    return LoginThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until")


def _count(scope: str, value: str, now: datetime) -> None:
    if not value:
        return
    key, policy = _key(scope, value), _policy(scope)
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().filter(scope=scope, key=key).first()
        count = after_failure(_as_count(row), now, policy)
        if row is None:
            try:
                with (
                    transaction.atomic()
                ):  # another process may insert the same key at the same moment
                    LoginThrottle.objects.create(scope=scope, key=key, **_fields(count, policy))
                return
            except IntegrityError:
                row = LoginThrottle.objects.select_for_update().get(scope=scope, key=key)
                count = after_failure(_as_count(row), now, policy)
        for field, new in _fields(count, policy).items():
            setattr(row, field, new)
        row.save(update_fields=["failures", "window_start", "locked_until", "expires_at"])


def _as_count(row: LoginThrottle | None) -> Count | None:
    return None if row is None else Count(row.failures, row.window_start, row.locked_until)


def _fields(count: Count, policy: Policy) -> dict:
    return {
        "failures": count.failures,
        "window_start": count.window_start,
        "locked_until": count.locked_until,
        "expires_at": count.expires_at(policy),
    }
