"""Counting requests per client in fixed windows of time, for the public forms (portal, Open311
POST).

Counts live in the database (``RateCount``), incremented by one atomic upsert, so every worker
of every server shares them: an attacker gets the limit once, not once per process. Keys are
stored as digests. Rows of windows that have ended are removed whenever a new window starts.
"""

import functools
import hashlib
import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from .models import RateCount


@dataclass(frozen=True)
class Rule:
    limit: int
    per_seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rule":
        """``"5/3600"``: at most 5 requests per 3,600 seconds."""
        limit, _, seconds = text.partition("/")
        rule = cls(int(limit), int(seconds))
        if rule.limit < 1 or rule.per_seconds < 1:
            raise ValueError(f"a rate is LIMIT/SECONDS with both at least 1, not {text!r}")
        return rule


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # whole seconds until the window ends (what Retry-After says)


def rule(name: str) -> Rule:
    """The rule named in ``settings.HOTLINE_RATE_LIMITS`` (read at each call, so tests and
    deployments can change it)."""
    return Rule.parse(settings.HOTLINE_RATE_LIMITS[name])


def _upsert_sql() -> str:
    q = connection.ops.quote_name
    table, scope, key, start, count, expires = map(
        q, (RateCount._meta.db_table, "scope", "key", "window_start", "count", "expires_at")
    )
    # One statement both creates and increments, so two processes cannot both read "4 of 5".
    return (
        f"INSERT INTO {table} ({scope}, {key}, {start}, {count}, {expires}) "
        "VALUES (%s, %s, %s, 1, %s) "
        f"ON CONFLICT ({scope}, {key}, {start}) DO UPDATE SET {count} = {table}.{count} + 1 "
        f"RETURNING {count}"
    )


def hit(scope: str, key: str, limit_rule: Rule) -> Verdict:
    """Count one request of ``key`` in ``scope``; refused once more than the rule's limit came
    in the current window."""
    now = timezone.now().timestamp()
    start = int(now // limit_rule.per_seconds) * limit_rule.per_seconds
    end = start + limit_rule.per_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [scope, digest, start, end])
        count = cursor.fetchone()[0]
    if count == 1:
        RateCount.objects.filter(expires_at__lte=now).delete()
    return Verdict(count <= limit_rule.limit, count, max(1, math.ceil(end - now)))


def client_ip(request: HttpRequest) -> str:
    """The client's address, for login locks and rate limits.

    ``REMOTE_ADDR`` unless it is one of ``HOTLINE_TRUSTED_PROXIES``: then the proxy's
    ``X-Forwarded-For`` is read from the right, past the trusted proxies, and the first address
    no trusted proxy owns is the client. Addresses further left were written by the client
    itself and could be anything, so they are never believed.
    """
    address = request.META.get("REMOTE_ADDR", "")
    trusted = _trusted_proxies(tuple(settings.HOTLINE_TRUSTED_PROXIES))
    if not trusted or not _within(address, trusted):
        return address
    hops = [
        hop.strip()
        for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop if _parsed(hop) else address
    return hops[0] if hops else address


@functools.cache
def _trusted_proxies(
    networks: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _within(
    address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    ip = _parsed(address)
    return ip is not None and any(ip in network for network in networks)
