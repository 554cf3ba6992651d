"""The API's rate limits (REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES): DRF's per-user and
per-address throttles with their rates, keys and Retry-After, counted by
kosha.cache.rate_window_hit: on Redis one command per request (a Lua script, atomic)
instead of a read and a write of the pickled list of every request time of the last minute.

The same sliding window as DRF's: a request is refused when the `duration` seconds
before it hold `num_requests` allowed requests; refused requests are not counted.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling

from kosha.cache import WindowHit, rate_window_hit


class _WindowLogThrottle(throttling.SimpleRateThrottle):
    # Not DRF's key: its list under the old key would be the wrong Redis type here.
    cache_format = "throttle-log_%(scope)s_%(ident)s"

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.hit: WindowHit = rate_window_hit(
            self.cache, key=self.key, now=self.now, window_seconds=self.duration, limit=self.num_requests
        )
        return self.hit.allowed

    def wait(self) -> float | None:
        """Seconds until one more request would be allowed, as DRF's wait(): the rest
        of the oldest request's window over the requests still available in it."""
        oldest_at = self.hit.oldest_at
        remaining = self.duration - (self.now - oldest_at) if oldest_at is not None else self.duration
        available = self.num_requests - self.hit.count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class UserRateThrottle(_WindowLogThrottle, throttling.UserRateThrottle):
    """Per user (per address before sign-in), scope `user`."""


class AnonRateThrottle(_WindowLogThrottle, throttling.AnonRateThrottle):
    """Per address for requests without a user, scope `anon`."""
