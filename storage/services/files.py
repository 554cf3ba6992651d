"""File writes: rename, move, copy.

Rename and move change one row: names live only in the database, so no object is
touched. Copy is a server-side copy inside the object store, shaped like an upload:
reserve quota (and record a pending UploadSession for the new key, so the upload sweeper
cleans up after a crash), copy with no transaction open, then record it with the same
step an upload completes with (storage/services/recording.py).

Every name-changing write takes the owner's space lock first (see services/folders.py):
no database constraint spans files and folders, the lock keeps the cross-kind check
honest. Locks are taken in the order of storage/locks.py.

Each service takes the actor and the items the door got through sharing.access, and
records its activity event in its own transaction.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from kosha.errors import (
    DomainError,
    NameTaken,
    NameTakenByFolder,
    NoContent,
    NotFound,
)
from kosha.origin import Origin
from kosha.sentinels import UNCHANGED, Unchanged
from storage.audit import rename_move_record
from storage.locks import file_lock, folders_lock, space_lock
from storage.models import File, Folder
from storage.names import name_clean
from storage.places import Place, move_clean
from storage.services.copies import CopyEntry, copies_abandon, copies_reserve, copies_store, copy_record

if TYPE_CHECKING:
    from accounts.models import User


def _lock_target(*, owner: User, folder_id: uuid.UUID | None) -> None:
    """Lock the target folder and make sure it is the owner's and live. Under the space lock."""
    if folder_id is None:
        return
    locked = folders_lock(folder_ids=[folder_id])
    if not locked or locked[0].owner_id != owner.pk or locked[0].deleted_at is not None:
        raise NotFound("Folder not found.", resource="folder", field="folder")


def _check_name_free(
    *, owner: User, folder_id: uuid.UUID | None, name: str, exclude_file_id: uuid.UUID | None = None
) -> None:
    """NameTakenByFolder or NameTaken if a live child of folder_id has this name."""
    if Folder.objects.filter(owner=owner, parent_id=folder_id, name=name, deleted_at__isnull=True).exists():
        raise NameTakenByFolder(name=name)
    files = File.objects.filter(owner=owner, folder=folder_id, name=name, deleted_at__isnull=True)
    if exclude_file_id is not None:
        files = files.exclude(pk=exclude_file_id)
    if files.exists():
        raise NameTaken(name=name)


def file_update(
    *,
    actor: User | None,
    file: File,
    name: str | Unchanged = UNCHANGED,
    place: Place | Unchanged = UNCHANGED,
    origin: Origin,
) -> File:
    """Rename and/or move a file in one transaction; no stored object changes. `place`
    is the new folder (or the root) in the same space: the door has checked that actor
    may arrange the file and add to the place. Records RENAME and MOVE (each when it
    happened). Raises InvalidName, InvalidInput (nothing to change), OtherSpace (a
    place in another person's space), NotFound (the file, or with `field` "folder" the
    target, trashed or deleted meanwhile), NameTaken, NameTakenByFolder. Locks the owner's space (exclusive), the
    target folder, the file.
    Returns `file`, changed."""
    new_name = move_clean(name=name, place=place, owner_id=file.owner_id, field="folder")
    moving = not isinstance(place, Unchanged)
    owner = file.owner

    with transaction.atomic():
        space_lock(owner_ids=[owner.pk], shared=False)
        target_id = place.folder_id if not isinstance(place, Unchanged) else None
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
            rename_move_record(actor=actor, item=locked, origin=origin, old_name=old_name, old_parent_id=old_folder_id)
    # The door's object keeps its grant and joined version; give it the new name and place.
    file.name, file.folder_id, file.updated_at = locked.name, locked.folder_id, locked.updated_at
    return file


def file_copy(
    *, actor: User | None, file: File, place: Place | None = None, name: str | None = None, origin: Origin
) -> File:
    """Copy a file's current version into a new File with one version at a new key,
    copied inside the store (the bytes never pass through this server). `place`: where
    the copy goes, in any space actor may add to (None: beside the source); it is
    counted against the place owner's quota like an upload, made by actor. name None
    keeps the source's name; a taken name becomes "name (2).ext". Records COPY.
    Raises InvalidName, NoContent, QuotaExceeded, NotFound (the destination folder went
    to the trash or away before the reservation: nothing reserved), FolderTrashed (it
    went to the trash after), CopyGone (the copy's session ended meanwhile, a purge of
    the folder failing it), StoreUnavailable (nothing recorded, reservation released).
    Locks the destination folder (key share), then Usage, to reserve
    (copies_reserve); then as version_record does."""
    version = file.current_version
    if version is None:
        raise NoContent()
    owner = place.owner if place is not None else file.owner
    target_id = place.folder_id if place is not None else file.folder_id
    entry = CopyEntry(version=version, name=file.name if name is None else name_clean(name), folder_id=target_id)

    # Reserve, copy inside the store with no transaction open, record (services/copies.py).
    sessions = copies_reserve(actor=actor, owner=owner, entries=[entry])
    copies_store(sessions=sessions, entries=[entry])
    try:
        copied = copy_record(actor=actor, session=sessions[0], entry=entry, origin=origin)
    except DomainError:
        # Gives the reservation back and deletes the object, unless the session ended already.
        copies_abandon(sessions=sessions)
        raise
    return File.objects.select_related("current_version", "owner").get(pk=copied.file_id)


__all__ = ["UNCHANGED", "file_copy", "file_update"]
