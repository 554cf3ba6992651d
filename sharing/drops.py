"""Limits on anonymous drop uploads (issue 10, fault 3): whoever holds a drop link can
start uploads into its owner's space, so a link cannot take more than a bounded share of
that space per hour, however many clients it reaches.

Three counters in Django's cache (Redis when there are several web processes), each in
a fixed window so Retry-After is known:
- starts per (link, client address): one client cannot flood a link;
- starts per link: many clients together cannot either;
- declared bytes per link: at most DROP_BYTES_PER_LINK reserved per window, so three
  2 GiB starts no longer drain a 5 GiB plan.
And one file is at most DROP_MAX_FILE_BYTES (below the plan's own max_file_bytes, which
upload_start checks as for everyone).
"""

from __future__ import annotations

from django.core.cache import cache

from kosha.errors import FileTooLarge, RateLimited
from kosha.sizes import size_text
from sharing.models import ShareLink

GiB = 1024**3
DROP_MAX_FILE_BYTES = 1 * GiB
DROP_WINDOW_SECONDS = 3600
DROP_STARTS_PER_CLIENT = 60
DROP_STARTS_PER_LINK = 300
DROP_BYTES_PER_LINK = 2 * GiB


def _window_add(key: str, amount: int) -> int:
    """Add amount to the window's counter under key (atomic in the cache); the new total."""
    cache.add(key, 0, timeout=DROP_WINDOW_SECONDS)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, amount, timeout=DROP_WINDOW_SECONDS)
        return amount


def drop_start_admit(*, link: ShareLink, address: str | None, size_bytes) -> None:
    """Admit one anonymous start through a drop link, or refuse it before anything is
    reserved. `size_bytes` is the declared size as the client sent it (a non-integer
    is left to upload_start's own 400). Raises FileTooLarge (413) over
    DROP_MAX_FILE_BYTES, RateLimited (429, retry_after seconds) past a start or byte
    budget. Counts in the cache only; no database lock."""
    is_size = isinstance(size_bytes, int) and not isinstance(size_bytes, bool)
    if is_size and size_bytes > DROP_MAX_FILE_BYTES:
        raise FileTooLarge(
            f"A file dropped through a link can be at most {size_text(DROP_MAX_FILE_BYTES)}.", field="size"
        )
    refused = RateLimited(
        "This link has taken enough uploads for now; try again later.", retry_after=DROP_WINDOW_SECONDS
    )
    client = f"sharing:drop:starts:{link.pk}:{address or 'unknown'}"
    if _window_add(client, 1) > DROP_STARTS_PER_CLIENT:
        raise refused
    if _window_add(f"sharing:drop:starts:{link.pk}", 1) > DROP_STARTS_PER_LINK:
        raise refused
    if is_size and size_bytes > 0 and _window_add(f"sharing:drop:bytes:{link.pk}", size_bytes) > DROP_BYTES_PER_LINK:
        raise refused
