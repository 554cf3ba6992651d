"""File writes: rename, move, copy.

Rename and move change one row: names live only in the database, so no object is
touched. Copy is a server-side copy inside the object store, shaped like an upload:
reserve quota (and record a pending UploadSession for the new key, so the upload sweeper
cleans up after a crash), copy with no transaction open, then record it with the same
step an upload completes with (storage/services/recording.py).

Every name-changing write locks the owner's Usage row first (see services/folders.py):
no database constraint spans files and folders, the lock keeps the cross-kind check
honest. Locks are taken in the order of storage/locks.py.

Each service takes the actor and the items the door got through sharing.access, and
records its activity event in its own transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import (
    CopyGone,
    DomainError,
    InvalidInput,
    NameTaken,
    NameTakenByFolder,
    NoContent,
    NotFound,
    OtherSpace,
    StoreUnavailable,
    UploadGone,
)
from kosha.origin import Origin
from kosha.sentinels import UNCHANGED, Unchanged
from plans.services import quota_reserve, usage_lock
from storage import keys
from storage.audit import item_event_record
from storage.backends import BackendError, get_backend
from storage.locks import file_lock, folders_lock
from storage.models import File, Folder, UploadSession
from storage.names import name_clean
from storage.places import Place
from storage.services.recording import session_abandon, version_record


def _lock_target(*, owner, folder_id) -> None:
    """Lock the target folder and make sure it is the owner's and live. Under usage_lock."""
    if folder_id is None:
        return
    locked = folders_lock(folder_ids=[folder_id])
    if not locked or locked[0].owner_id != owner.pk or locked[0].deleted_at is not None:
        raise NotFound("Folder not found.", resource="folder", field="folder")


def _check_name_free(*, owner, folder_id, name: str, exclude_file_id=None) -> None:
    """NameTakenByFolder or NameTaken if a live child of folder_id has this name."""
    if Folder.objects.filter(owner=owner, parent_id=folder_id, name=name, deleted_at__isnull=True).exists():
        raise NameTakenByFolder(name=name)
    files = File.objects.filter(owner=owner, folder_id=folder_id, name=name, deleted_at__isnull=True)
    if exclude_file_id is not None:
        files = files.exclude(pk=exclude_file_id)
    if files.exists():
        raise NameTaken(name=name)


def file_update(
    *,
    actor,
    file: File,
    name: str | Unchanged = UNCHANGED,
    place: Place | Unchanged = UNCHANGED,
    origin: Origin,
) -> File:
    """Rename and/or move a file in one transaction; no stored object changes. `place`
    is the new folder (or the root) in the same space: the door has checked that actor
    may arrange the file and add to the place. Records RENAME and MOVE (each when it
    happened). Raises InvalidName, InvalidInput (nothing to change), OtherSpace (a
    place in another person's space), NotFound (the file or the target was trashed
    meanwhile), NameTaken, NameTakenByFolder. Locks Usage, the target folder, the file.
    Returns `file`, changed."""
    if name is UNCHANGED and place is UNCHANGED:
        raise InvalidInput("Give a new name, a new folder, or both.")
    new_name = None if name is UNCHANGED else name_clean(name)
    moving = place is not UNCHANGED
    if moving and place.owner.pk != file.owner_id:
        raise OtherSpace(field="folder")
    owner = file.owner

    with transaction.atomic():
        usage_lock(user=owner)
        target_id = place.folder_id if moving else None
        if moving:
            _lock_target(owner=owner, folder_id=target_id)
        locked = file_lock(file_id=file.pk)
        if locked.deleted_at is not None:
            raise NotFound("File not found.", resource="file")
        if not moving:
            target_id = locked.folder_id
        old_name, old_folder_id = locked.name, locked.folder_id
        final_name = new_name if new_name is not None else old_name
        if final_name != old_name or target_id != old_folder_id:
            _check_name_free(owner=owner, folder_id=target_id, name=final_name, exclude_file_id=locked.pk)
            locked.name = final_name
            locked.folder_id = target_id
            try:
                with transaction.atomic():
                    locked.save(update_fields=["name", "folder", "updated_at"])
            except IntegrityError:
                raise NameTaken(name=final_name) from None
            if final_name != old_name:
                item_event_record(
                    kind=ActivityEvent.Kind.RENAME, actor=actor, item=locked, origin=origin, detail={"from": old_name}
                )
            if target_id != old_folder_id:
                detail = {
                    "from": str(old_folder_id) if old_folder_id else None,
                    "to": str(target_id) if target_id else None,
                }
                item_event_record(kind=ActivityEvent.Kind.MOVE, actor=actor, item=locked, origin=origin, detail=detail)
    # The door's object keeps its grant and joined version; give it the new name and place.
    file.name, file.folder_id, file.updated_at = locked.name, locked.folder_id, locked.updated_at
    return file


def file_copy(*, actor, file: File, place: Place | None = None, name: str | None = None, origin: Origin) -> File:
    """Copy a file's current version into a new File with one version at a new key,
    copied inside the store (the bytes never pass through this server). `place`: where
    the copy goes, in any space actor may add to (None: beside the source); it is
    counted against the place owner's quota like an upload, made by actor. name None
    keeps the source's name; a taken name becomes "name (2).ext". Records COPY.
    Raises InvalidName, NoContent, QuotaExceeded, FolderTrashed, CopyGone (the copy's
    session ended meanwhile), StoreUnavailable (nothing recorded, reservation released).
    Locks as version_record does."""
    version = file.current_version
    if version is None:
        raise NoContent()
    owner = place.owner if place is not None else file.owner
    target_id = place.folder_id if place is not None else file.folder_id
    wanted = file.name if name is None else name_clean(name)

    # 1. Reserve, one short transaction. The pending session makes the reservation and
    # the new key visible to the upload sweeper should this process die mid-copy.
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=version.size_bytes, files=1)
        session = UploadSession.objects.create(
            owner=owner,
            created_by=actor,
            folder_id=target_id,
            name=wanted,
            size_bytes=version.size_bytes,
            content_type=version.content_type,
            sha256=version.sha256,
            on_conflict=UploadSession.OnConflict.RENAME,
            key=keys.blob_key(owner.pk),
            strategy=UploadSession.Strategy.SINGLE,
            expires_at=timezone.now() + timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS),
        )

    # 2. Copy inside the store, no transaction open.
    try:
        get_backend().copy(source_key=version.key, dest_key=session.key)
    except (BackendError, FileNotFoundError) as exc:
        session_abandon(session=session, status=UploadSession.Status.FAILED)
        raise StoreUnavailable("The copy could not be made in the store. Try again shortly.") from exc

    # 3. Record, a second short transaction: the step an upload completes with.
    try:
        copied = version_record(
            session=session,
            etag="",
            sha256=version.sha256,
            name_policy=UploadSession.OnConflict.RENAME,
            copied_from=version,
            actor=actor,
            origin=origin,
        )
    except DomainError as exc:
        # Gives the reservation back and deletes the object, unless the session ended already.
        session_abandon(session=session, status=UploadSession.Status.FAILED)
        if isinstance(exc, UploadGone):
            raise CopyGone.for_status(exc.session_status) from exc
        raise
    return File.objects.select_related("current_version", "owner").get(pk=copied.file_id)


__all__ = ["UNCHANGED", "file_copy", "file_update"]
