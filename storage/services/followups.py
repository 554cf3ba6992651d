"""Catch-up sweeps for the work a recorded change leaves to a task after commit, where the
task may never run: the broker was down at the enqueue (kosha.task_broker logs it and
fails nothing), or the worker died.

- A version's SHA-1 and thumbnail: `versions_followups_sweep`, every few minutes, runs them
  for versions recorded more than FOLLOWUPS_GRACE ago that still lack them (a partial
  index holds just those), and stamps `followups_swept_at` so what cannot be made (the
  object missing, an image refused) is not tried again.
- A file's prune of the versions its plan does not keep: `files_prune_sweep`, daily.
- A folder zip whose build never ran stays pending (and counts against the owner's
  archives building): storage.services.archives.archives_stalled_fail, with the other
  sweep of the archives' lifecycle there, marks it failed once no build can still be
  running, so the person's browser stops waiting and they can ask again.

Each step is the task's own idempotent service, so a sweep racing the task does no harm:
both compute the same SHA-1 and thumbnail, and a prune or a finished archive is left as
it is. The replica copy, blob deletes and account purges have their sweeps elsewhere
(storage.services.replication, storage.services.janitors, account_purge_sweep).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Count, F
from django.utils import timezone

from storage.backends import BackendError
from storage.models import FOLLOWUPS_DUE, THUMBNAIL_CONTENT_TYPES, File, FileVersion
from storage.services.versions import file_versions_prune, version_sha1_compute
from storage.thumbnails import version_thumbnail_make

logger = logging.getLogger(__name__)

# Long enough that the task enqueued after commit has run (a queue behind a batch of
# uploads included): the sweep is the fallback, not a second worker.
FOLLOWUPS_GRACE = timedelta(minutes=15)
FOLLOWUPS_BATCH = 50  # versions per run (each read from the store at most twice)
PRUNE_BATCH = 200  # files per run


def versions_followups_sweep(*, grace: timedelta = FOLLOWUPS_GRACE, limit: int = FOLLOWUPS_BATCH) -> int:
    """Compute the SHA-1 and make the thumbnail (an image within the byte limit) of up to
    `limit` versions recorded more than `grace` ago that lack them, oldest first, in this
    process (the scheduled task). Returns how many were swept. Each version is stamped
    swept (claimed, by a conditional UPDATE) before its work, so one whose work never
    ends (the worker killed at Q_CLUSTER's timeout while it reads an object too large to
    read within it, or an error no service handles) is tried once, not again at the head
    of every later run ahead of all the others; and a run still going when the next one
    starts (the schedule is every 5 minutes, a run may last Q_TIMEOUT) skips the versions
    it claimed. Stops at the first store failure (BackendError: the store is down, the
    next run tries again), giving that version's claim back and leaving the rest
    unstamped. Locks nothing. Queries: 1, then per version its claim and at most 4 (2
    for its SHA-1, 2 for its thumbnail; a thumbnail made also enqueues its replica copy)."""
    due = list(
        FileVersion.objects.filter(FOLLOWUPS_DUE, created_at__lt=timezone.now() - grace)
        .order_by("created_at")
        .values_list("pk", "sha1", "content_type")[:limit]
    )
    swept = 0
    for version_id, sha1, content_type in due:
        claimed = FileVersion.objects.filter(pk=version_id, followups_swept_at__isnull=True)
        if not claimed.update(followups_swept_at=timezone.now()):
            continue  # another run claimed it (or it went)
        try:
            if not sha1 and version_sha1_compute(version_id=version_id) is None:
                logger.warning("Follow-up sweep: no SHA-1 for version %s (gone, or its object is missing)", version_id)
            if content_type in THUMBNAIL_CONTENT_TYPES:
                # Returns at once when the version has its thumbnail (the task won the race).
                version_thumbnail_make(version_id=version_id)
        except BackendError:
            FileVersion.objects.filter(pk=version_id).update(followups_swept_at=None)
            logger.warning("Follow-up sweep stopped at version %s: the store failed", version_id, exc_info=True)
            break
        swept += 1
    return swept


def files_prune_sweep(*, limit: int = PRUNE_BATCH) -> int:
    """Prune up to `limit` files that hold more versions than their owner's plan keeps (a
    prune task lost, or the plan lowered since the file's last version):
    file_versions_prune on each. Returns how many versions were deleted. One query finds
    them: only a file whose current version's number passes the plan's count can hold
    more (numbers are unique), and only those are counted, but it reads every file (no
    index can hold a bound that each plan sets), hence daily; then file_versions_prune's
    queries for each file. Locks what file_versions_prune locks, a file at a time."""
    kept = F("owner__usage__plan__versions_kept")
    over = (
        File.objects.filter(current_version__number__gt=kept)
        .annotate(versions_count=Count("versions"))
        .filter(versions_count__gt=kept)
        .order_by()
        .values_list("pk", flat=True)[:limit]
    )
    return sum(file_versions_prune(file_id=file_id) for file_id in list(over))
