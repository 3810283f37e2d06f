"""Counting a client's requests per minute in the cache (Redis in production)."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 60


def allow(scope: str, client: str, *, per_minute: int) -> bool:
    """Count one request of `client`; False once it is past `per_minute` this minute.

    A fixed window keyed by the minute: one cache round trip on the common path.
    """
    minute = int(time.time()) // WINDOW_SECONDS
    key = f"throttle:{scope}:{client}:{minute}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS + 5):
        return per_minute >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    return count <= per_minute
