"""django-q2 entry points: thin, idempotent, taking ids and plain values."""

import uuid

from storage.services.archives import archives_expired_delete, archives_stalled_fail, folder_archive_build
from storage.services.followups import files_prune_sweep, versions_followups_sweep
from storage.services.janitors import orphan_check, orphans_sweep, usage_reconcile
from storage.services.replication import replicas_verify, replication_backlog_drain, version_replicate
from storage.services.trash import trash_purge_expired
from storage.services.uploads import upload_sweep
from storage.services.versions import blobs_delete, file_versions_prune, version_sha1_compute
from storage.thumbnails import version_thumbnail_make


def upload_sweep_task() -> int:
    """Scheduled every few minutes (see the schedules migration)."""
    return upload_sweep()


def blobs_delete_task(keys: list[str]) -> int:
    """Delete blobs whose rows are already gone (after commit). Missing keys are fine."""
    blobs_delete(blob_keys=keys)
    return len(keys)


def file_versions_prune_task(file_id: uuid.UUID) -> int:
    """Enqueued after a version is recorded: keep the plan's newest `versions_kept`."""
    return file_versions_prune(file_id=file_id)


def trash_purge_task() -> int:
    """Scheduled hourly (see the schedules migrations): purge trash past its plan's days."""
    return trash_purge_expired()


def version_thumbnail_task(version_id: str) -> bool:
    """Enqueued after an image version is recorded. True if the version has a thumbnail."""
    version = version_thumbnail_make(version_id=version_id)
    return bool(version and version.thumbnail_key)


def version_sha1_task(version_id: str) -> bool:
    """Enqueued after a version is recorded from bytes that did not pass through Kosha:
    compute its SHA-1 for WebDAV's oc:checksums. True if the version has one."""
    version = version_sha1_compute(version_id=version_id)
    return bool(version and version.sha1)


def versions_sha1_task(version_ids: list[str]) -> int:
    """Enqueued once per batch of versions recorded from bytes that did not pass through
    Kosha (a batch upload): version_sha1_task for each, one after the other. Returns how
    many have a SHA-1 now. Raises BackendError when the store is unavailable: the task is
    retried and the versions done already are skipped (they have their SHA-1)."""
    versions = (version_sha1_compute(version_id=version_id) for version_id in version_ids)
    return sum(bool(version and version.sha1) for version in versions)


def folder_archive_task(archive_id: str) -> str | None:
    """Enqueued when a folder zip is asked for. Returns the archive's final status."""
    archive = folder_archive_build(archive_id=archive_id)
    return archive.status if archive else None


def archives_expired_delete_task() -> int:
    """Scheduled hourly: delete archives past their expiry, rows and zips. Returns how many."""
    return archives_expired_delete()


def versions_followups_sweep_task() -> int:
    """Scheduled every 5 minutes (see the schedules migrations): the SHA-1s and thumbnails
    whose tasks were lost (the broker down after a complete). Returns the versions swept."""
    return versions_followups_sweep()


def archives_stalled_fail_task() -> int:
    """Scheduled every 5 minutes: fail the folder zips whose build never ran, so their
    browsers stop waiting and their owners can ask again. Returns how many."""
    return archives_stalled_fail()


def files_prune_sweep_task() -> int:
    """Scheduled daily: prune files holding more versions than their plan keeps (a prune
    task lost). Returns how many versions were deleted."""
    return files_prune_sweep()


def orphan_sweep_task() -> int:
    """Scheduled daily (see the schedules migrations): delete orphaned objects past the
    grace period. Returns how many were deleted."""
    return orphans_sweep(dry_run=False).deleted


def orphan_check_task(key: str) -> bool:
    """Enqueued for a storage event about a key no session knows. True if deleted."""
    return orphan_check(key=key)


def usage_reconcile_task() -> int:
    """Scheduled daily: recompute every user's usage counters. Returns the drift found."""
    return len(usage_reconcile())


def account_purge_task(user_id: str) -> bool:
    """Enqueued when an account's deletion is requested (storage/signals.py). A store
    outage raises, the task is not acknowledged, and django-q2 delivers it again; every
    step is safe to repeat."""
    from storage.services.account_purge import account_purge

    return account_purge(user_id=user_id)


def account_purge_sweep_task() -> int:
    """Scheduled hourly (see the accounts migration): finish purges whose retries ran out."""
    from storage.services.account_purge import account_purge_sweep

    return account_purge_sweep()


def account_objects_delete_task(user_id: str) -> int:
    """Enqueued when a User row was deleted outside the purge flow (storage/signals.py)."""
    from storage.backends import get_backend
    from storage.keys import user_prefix

    return get_backend().delete_prefix(prefix=user_prefix(user_id))


def version_replicate_task(version_id: str, attempt: int = 0) -> bool:
    """Enqueued after a version (or its thumbnail) is recorded, and rescheduled with
    backoff on failure: copy it to the replica."""
    return version_replicate(version_id, attempt=attempt)


def replication_backlog_task() -> int:
    """Scheduled every 5 minutes: replicate what is still in the backlog (after an outage)."""
    return replication_backlog_drain()


def replicas_verify_task() -> int:
    """Scheduled daily: compare both stores with the rows and repair; returns the problems found."""
    report = replicas_verify(repair=True)
    return report.problems
