"""The Redis cache when Redis cannot be reached: a miss, never an error page."""

import socket

import pytest

from lms.cache import TolerantRedisCache
from tests.conftest import services_required


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again at once: nothing listens there


@pytest.fixture
def unreachable():
    return TolerantRedisCache(
        f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}}
    )


def test_an_unreachable_redis_is_a_miss_and_writes_are_dropped(unreachable, caplog):
    assert unreachable.get("figures", "fallback") == "fallback"
    assert unreachable.get_many(["a", "b"]) == {}
    assert unreachable.has_key("figures") is False
    assert unreachable.set("figures", 1) is None
    assert unreachable.delete("figures") is False
    # allauth's rate-limit lock: taken, so nobody waits on a cache that cannot hold it.
    assert unreachable.add("lock", True) is True
    assert "cache unreachable" in caplog.text


def test_a_reachable_redis_works_as_django_s(settings):
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if services_required():
            raise
        pytest.skip("no Redis at 127.0.0.1:6379")
    cache = TolerantRedisCache(url, {})
    cache.set("tolerant-cache-test", {"n": 1}, 30)
    assert cache.get("tolerant-cache-test") == {"n": 1}
    assert cache.add("tolerant-cache-test", 2) is False
    cache.delete("tolerant-cache-test")
    assert cache.get("tolerant-cache-test") is None
