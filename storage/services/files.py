"""File writes: rename, move, copy.

Rename and move change one row: names live only in the database, so no object is
touched. Copy is a server-side copy inside the object store, shaped like an upload:
reserve quota (and record a pending UploadSession for the new key, so the upload sweeper
cleans up after a crash), copy with no transaction open, then record it with the same
step an upload completes with (storage/services/recording.py).

Every name-changing write locks the owner's Usage row first (see services/folders.py):
no database constraint spans files and folders, the lock keeps the cross-kind check
honest. Locks are taken in the order of storage/locks.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kosha.errors import (
    CopyGone,
    DomainError,
    InvalidInput,
    NameTaken,
    NameTakenByFolder,
    NoContent,
    NotFound,
    StoreUnavailable,
    UploadGone,
)
from kosha.sentinels import UNCHANGED
from plans.services import quota_reserve, usage_lock
from storage import keys
from storage.backends import BackendError, get_backend
from storage.ids import parse_id
from storage.locks import file_lock, folders_lock
from storage.models import File, Folder, UploadSession
from storage.names import name_clean
from storage.selectors import file_get_for_user, folder_get_for_user
from storage.services.recording import session_abandon, version_record


def _is_root(folder_id) -> bool:
    return folder_id is None or folder_id in ("", "root")


def _target_folder_id(folder_id):
    """The parsed id of a target folder, None for the root; NotFound when malformed."""
    if _is_root(folder_id):
        return None
    parsed = parse_id(folder_id)
    if parsed is None:
        raise NotFound("Folder not found.", resource="folder", field="folder")
    return parsed


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


def file_update(*, user, file_id, name=UNCHANGED, folder_id=UNCHANGED) -> File:
    """Rename and/or move a file in one transaction; no stored object changes.
    folder_id None or "root" moves it to the root. Raises InvalidName, InvalidInput
    (nothing to change), NotFound (the file or the target folder, also another user's),
    NameTaken, NameTakenByFolder. Locks Usage, the target folder, the file."""
    if name is UNCHANGED and folder_id is UNCHANGED:
        raise InvalidInput("Give a new name, a new folder, or both.")
    new_name = None if name is UNCHANGED else name_clean(name)
    file = file_get_for_user(user=user, file_id=file_id)
    moving = folder_id is not UNCHANGED
    target_id = _target_folder_id(folder_id) if moving else file.folder_id

    with transaction.atomic():
        usage_lock(user=user)
        if moving:
            _lock_target(owner=user, folder_id=target_id)
        file = file_lock(file_id=file.pk)
        if file.deleted_at is not None:
            raise NotFound("File not found.", resource="file")
        final_name = new_name if new_name is not None else file.name
        if final_name == file.name and target_id == file.folder_id:
            return file_get_for_user(user=user, file_id=file.pk)
        _check_name_free(owner=user, folder_id=target_id, name=final_name, exclude_file_id=file.pk)
        file.name = final_name
        file.folder_id = target_id
        try:
            with transaction.atomic():
                file.save(update_fields=["name", "folder", "updated_at"])
        except IntegrityError:
            raise NameTaken(name=final_name) from None
    return file_get_for_user(user=user, file_id=file.pk)


def file_rename(*, user, file_id, name) -> File:
    """Rename a file where it is. See file_update for errors and locks."""
    return file_update(user=user, file_id=file_id, name=name)


def file_move(*, user, file_id, folder_id) -> File:
    """Move a file into folder_id (None or "root": the root), keeping its name.
    See file_update for errors and locks."""
    return file_update(user=user, file_id=file_id, folder_id=folder_id)


def file_copy(*, user, file_id, folder_id=None, name=None) -> File:
    """Copy a file's current version into a new File with one version at a new key,
    copied inside the store (the bytes never pass through this server). folder_id None
    keeps the source's folder, "root" is the root; name None keeps the source's name.
    A taken name becomes "name (2).ext". Counts against quota like an upload.
    Raises InvalidName, NotFound (file, target folder), NoContent, QuotaExceeded,
    FolderTrashed, CopyGone (the copy's session ended meanwhile), StoreUnavailable
    (nothing recorded, reservation released). Locks as version_record does."""
    source = file_get_for_user(user=user, file_id=file_id)
    version = source.current_version
    if version is None:
        raise NoContent()
    target_id = source.folder_id if folder_id is None else _target_folder_id(folder_id)
    if target_id is not None and target_id != source.folder_id:
        folder_get_for_user(user=user, folder_id=target_id)
    wanted = source.name if name is None else name_clean(name)

    # 1. Reserve, one short transaction. The pending session makes the reservation and
    # the new key visible to the upload sweeper should this process die mid-copy.
    with transaction.atomic():
        quota_reserve(user=user, size_bytes=version.size_bytes, files=1)
        session = UploadSession.objects.create(
            owner=user,
            created_by=user,
            folder_id=target_id,
            name=wanted,
            size_bytes=version.size_bytes,
            content_type=version.content_type,
            sha256=version.sha256,
            on_conflict=UploadSession.OnConflict.RENAME,
            key=keys.blob_key(user.pk),
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
        )
    except DomainError as exc:
        # Gives the reservation back and deletes the object, unless the session ended already.
        session_abandon(session=session, status=UploadSession.Status.FAILED)
        if isinstance(exc, UploadGone):
            raise CopyGone.for_status(exc.session_status) from exc
        raise
    return file_get_for_user(user=user, file_id=copied.file_id)


__all__ = ["UNCHANGED", "file_copy", "file_move", "file_rename", "file_update"]
