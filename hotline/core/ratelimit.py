"""Counting requests per key in a time window, for the public forms (portal, Open311 POST).

Counts live in Django's cache: per process with the default local-memory cache, shared by every
process when the deployment configures a shared cache (``CACHES``).
"""

import time

from django.core.cache import cache


def allow(scope: str, key: str, *, limit: int, per_seconds: int) -> bool:
    """Count one request of ``key`` in ``scope``; False once more than ``limit`` came in the
    current window of ``per_seconds``."""
    window = int(time.time() // per_seconds)
    name = f"ratelimit:{scope}:{key}:{window}"
    cache.add(name, 0, timeout=per_seconds + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=per_seconds + 1)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    """The client's address as the server saw it (a proxy in front must be trusted explicitly)."""
    return request.META.get("REMOTE_ADDR", "")
