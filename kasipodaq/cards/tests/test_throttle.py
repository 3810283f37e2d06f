"""The per-client count of checks, on the memory cache and on a real Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches

from kasipodaq.cards import throttle

REDIS_URL = os.environ.get("REDIS_TEST_URL", "")


@pytest.fixture(params=["memory", "redis"])
def cache_kind(request: Any, settings: Any) -> Iterator[str]:
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("REDIS_TEST_URL is not set")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": "kasipodaq-test-throttle",
            }
        }
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def test_a_client_is_refused_past_its_limit_in_the_minute(
    cache_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle.time, "time", lambda: 120.0)
    answers = [throttle.allow("t", "10.0.0.1", per_minute=3) for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert throttle.allow("t", "10.0.0.2", per_minute=3)
    assert throttle.allow("other", "10.0.0.1", per_minute=3)
    monkeypatch.setattr(throttle.time, "time", lambda: 180.0)  # the next minute
    assert throttle.allow("t", "10.0.0.1", per_minute=3)


@pytest.mark.parametrize("cache_kind", ["redis"], indirect=True)
def test_on_redis_a_window_expires_and_its_first_expiry_holds(cache_kind: str) -> None:
    cache = caches["default"]
    throttle.allow("t", "10.0.0.3", per_minute=5)
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    (key,) = client.keys("*throttle:t:10.0.0.3:*")
    assert 0 < client.ttl(key) <= throttle.KEY_SECONDS
    client.expire(key, 1000)
    throttle.allow("t", "10.0.0.3", per_minute=5)
    assert client.ttl(key) > throttle.KEY_SECONDS  # EXPIRE NX keeps the first expiry
