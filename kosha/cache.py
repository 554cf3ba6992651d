"""The shared cache (settings.CACHES): a Redis backend that keeps its client, and the one
counting operation the API's rate limits need (kosha/throttles.py).

Django's RedisCache builds a new `redis.Redis` client for every cache operation, and
redis-py's client constructor fills a table of ~165 response callbacks each time: on an
API request (a token lookup and a throttle) that cost more CPU than the round trips
themselves. `RedisCache` here builds one client per connection pool and keeps it;
redis-py's clients are safe to share between threads (each command takes a connection
from the pool), and Django already gives each thread its own cache object.

`rate_window_hit` is DRF's sliding-window log (SimpleRateThrottle: the times of the
requests of the last `window_seconds`, refused at `limit`), kept in one Redis sorted set
and checked and recorded by one Lua script (one command, atomic), instead of a read and a
write of a pickled list of every timestamp. Other caches (the file cache of the embedded default,
locmem in tests) keep DRF's list with a get and a set.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


@dataclass(frozen=True)
class WindowHit:
    """The outcome of one request against a rate: whether it is allowed (and so
    recorded), how many requests the window holds counting it (when allowed), and when
    the oldest of them was made (seconds since the epoch; None for an empty window)."""

    allowed: bool
    count: int
    oldest_at: float | None


class _KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients.setdefault(index, self._client(connection_pool=self._pools[index]))
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with one kept client per connection pool (see the module
    docstring), and `rate_window_hit` in one command."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptClientRedisCacheClient
        self._window_script: Any = None

    def rate_window_hit(self, *, key: str, now: float, window_seconds: int, limit: int) -> WindowHit:
        """See kosha.cache.rate_window_hit: one command (a Lua script, atomic in Redis)."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        if self._window_script is None:
            self._window_script = client.register_script(_WINDOW_SCRIPT)  # EVALSHA, loaded once
        member = f"{now!r}:{secrets.token_hex(4)}"
        allowed, count, oldest_at = self._window_script(
            keys=[key], args=[repr(now), window_seconds, limit, member], client=client
        )
        return WindowHit(allowed=bool(allowed), count=int(count), oldest_at=float(oldest_at) if oldest_at else None)


# The sliding-window log in one sorted set: entries as old as the window or older leave
# it (DRF drops `<= now - duration`), then the request is added unless `limit` remain.
# Answers {allowed 0|1, entries counting this one when allowed, oldest entry's time}; the
# time as a string, since Redis turns a Lua number into an integer.
_WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or false
if count >= tonumber(ARGV[3]) then
    return {0, count, oldest}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], window)
return {1, count + 1, oldest or ARGV[1]}
"""


def rate_window_hit(cache: BaseCache, *, key: str, now: float, window_seconds: int, limit: int) -> WindowHit:
    """Record a request at `now` (seconds since the epoch) under `key` unless the
    `window_seconds` before it already hold `limit` recorded requests; a refused request
    is not recorded. On the Redis cache one command, atomic; on any other
    cache DRF's read and write of the list of times (two operations, not atomic: two
    concurrent requests may both be let in, as with DRF's throttles)."""
    counted = getattr(cache, "rate_window_hit", None)
    if counted is not None:
        return counted(key=key, now=now, window_seconds=window_seconds, limit=limit)
    history: list[float] = [at for at in cache.get(key, []) if at > now - window_seconds]
    if len(history) >= limit:
        return WindowHit(allowed=False, count=len(history), oldest_at=history[-1])
    history.insert(0, now)
    cache.set(key, history, window_seconds)
    return WindowHit(allowed=True, count=len(history), oldest_at=history[-1])
