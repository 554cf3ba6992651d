"""A file's versions: restore an old one as the newest, delete one, prune beyond the plan.

Bytes are immutable blobs, one per version, so a restore is a server-side copy to a new
key (charged like an upload) and a delete is a row plus a blob. Rows and usage change
together in one transaction; the store is never called inside it. A deleted version's
blob goes after the commit (`blobs_delete_task`): its key is never reused, so a crash
between the two leaves an orphan blob that the orphan sweep finds, never a row that
points at nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max

from activity.models import ActivityEvent
from kosha.errors import FileTrashed, LastVersion, NotFound, StoreUnavailable
from kosha.origin import Origin
from kosha.task_broker import task_enqueue_after_commit
from plans.models import Usage
from plans.services import quota_commit, quota_credit, quota_release, quota_reserve
from storage import keys
from storage.audit import item_event_record
from storage.backends import BackendError, get_backend
from storage.locks import file_lock, space_lock
from storage.models import File, FileVersion
from storage.services.recording import after_version_recorded

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def version_blob_keys(versions: Iterable[FileVersion]) -> list[str]:
    """Every object a version owns: its blob and, for images, its thumbnail."""
    found: list[str] = []
    for version in versions:
        found.append(version.key)
        if version.thumbnail_key:
            found.append(version.thumbnail_key)
    return found


def blobs_delete_enqueue(blob_keys: list[str]) -> None:
    """Delete blobs once the surrounding transaction commits (the rows are gone first);
    with the broker down, the orphan sweep deletes them later."""
    if blob_keys:
        task_enqueue_after_commit("storage.tasks.blobs_delete_task", keys=list(blob_keys))


def blobs_delete(*, blob_keys: list[str]) -> None:
    """Delete objects; missing keys are not an error, so running twice is safe."""
    if blob_keys:
        get_backend().delete(keys=list(blob_keys))


def file_version_restore(*, actor: User | None, version: FileVersion, origin: Origin) -> FileVersion:
    """Make an old version (of a file the door checked actor may edit; `version.file`)
    the newest: copy its blob to a new key inside the store and record it as the next
    version, made by actor, which becomes current. Charged to the file owner like an
    upload: reserve (one short transaction), copy and HEAD with no transaction open,
    then record and commit the reservation (and VERSION_RESTORED); any failure before the
    commit releases it. Raises QuotaExceeded, FileTrashed (the file went to the trash
    meanwhile), StoreUnavailable, the database's errors (DatabaseBusy). Locks the owner's
    space (exclusive), the File, then Usage."""
    file, source = version.file, version
    owner = file.owner
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=source.size_bytes, files=0)  # a version, not a file

    dest_key = keys.blob_key(owner.pk)
    backend = get_backend()
    try:
        backend.copy(source_key=source.key, dest_key=dest_key)
        info = backend.head(key=dest_key)
    except (BackendError, FileNotFoundError) as exc:
        _restore_abandon(owner=owner, size_bytes=source.size_bytes, dest_key=dest_key)
        raise StoreUnavailable() from exc
    if info is None or info.size_bytes != source.size_bytes:
        _restore_abandon(owner=owner, size_bytes=source.size_bytes, dest_key=dest_key)
        raise StoreUnavailable("The store did not copy the version; try again.")

    try:
        with transaction.atomic():
            space_lock(owner_ids=[owner.pk], shared=False)  # first, in the order of storage/locks.py
            locked = file_lock(file_id=file.pk)
            if locked.deleted_at is not None:
                raise FileTrashed()
            number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            version = FileVersion.objects.create(
                file=locked,
                number=number,
                key=dest_key,
                size_bytes=source.size_bytes,
                content_type=source.content_type,
                sha256=source.sha256,
                etag=info.etag.strip('"'),
                created_by=actor,
            )
            locked.current_version = version
            locked.size_bytes = version.size_bytes
            locked.content_type = version.content_type
            locked.save(update_fields=["current_version", "size_bytes", "content_type", "updated_at"])
            quota_commit(user=owner, size_bytes=version.size_bytes, files=0, files_added=0)
            item_event_record(
                kind=ActivityEvent.Kind.VERSION_RESTORED,
                actor=actor,
                item=locked,
                origin=origin,
                detail={"from_version": source.number, "version": number},
            )
            transaction.on_commit(lambda: after_version_recorded(version.pk))
    except Exception:
        # Whatever ended the record step (FileTrashed, the database giving the transaction
        # up for another's sake: DatabaseBusy, which clients retry) gives the reservation
        # back: no session holds it for the upload sweep. Unless it committed and only a
        # follow-up run at the commit failed: the version is then recorded.
        if not FileVersion.objects.filter(key=dest_key).exists():
            _restore_abandon(owner=owner, size_bytes=source.size_bytes, dest_key=dest_key)
        raise
    return version


def _restore_abandon(*, owner: User, size_bytes: int, dest_key: str) -> None:
    with transaction.atomic():
        quota_release(user=owner, size_bytes=size_bytes, files=0)
    try:
        get_backend().delete(keys=[dest_key])
    except BackendError:
        # Nothing points at the key: the orphan sweep removes it later.
        logger.warning("Could not delete the abandoned copy %s", dest_key, exc_info=True)


def file_version_delete(*, actor: User | None, version: FileVersion, origin: Origin) -> File:
    """Delete one version (of a file the door checked actor owns; `version.file`): the
    row goes and its bytes are credited in one transaction, with VERSION_DELETED; the
    blob is deleted after commit. Deleting the current version makes the newest
    remaining one current. Raises NotFound (the file or the version went meanwhile),
    LastVersion (the last version of a file cannot be deleted: trash the file instead).
    Locks the owner's space (exclusive), the File, then Usage."""
    with transaction.atomic():
        space_lock(owner_ids=[version.file.owner_id], shared=False)  # first (storage/locks.py)
        locked = file_lock(file_id=version.file_id)
        if locked.deleted_at is not None:
            raise NotFound("File not found.", resource="file")
        found = locked.versions.filter(pk=version.pk).first()
        if found is None:
            raise NotFound("Version not found.", resource="version")
        version = found
        remaining = list(locked.versions.exclude(pk=version.pk).order_by("-number")[:1])
        if not remaining:
            raise LastVersion()
        if locked.current_version_id == version.pk:
            previous = remaining[0]
            locked.current_version = previous
            locked.size_bytes = previous.size_bytes
            locked.content_type = previous.content_type
            locked.save(update_fields=["current_version", "size_bytes", "content_type", "updated_at"])
        blob_keys = version_blob_keys([version])
        number = version.number
        version.delete()
        quota_credit(user=locked.owner_id, size_bytes=version.size_bytes, files=0)
        blobs_delete_enqueue(blob_keys)
        item_event_record(
            kind=ActivityEvent.Kind.VERSION_DELETED, actor=actor, item=locked, origin=origin, detail={"version": number}
        )
    return locked


def file_versions_prune(*, file_id: uuid.UUID) -> int:
    """Keep the newest `versions_kept` (from the owner's plan) versions of a file and
    delete the rest: rows and usage credit in one transaction, blobs after commit. The
    current version is always kept. Safe to run twice. Returns how many were deleted: 0
    for a file deleted forever (purged) before or while it runs, which has no versions
    left to prune. Locks the owner's space (shared: completes adding versions run
    alongside, the file's row orders them), the File, then Usage."""
    owner_id = File.objects.filter(pk=file_id).values_list("owner_id", flat=True).first()
    if owner_id is None:
        return 0
    with transaction.atomic():
        space_lock(owner_ids=[owner_id], shared=True)  # first, in the order of storage/locks.py
        try:
            locked = file_lock(file_id=file_id)
        except NotFound:
            return 0  # purged since the read above (its versions went with it)
        # Read, not locked: a plan changed meanwhile is applied by the next prune.
        kept = Usage.objects.filter(user_id=owner_id).values_list("plan__versions_kept", flat=True).get()
        doomed = [
            version for version in locked.versions.order_by("-number")[kept:] if version.pk != locked.current_version_id
        ]
        if not doomed:
            return 0
        FileVersion.objects.filter(pk__in=[version.pk for version in doomed]).delete()
        quota_credit(user=owner_id, size_bytes=sum(version.size_bytes for version in doomed), files=0)
        blobs_delete_enqueue(version_blob_keys(doomed))
    return len(doomed)


def version_sync_properties_set(
    *, version: FileVersion, sha1: str | None = None, client_modified_at: datetime | None = None
) -> FileVersion:
    """Keep what sync clients compare on a version of a file the door reached with EDIT
    through sharing.access: the SHA-1 of its bytes (hex, computed while they streamed in)
    and the client's modification time (X-OC-Mtime or PROPPATCH getlastmodified, aware).
    None leaves a field as it is. One UPDATE; locks nothing; records no activity (the
    upload or PROPPATCH it belongs to is the event)."""
    fields: dict = {}
    if sha1 is not None:
        if len(sha1) != 40 or any(c not in "0123456789abcdef" for c in sha1):
            raise ValueError("sha1 must be 40 lowercase hex digits")
        fields["sha1"] = version.sha1 = sha1
    if client_modified_at is not None:
        fields["client_modified_at"] = version.client_modified_at = client_modified_at
    if fields:
        FileVersion.objects.filter(pk=version.pk).update(**fields)
    return version


SHA1_READ_BYTES = 1024 * 1024


def version_sha1_compute(*, version_id: uuid.UUID | str) -> FileVersion | None:
    """Compute and keep the SHA-1 (hex) of a version whose bytes did not pass through
    Kosha (a presigned upload, a copy): the object is read from the store
    SHA1_READ_BYTES at a time, so memory holds one read whatever the size. Returns the
    version, or None when it is gone or its object is missing. A version that has its
    SHA-1 already is returned as it is (no read). Raises BackendError (the store is
    unavailable: the task is retried later). One UPDATE; locks nothing."""
    version = FileVersion.objects.filter(pk=version_id).first()
    if version is None or version.sha1:
        return version
    backend = get_backend()
    if backend.head(key=version.key) is None:
        return None
    digest = hashlib.sha1(usedforsecurity=False)
    try:
        stream = backend.open(key=version.key)
    except FileNotFoundError:
        return None  # deleted since the HEAD (the version pruned or purged meanwhile)
    try:
        while chunk := stream.read(SHA1_READ_BYTES):
            digest.update(chunk)
    finally:
        stream.close()
    return version_sync_properties_set(version=version, sha1=digest.hexdigest())
