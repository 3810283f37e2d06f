"""Counting a client's requests per minute in the cache (Redis in production).

A fixed window keyed by the minute. On Redis the count is one pipelined round
trip; any other cache (the embedded default's memory) takes Django's
add-then-incr.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# A window's key outlives its minute a little, for clocks a little apart.
KEY_SECONDS = WINDOW_SECONDS + 5


def allow(scope: str, client: str, *, per_minute: int) -> bool:
    """Count one request of `client`; False once it is past `per_minute` this minute."""
    minute = int(time.time()) // WINDOW_SECONDS
    return _count(f"throttle:{scope}:{client}:{minute}") <= per_minute


def _count(key: str) -> int:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _count_on_redis(cache, key)
    if cache.add(key, 1, timeout=KEY_SECONDS):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=KEY_SECONDS)
        return 1


def _count_on_redis(redis_cache: RedisCache, key: str) -> int:
    """SET … NX EX then INCR, pipelined: one round trip, any Redis version. Should
    Redis fail, the check is let through (and logged) rather than refused."""
    stored = redis_cache.make_and_validate_key(key)
    try:
        client = redis_cache._cache.get_client(stored, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.set(stored, 0, ex=KEY_SECONDS, nx=True)
        pipeline.incr(stored)
        _created, count = pipeline.execute()
    except RedisError:
        logger.warning("the per-client count is unavailable", exc_info=True)
        return 0
    return int(count)
