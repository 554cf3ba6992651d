"""Replication to the replica store (issue 16): the per-version state, the worker task's
body with its retries and backoff, the backlog, and replicas_verify.

The backend does the copying (storage/backends/replica.py); this module only decides
which keys and records the outcome. With no replica configured every function here is a
no-op that answers an empty result.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min
from django.utils import timezone
from django_q.models import Schedule

from kosha.task_broker import task_enqueue_logged
from storage.backends import BackendError, get_backend
from storage.backends.replica import ReplicatingBackend, same_object
from storage.models import FileVersion, FolderArchive

logger = logging.getLogger(__name__)

# Retries of one version: after 10 s, 20 s, 40 s, ... at most 10 min apart, 8 in all; after
# that the scheduled backlog task (every 5 minutes) keeps trying.
RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 600
MAX_ATTEMPTS = 8
BACKLOG_BATCH = 500
USERS_PREFIX = "users/"  # storage/keys.py: every user's objects live under it


def replication_enqueue(version_id: uuid.UUID) -> None:
    """Queue the copy of a version to the replica; call after commit. Nothing without one.
    With the broker down, the backlog task copies it later (replication_backlog_drain)."""
    if get_backend().replicating:
        task_enqueue_logged("storage.tasks.version_replicate_task", str(version_id))


def retry_delay_seconds(attempt: int) -> int:
    """Seconds before retry number `attempt` (1-based): doubling from 10 s, capped at 10 min."""
    return min(RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS)


def version_replicate(version_id: uuid.UUID | str, *, attempt: int = 0) -> bool:
    """Copy a version's blob and thumbnail to the replica and stamp `replicated_at`.
    Returns True when replicated (or nothing is left to copy: the version is gone).
    On a store failure (BackendError, the primary being down included) schedules attempt
    + 1 after `retry_delay_seconds` while under MAX_ATTEMPTS, and returns False. Locks
    nothing: the stamp is a conditional UPDATE that a thumbnail added meanwhile defeats,
    so that version stays in the backlog."""
    backend = get_backend()
    version = FileVersion.objects.filter(pk=version_id).values("key", "thumbnail_key").first()
    if not backend.replicating or version is None:
        return True
    try:
        for key in filter(None, (version["key"], version["thumbnail_key"])):
            backend.replicate(key=key)
    except BackendError:
        logger.warning("Replication of version %s failed (attempt %s)", version_id, attempt + 1, exc_info=True)
        if attempt + 1 < MAX_ATTEMPTS:
            Schedule.objects.create(
                name=f"kosha: replicate {version_id} #{attempt + 1}",
                func="storage.tasks.version_replicate_task",
                args=repr((str(version_id), attempt + 1)),
                schedule_type=Schedule.ONCE,
                repeats=1,
                next_run=timezone.now() + timedelta(seconds=retry_delay_seconds(attempt + 1)),
            )
        return False
    FileVersion.objects.filter(pk=version_id, thumbnail_key=version["thumbnail_key"]).update(
        replicated_at=timezone.now()
    )
    return True


@dataclass(frozen=True)
class Backlog:
    versions: int
    oldest_created_at: datetime | None

    @property
    def age_seconds(self) -> float:
        """How long the oldest version has waited (0 with no backlog)."""
        if self.oldest_created_at is None:
            return 0.0
        return max(0.0, (timezone.now() - self.oldest_created_at).total_seconds())


def replication_backlog() -> Backlog:
    """Versions not copied to the replica yet, and the oldest one's creation time; empty
    without a replica. One aggregate query (a partial index covers it)."""
    if not get_backend().replicating:
        return Backlog(0, None)
    found = FileVersion.objects.filter(replicated_at__isnull=True).aggregate(
        versions=Count("pk"), oldest=Min("created_at")
    )
    return Backlog(found["versions"], found["oldest"])


def replication_backlog_drain(*, limit: int = BACKLOG_BATCH) -> int:
    """Replicate up to `limit` backlog versions, oldest first, in this process (the
    scheduled task). Returns how many were replicated; stops at the first store failure
    (the primary is still down: the next run tries again)."""
    if not get_backend().replicating:
        return 0
    done = 0
    pending = FileVersion.objects.filter(replicated_at__isnull=True).order_by("created_at")
    for version_id in pending.values_list("pk", flat=True)[:limit]:
        if not version_replicate(version_id, attempt=MAX_ATTEMPTS):
            break
        done += 1
    return done


@dataclass
class VerifyReport:
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    repaired: int = 0

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.mismatched) + len(self.extra)


def replicas_verify(*, repair: bool = False) -> VerifyReport:
    """Compare both stores with the rows: a recorded key (a version's blob or thumbnail)
    the replica lacks is missing, one it holds with another size or ETag is mismatched,
    an object under users/ in the replica that no row records and the primary no longer
    holds is extra (a folder archive's row records its object, which an archive built
    during a primary outage keeps in the replica alone). With `repair`, copies the missing and mismatched from the primary
    (stamping their versions) and deletes the extra from the replica. Raises BackendError
    when a store fails. Reads rows without locking; O(objects) store calls."""
    report = VerifyReport()
    backend = get_backend()
    if not backend.replicating:
        return report
    assert isinstance(backend, ReplicatingBackend)  # the one backend that replicates
    recorded: set[str] = set()
    for version_id, key, thumbnail_key in FileVersion.objects.values_list("pk", "key", "thumbnail_key").iterator():
        for blob_key in filter(None, (key, thumbnail_key)):
            recorded.add(blob_key)
            source = backend.head(key=blob_key)
            if source is None:
                continue  # the primary lost it: the orphan sweep and restore are elsewhere
            copied = backend.replica_head(key=blob_key)
            if same_object(source, copied):
                continue
            (report.missing if copied is None else report.mismatched).append(blob_key)
            if repair:
                backend.replicate(key=blob_key)
                FileVersion.objects.filter(pk=version_id).update(replicated_at=timezone.now())
                report.repaired += 1
    recorded.update(FolderArchive.objects.exclude(key="").values_list("key", flat=True))
    for listed in backend.replica_list_prefix(prefix=USERS_PREFIX):
        if listed.key not in recorded and backend.head(key=listed.key) is None:
            report.extra.append(listed.key)
    if repair and report.extra:
        backend.replica_delete(keys=report.extra)
        report.repaired += len(report.extra)
    return report
