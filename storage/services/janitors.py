"""Janitors: idempotent repairs of what a crash, a bug or a hand edit can leave behind.

- `orphans_sweep` deletes objects in the store that no row references (a crash between
  a PUT and the transaction that records it, an account whose purge was interrupted),
  and the store probe's objects that a process dying mid-probe left under
  `kosha-probes/` (storage/backends/s3_probe.py) once they are an hour old.
- `orphan_check` does the same for one key (a storage event about a key we don't know).
- `usage_reconcile` recomputes each user's Usage counters from the rows and records drift.

Expired upload sessions have their own sweeper: `storage.services.uploads.upload_sweep`.
None of these calls the store inside a transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from plans import services as plan_services
from plans.models import UsageDrift
from storage import keys
from storage.accounting import usage_actual_for_user
from storage.backends import ListedObject, StorageBackend, get_backend
from storage.models import FileVersion, FolderArchive, UploadSession

logger = logging.getLogger(__name__)

USERS_PREFIX = "users/"
BATCH = 1000
# A store probe's URLs live 60 seconds and the probe deletes its objects when it ends:
# a probe object older than this belongs to no running probe (its process died).
PROBE_STALE_AFTER = timedelta(hours=1)


def default_grace() -> timedelta:
    return timedelta(hours=settings.KOSHA_ORPHAN_GRACE_HOURS)


@dataclass
class OrphanSweepResult:
    orphans: list[ListedObject] = field(default_factory=list)
    deleted: int = 0
    dry_run: bool = True

    @property
    def orphan_bytes(self) -> int:
        return sum(listed.size_bytes for listed in self.orphans)


def _owner_id(key: str) -> uuid.UUID | None:
    """The user id in `users/<uuid>/...`, or None for anything else under users/."""
    if not key.startswith(USERS_PREFIX):
        return None
    segment = key[len(USERS_PREFIX) :].split("/", 1)[0]
    try:
        return uuid.UUID(segment)
    except ValueError:
        return None


def _referenced(candidate_keys: list[str]) -> set[str]:
    """The keys some row points at. Pending sessions are read before versions: a session
    that completes between the two reads has its version committed before the second read
    starts, so a key is never seen as neither pending nor recorded."""
    found = set(
        UploadSession.objects.filter(key__in=candidate_keys, status=UploadSession.Status.PENDING).values_list(
            "key", flat=True
        )
    )
    found |= set(FileVersion.objects.filter(key__in=candidate_keys).values_list("key", flat=True))
    found |= set(FileVersion.objects.filter(thumbnail_key__in=candidate_keys).values_list("thumbnail_key", flat=True))
    found |= set(FolderArchive.objects.filter(key__in=candidate_keys).values_list("key", flat=True))
    return found


def _existing_user_ids(user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return set(get_user_model().objects.filter(pk__in=list(user_ids)).values_list("pk", flat=True))


def _ended_session_keys(candidate_keys: list[str]) -> set[str]:
    """Keys an upload session names that is no longer pending: whatever is stored there
    now was written after its session ended (a late PUT), or outlived its version."""
    return set(
        UploadSession.objects.filter(key__in=candidate_keys)
        .exclude(status=UploadSession.Status.PENDING)
        .values_list("key", flat=True)
    )


def _orphans_among(batch: list[ListedObject], *, cutoff: datetime) -> list[ListedObject]:
    """Objects of a batch that belong to no live row: their owner no longer exists (or the
    key names no user), or no row references them. The grace period (objects modified at
    or after `cutoff` are kept) covers only keys no row knows about, which may belong to a
    server-side write whose row is not committed yet; a key of an ended upload session, or
    of an owner who is gone, can belong to nothing any more and goes at once."""
    owners = {listed.key: _owner_id(listed.key) for listed in batch}
    live_owners = _existing_user_ids({owner for owner in owners.values() if owner is not None})
    of_live_owner = [listed.key for listed in batch if owners[listed.key] in live_owners]
    referenced = _referenced(of_live_owner) if of_live_owner else set()
    unreferenced = [listed for listed in batch if owners[listed.key] not in live_owners or listed.key not in referenced]
    young = [listed.key for listed in unreferenced if listed.last_modified >= cutoff]
    known = _ended_session_keys(young) if young else set()
    return [
        listed
        for listed in unreferenced
        if listed.last_modified < cutoff
        or listed.key in known
        or (owners[listed.key] is not None and owners[listed.key] not in live_owners)
    ]


def _batches(listing: Iterator[ListedObject]) -> Iterator[list[ListedObject]]:
    batch: list[ListedObject] = []
    for listed in listing:
        batch.append(listed)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def orphans_sweep(
    *,
    user_id: uuid.UUID | str | None = None,
    grace: timedelta | None = None,
    dry_run: bool = True,
    now: datetime | None = None,
) -> OrphanSweepResult:
    """Find (and unless dry_run, delete) objects under `users/` (or one user's prefix)
    that no FileVersion (blob or thumbnail), pending UploadSession or FolderArchive
    references, or whose user no longer exists. Objects younger than `grace` are kept
    unless a row says they can belong to nothing (an ended session's key, a gone owner's
    prefix). A sweep of the whole store (no user_id) also finds the store probe's
    objects under `kosha-probes/` older than PROBE_STALE_AFTER (one hour, whatever the
    grace; younger ones may be a probe running now). The orphans found are in the
    result, probe objects with the others. Safe to run twice; no lock, no transaction
    (the grace period covers writes in flight). Raises BackendError."""
    now = now or timezone.now()
    cutoff = now - (default_grace() if grace is None else grace)
    prefix = keys.user_prefix(uuid.UUID(str(user_id))) if user_id is not None else USERS_PREFIX
    backend = get_backend()
    result = OrphanSweepResult(dry_run=dry_run)
    if user_id is None:
        _stale_probes_sweep(backend, result, cutoff=now - PROBE_STALE_AFTER)
    # Listing pages lazily while deleting what was listed is fine on both stores: a
    # listing continues after the last key it returned.
    for batch in _batches(backend.list_prefix(prefix=prefix)):
        orphans = _orphans_among(batch, cutoff=cutoff)
        result.orphans.extend(orphans)
        if orphans and not dry_run:
            backend.delete(keys=[listed.key for listed in orphans])
            result.deleted += len(orphans)
    if result.orphans:
        logger.info(
            "Orphan sweep under %s: %d objects, %d bytes%s",
            prefix,
            len(result.orphans),
            result.orphan_bytes,
            " (dry run, nothing deleted)" if dry_run else " deleted",
        )
    return result


def _stale_probes_sweep(backend: StorageBackend, result: OrphanSweepResult, *, cutoff: datetime) -> None:
    """Add the probe objects last modified before cutoff to result.orphans, and delete them
    unless result.dry_run (counted in result.deleted). Raises BackendError."""
    for batch in _batches(backend.list_prefix(prefix=keys.PROBES_PREFIX)):
        stale = [listed for listed in batch if listed.last_modified < cutoff]
        result.orphans.extend(stale)
        if stale and not result.dry_run:
            backend.delete(keys=[listed.key for listed in stale])
            result.deleted += len(stale)
        if stale:
            logger.info(
                "Orphan sweep under %s: %d stale probe objects%s",
                keys.PROBES_PREFIX,
                len(stale),
                " (dry run, nothing deleted)" if result.dry_run else " deleted",
            )


def orphan_check(*, key: str, grace: timedelta | None = None, now: datetime | None = None) -> bool:
    """Check one key as the sweep would, and delete it if it is an orphan (past the grace
    period, or at once when an ended session names it or its owner is gone). For storage
    events about keys no pending session holds. Returns True if deleted."""
    if not key.startswith(USERS_PREFIX):
        return False  # not ours to judge (health sentinels, other tools' objects)
    cutoff = (now or timezone.now()) - (default_grace() if grace is None else grace)
    backend = get_backend()
    listed = next((item for item in backend.list_prefix(prefix=key) if item.key == key), None)
    if listed is None or not _orphans_among([listed], cutoff=cutoff):
        return False
    backend.delete(keys=[key])
    logger.info("Deleted orphaned object %s (%d bytes)", key, listed.size_bytes)
    return True


def usage_reconcile(*, user_id: uuid.UUID | str | None = None) -> list[UsageDrift]:
    """Recompute every user's (or one user's) Usage counters from the rows, correct any
    drift and record it (plans.services.usage_reconcile); an account without a Usage row
    gets one on the default plan. Locks each user's Usage row
    before counting, so uploads and purges committing meanwhile wait and are counted
    once. Idempotent: a second run finds no drift."""
    users = get_user_model().objects.only("pk").order_by("pk")
    if user_id is not None:
        users = users.filter(pk=user_id)
    drift: list[UsageDrift] = []
    for user in list(users):
        plan_services.usage_create(user=user)  # an account without its row (a raw loaddata) gets one
        with transaction.atomic():
            plan_services.usage_lock(user=user)
            actual = usage_actual_for_user(user.pk)
            found = plan_services.usage_reconcile(user=user, actual=actual)
        for row in found:
            logger.warning(
                "Usage drift for user %s: %s was %d, rows say %d (corrected)",
                user.pk,
                row.field,
                row.recorded,
                row.actual,
            )
        drift.extend(found)
    return drift


__all__ = ["OrphanSweepResult", "orphan_check", "orphans_sweep", "usage_reconcile"]
