"""Account purge: every object under the user's prefix goes before any row.

`accounts.services.account_delete_request` locks the account out and announces
`account_deletion_requested`; storage/signals.py enqueues `account_purge_task`, which
runs `account_purge` below. The order matters: abort unfinished multipart uploads,
delete every object under `users/<uuid>/` in batches, list again to prove the prefix is
empty, and only then delete the rows. A crash or a store outage at any step leaves a
state the retried task (or the hourly sweep) finishes; the rows, which are the map to
the objects, are never lost before the objects are gone.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from plans.models import Usage
from storage import keys
from storage.backends import BackendError, get_backend
from storage.locks import folders_lock_to_delete, space_lock
from storage.models import File, Folder, UploadSession

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000


def _purge_uploads(*, user_id: uuid.UUID | str) -> None:
    """Abort the user's unfinished multipart uploads: their parts are not objects under the
    prefix yet (and the local store keeps them elsewhere), so listing would miss them."""
    owner_id = uuid.UUID(str(user_id))  # account_purge found the user by this pk: a valid UUID
    UploadSession.objects.filter(owner_id=owner_id, status=UploadSession.Status.PENDING).update(
        status=UploadSession.Status.ABORTED
    )
    unfinished = (
        UploadSession.objects.filter(owner_id=owner_id, finished_at__isnull=True)
        .exclude(status=UploadSession.Status.COMPLETED)
        .exclude(multipart_upload_id="")
        .values_list("pk", "key", "multipart_upload_id")
    )
    backend = get_backend()
    for upload_id, key, multipart_upload_id in unfinished:
        backend.multipart_abort(key=key, upload_id=multipart_upload_id)  # BackendError: retried
        UploadSession.objects.filter(pk=upload_id).update(finished_at=timezone.now())


def _purge_objects(*, user_id: uuid.UUID | str) -> int:
    """Delete everything under the user's prefix, a batch of up to 1000 at a time, until a
    fresh listing finds nothing: the last, empty listing is the proof the prefix is empty.
    Each round lists from the start, so objects that appear meanwhile are caught too."""
    backend = get_backend()
    prefix = keys.user_prefix(user_id)
    deleted = 0
    previous: list[str] = []
    while True:
        listing = backend.list_prefix(prefix=prefix)
        try:
            batch = [listed.key for listed in itertools.islice(listing, PURGE_BATCH)]
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()
        if not batch:
            return deleted
        if batch == previous:
            # The store said it deleted them, yet lists them again: never loop forever.
            raise BackendError(f"objects under {prefix} survive deletion, first: {batch[0]}")
        backend.delete(keys=batch)
        deleted += len(batch)
        previous = batch


def _purge_rows(*, user_id: uuid.UUID | str) -> bool:
    """Delete the User; cascades take usage, folders, files, versions, sessions, tokens.
    Takes the locks of storage/locks.py in their order before the User row, as every
    other write of the space does: the space lock (exclusive: a trash purge, a complete,
    a move runs wholly before or after), the user's sessions, folders and files (FOR
    UPDATE, pk order: it deletes them, after every start, star, link or share holding one
    by its key-share lock has committed, as trash_batches_purge does), then the Usage row
    (a start or an abort holding it commits first). Before, it locked the User row first,
    and its cascade then waited for those locks while their holders' commits waited for
    the User row (a new row's deferred key check of its owner, FOR KEY SHARE), or for
    Usage: PostgreSQL aborted one of the two (storage/tests/test_lock_order_races.py)."""
    owner_id = uuid.UUID(str(user_id))  # account_purge found the user by this pk: a valid UUID
    with transaction.atomic():
        space_lock(owner_ids=[owner_id], shared=False)  # first, in the order of storage/locks.py
        list(UploadSession.objects.select_for_update().filter(owner_id=owner_id).order_by("pk").values_list("pk"))
        folders_lock_to_delete(folder_ids=Folder.objects.filter(owner_id=owner_id).values_list("pk", flat=True))
        list(File.objects.select_for_update().filter(owner_id=owner_id).order_by("pk").values_list("pk"))
        list(Usage.objects.select_for_update().filter(user_id=owner_id).values_list("pk"))  # Usage last
        locked = User.objects.select_for_update().filter(pk=owner_id, deleting_at__isnull=False).first()
        if locked is None:
            return False
        locked.delete()
    return True


def account_purge(*, user_id: uuid.UUID | str) -> bool:
    """Purge an account marked deleting: abort its multipart uploads, delete every object
    under its prefix, check the prefix is empty, then delete its rows. Returns True when
    the rows were deleted now; False if there was nothing to do (already purged, or the
    account was never marked deleting: the purge refuses a live account). Raises
    BackendError when the store fails, with the rows untouched, so the task is retried."""
    if not User.objects.filter(pk=user_id, deleting_at__isnull=False).exists():
        if User.objects.filter(pk=user_id).exists():
            logger.warning("Refusing to purge account %s: it was not marked deleting", user_id)
        return False
    _purge_uploads(user_id=user_id)
    deleted = _purge_objects(user_id=user_id)
    purged = _purge_rows(user_id=user_id)
    logger.info("Account %s purged: %d objects deleted, rows deleted: %s", user_id, deleted, purged)
    return purged


def account_purge_sweep(*, older_than_minutes: int = 60, limit: int = 100) -> int:
    """Purge accounts still marked deleting a while after the request: the task's retries
    ran out (a long store outage) or its worker died. Returns how many were purged."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    user_ids = list(
        User.objects.filter(deleting_at__lte=cutoff).order_by("deleting_at").values_list("pk", flat=True)[:limit]
    )
    purged = 0
    for user_id in user_ids:
        try:
            purged += account_purge(user_id=user_id)
        except BackendError:
            logger.warning("Purge of account %s failed; the next sweep retries", user_id, exc_info=True)
    return purged
