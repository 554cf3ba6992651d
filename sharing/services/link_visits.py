"""What a public link's visitors do that counts: downloads (against the link's limit) and
password attempts (throttled), each recorded as a LinkEvent.

Downloads count with one conditional UPDATE, so concurrent requests can never pass
max_downloads.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kosha.counters import window_count
from kosha.errors import NotFound, RateLimited, WrongPassword
from sharing.models import LinkEvent, ShareLink
from storage.locks import file_key_share, folder_key_share

# Wrong passwords: at most this many per (link, client address), and per client address
# across links, in a window. Never per link alone: that would let anyone lock a link
# against its rightful visitors by typing wrong passwords (issue 10, lock-outs). A
# distributed guesser still needs the 256-bit token first. The window is fixed, so
# Retry-After is at most WINDOW seconds.
PASSWORD_FAILURES_PER_LINK_CLIENT = 10
PASSWORD_FAILURES_PER_ADDRESS = 30
PASSWORD_WINDOW_SECONDS = 300


def link_item_pin(*, link: ShareLink) -> None:
    """Hold the link's folder or file (key share, storage.locks) until the end of the
    transaction, after checking it is live: first in a visitor's write that points at the
    link (its events, a drop's admission), before it locks the link, so that a purge of
    the item (which deletes the link with it) waits for its commit and deletes those rows
    too ("Deferred key checks" there). Raises NotFound (resource "share_link") when the
    item was trashed or deleted since the link was read. One query; locks nothing on
    SQLite. Raises RuntimeError outside atomic()."""
    if link.folder_id is not None:
        live = folder_key_share(folder_id=link.folder_id)
    else:
        live = link.file_id is not None and file_key_share(file_id=link.file_id)
    if not live:
        raise NotFound("Not found.", resource="share_link")


def link_event_record(*, link: ShareLink, kind: str, address: str | None = None) -> LinkEvent:
    """Record one LinkEvent of `kind` on link, from the client `address` (None when unknown).
    Inside a transaction that holds the link's item first (`link_item_pin`, or the row
    lock of a link whose item is held); a visitor's event alone is `link_visit_record`."""
    return LinkEvent.objects.create(link=link, kind=kind, address=address or None)


def link_visit_record(*, link: ShareLink, kind: str, address: str | None = None) -> LinkEvent:
    """Record a visitor's LinkEvent (a page opened, a drop's file recorded) holding the
    link's item first (`link_item_pin`), in its own short transaction: a purge of the item
    deletes the link and its events, so an event inserted holding nothing failed its key
    check (a visitor's 500) or the purge's, by committing after the purge had read them.
    Raises NotFound (resource "share_link") when the item was trashed or deleted since the
    link was read."""
    with transaction.atomic():
        link_item_pin(link=link)
        return link_event_record(link=link, kind=kind, address=address)


def link_download_count(*, link: ShareLink, address: str | None = None) -> None:
    """Count one download, atomically: the conditional UPDATE only passes while the
    count is under the limit, so racing requests cannot exceed it. Raises NotFound
    (exhausted, revoked or expired meanwhile, or its item trashed or deleted). The
    DOWNLOAD activity event is the download's own (storage.services.downloads). Holds the
    link's item (key share, `link_item_pin`), then the link's row."""
    now = timezone.now()
    with transaction.atomic():
        link_item_pin(link=link)  # first: a purge of the item waits (storage/locks.py)
        updated = ShareLink.objects.filter(
            Q(max_downloads__isnull=True) | Q(download_count__lt=F("max_downloads")),
            pk=link.pk,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(download_count=F("download_count") + 1)
        if not updated:
            raise NotFound("Not found.", resource="share_link")
        link_event_record(link=link, kind=LinkEvent.Kind.DOWNLOADED, address=address)


def _throttle_keys(*, link: ShareLink, address: str | None) -> list[tuple[str, int]]:
    return [
        (f"sharing:pw-fail:link-addr:{link.pk}:{address or 'unknown'}", PASSWORD_FAILURES_PER_LINK_CLIENT),
        (f"sharing:pw-fail:addr:{address or 'unknown'}", PASSWORD_FAILURES_PER_ADDRESS),
    ]


def link_password_check(*, link: ShareLink, password: Any, address: str | None) -> None:
    """Accept the link's password, or count a failure against (the link, the client
    address) and the address alone (Django's cache, shared by every web process when it
    is Redis). Raises RateLimited (with retry_after, seconds) once either count reaches
    its limit, WrongPassword, NotFound (resource "share_link": the link's item trashed or
    deleted since the link was read, when a failure is recorded). Another address is
    never throttled by this one's failures."""
    keys = _throttle_keys(link=link, address=address)
    if any((cache.get(key) or 0) >= limit for key, limit in keys):
        raise RateLimited(retry_after=PASSWORD_WINDOW_SECONDS)
    if isinstance(password, str) and link.password_hash and check_password(password, link.password_hash):
        return
    for key, _limit in keys:
        window_count(key, window_seconds=PASSWORD_WINDOW_SECONDS)
    with transaction.atomic():
        link_item_pin(link=link)  # a purge of the item waits for the event (storage/locks.py)
        link_event_record(link=link, kind=LinkEvent.Kind.PASSWORD_FAILED, address=address)
    raise WrongPassword()
