"""Django's Redis cache, for whom an unreachable Redis is a miss, not an error page.

The cache only ever holds what can be computed again (the dashboard's figures, allauth's
per-address counters): while Redis restarts, a supervisor's dashboard is computed from the
database instead of answering 500, and sign-in goes on (the account lockout lives in the
database, not here). Each failure is logged; nothing is retried in the request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _tolerant(method: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _UNREACHABLE as error:
            log.warning("cache unreachable (%s): %s", method.__name__, error)
            return fallback(*args, **kwargs)

    return call


class TolerantRedisCache(RedisCache):
    """Reads miss (``get`` gives the default), writes are dropped, ``add`` reports success (a
    lock taken in a cache that cannot hold it protects nothing, and waiting on it helps nobody).
    Errors other than an unreachable server still raise."""

    get = _tolerant(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _tolerant(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _tolerant(RedisCache.has_key, lambda *args, **kwargs: False)
    set = _tolerant(RedisCache.set, lambda *args, **kwargs: None)
    set_many = _tolerant(RedisCache.set_many, lambda *args, **kwargs: [])
    add = _tolerant(RedisCache.add, lambda *args, **kwargs: True)
    touch = _tolerant(RedisCache.touch, lambda *args, **kwargs: False)
    delete = _tolerant(RedisCache.delete, lambda *args, **kwargs: False)
    delete_many = _tolerant(RedisCache.delete_many, lambda *args, **kwargs: None)
    clear = _tolerant(RedisCache.clear, lambda *args, **kwargs: False)
