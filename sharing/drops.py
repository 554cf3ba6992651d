"""Limits on anonymous drop uploads (issue 10, fault 3): whoever holds a drop link can
start uploads into its owner's space, so a link cannot take more than a bounded share of
that space per window, however many clients it reaches.

Each admitted start is a DropStart row, counted in a fixed window
(KOSHA_DROP_WINDOW_SECONDS, so Retry-After is known) under the link's row lock, so
concurrent starts cannot both pass a cap (a cache counter could: the file cache's
increment is a read then a write, and one of two racing starts was lost):
- starts per (link, client address) (KOSHA_DROP_STARTS_PER_CLIENT): one client cannot
  flood a link;
- starts per link (KOSHA_DROP_STARTS_PER_LINK): many clients together cannot either;
- declared bytes per link (KOSHA_DROP_BYTES_PER_LINK), so three 2 GiB starts cannot
  drain a 5 GiB plan.
One file is at most KOSHA_DROP_MAX_FILE_BYTES (below the plan's own max_file_bytes, which
upload_start checks as for everyone). An anonymous start's reservation lasts
KOSHA_DROP_RESERVATION_MINUTES (the upload sweep releases it after); revoking the link
aborts its pending uploads (`drop_uploads_abort`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from kosha.errors import FileTooLarge, NotFound, RateLimited, StoreUnavailable, UploadCompleted
from kosha.sizes import size_text
from sharing.models import DropStart, ShareLink
from sharing.services.link_visits import link_item_pin
from storage.models import UploadSession
from storage.services.uploads import upload_abort

logger = logging.getLogger(__name__)


def drop_reservation_lifetime() -> timedelta:
    """How long an anonymous start's session (and its quota reservation) lasts."""
    return timedelta(minutes=settings.KOSHA_DROP_RESERVATION_MINUTES)


def drop_start_admit(*, link: ShareLink, address: str | None, size_bytes: int) -> DropStart:
    """Admit one anonymous start of `size_bytes` (a clean size) through a drop link, or
    refuse it before anything is reserved. Returns the admission, which the caller ties
    to the upload it starts (`drop_start_attach`) or releases (`drop_start_release`).
    Raises FileTooLarge (413) over KOSHA_DROP_MAX_FILE_BYTES, RateLimited (429,
    retry_after seconds) past a start or byte budget, NotFound (resource "share_link": the
    link's folder trashed or deleted, or the link itself deleted, by its owner or an admin,
    since the link was read: the 404 of a link that does not exist). Holds the link's folder
    (key share, sharing.services.link_visits.link_item_pin: a purge of it waits), then
    locks the ShareLink row, in its own short transaction."""
    if size_bytes > settings.KOSHA_DROP_MAX_FILE_BYTES:
        raise FileTooLarge(
            f"A file dropped through a link can be at most {size_text(settings.KOSHA_DROP_MAX_FILE_BYTES)}.",
            field="size",
        )
    window = settings.KOSHA_DROP_WINDOW_SECONDS
    refused = RateLimited("This link has taken enough uploads for now; try again later.", retry_after=window)
    address = address or ""
    now = timezone.now()
    with transaction.atomic():
        link_item_pin(link=link)  # first (storage/locks.py, "Deferred key checks")
        # The lock serialises the link's admissions: count, then insert, safely.
        if not ShareLink.objects.select_for_update().filter(pk=link.pk).values_list("pk", flat=True):
            raise NotFound("Not found.", resource="share_link")
        starts = DropStart.objects.filter(link=link)
        starts.filter(created_at__lt=now - timedelta(seconds=window)).delete()
        totals = starts.aggregate(
            link_starts=Count("id"),
            client_starts=Count("id", filter=Q(address=address)),
            link_bytes=Sum("size_bytes", default=0),
        )
        if totals["client_starts"] >= settings.KOSHA_DROP_STARTS_PER_CLIENT:
            raise refused
        if totals["link_starts"] >= settings.KOSHA_DROP_STARTS_PER_LINK:
            raise refused
        if totals["link_bytes"] + size_bytes > settings.KOSHA_DROP_BYTES_PER_LINK:
            raise refused
        return DropStart.objects.create(link=link, address=address, size_bytes=size_bytes, created_at=now)


def drop_start_attach(*, admission: DropStart, upload: UploadSession) -> None:
    """Tie an admission to the upload it started (for revocation and the owner's view)."""
    DropStart.objects.filter(pk=admission.pk).update(upload=upload)


def drop_start_release(*, admission: DropStart) -> None:
    """Give back the bytes of an admission whose start failed (a bad name, a full plan,
    the store down): the start still counts, its bytes no longer do."""
    DropStart.objects.filter(pk=admission.pk).update(size_bytes=0)


def drop_uploads_abort(*, link: ShareLink) -> int:
    """Abort every pending upload started through `link` (after its revocation): the
    store's parts are deleted and the owner's reservations released. Calls the store:
    call it with no transaction open. One that ends or fails meanwhile is skipped (the
    sweep takes it). Returns how many were aborted."""
    aborted = 0
    pending = UploadSession.objects.filter(drop_start__link=link, status=UploadSession.Status.PENDING)
    for upload in pending.select_related("owner"):
        try:
            upload_abort(upload=upload)
        except UploadCompleted:
            continue
        except StoreUnavailable:
            logger.warning("Could not abort drop upload %s now; the sweep will", upload.pk)
            continue
        aborted += 1
    return aborted
