"""Counters in Django's cache that start at zero and expire a fixed time after their first
count: the rate limits and failure throttles of shares, link passwords and app passwords.

The cache is shared by every web process when it is Redis (or the file cache on one
machine), so a count holds across processes.
"""

from django.core.cache import cache


def window_count(key: str, *, window_seconds: int) -> int:
    """Add one to the counter at `key` and return the new count. A counter that does not
    exist (never counted, or expired) starts at 0 and expires `window_seconds` after this
    first count; later counts do not extend it. Locks nothing: the cache's add and incr
    are atomic on Redis, so concurrent counts are never lost there."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, timeout=window_seconds)
        return 1
