"""Server-side copies: one file (`file_copy`, services/files.py) or a whole folder tree
(`folder_copy`), shaped like an upload and sharing its three steps:

1. `copies_reserve`: one short transaction that checks the whole copy against the
   destination owner's plan up front (QuotaExceeded before any byte moves) and records a
   pending UploadSession per file, so a crash mid-copy leaves nothing the upload sweeper
   does not clean (reservation released, new keys deleted).
2. `copies_store`: the store copies each current version to its new key, with no
   transaction open; the bytes never pass through this server.
3. The record step (`version_record`, services/recording.py), in a second short
   transaction: for a tree, together with the new folder rows, so a tree is recorded
   whole or not at all.

A failure at 2 or 3 abandons every session (the reservation goes back, the new keys are
deleted) and records nothing.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import CopyGone, DomainError, NotFound, StoreUnavailable, UploadGone
from kosha.origin import Origin
from plans.services import quota_reserve
from storage import keys
from storage.audit import item_event_record
from storage.backends import BackendError, get_backend
from storage.locks import folder_pin, folders_lock, space_lock, upload_lock
from storage.models import File, FileVersion, Folder, UploadSession
from storage.names import name_clean, name_free
from storage.places import Place
from storage.services.recording import session_abandon, version_record
from storage.tree import SubtreeRow, chain_for_attaching, depth_check, folder_subtree, subtree_levels

if TYPE_CHECKING:
    from accounts.models import User

# How many store copies run at once for a tree (each is one request to the store).
COPY_PARALLELISM = 8


@dataclass(frozen=True)
class CopyEntry:
    """One file to copy: the version whose bytes are copied, the name the copy asks for,
    and the folder it goes to (None: the root; for a tree, the source folder until the
    record step maps it to its new twin)."""

    version: FileVersion
    name: str
    folder_id: uuid.UUID | None


def copies_reserve(*, actor: User | None, owner: User, entries: list[CopyEntry]) -> list[UploadSession]:
    """Reserve room for every entry in `owner`'s space in one check (QuotaExceeded: the
    whole copy does not fit, with nothing reserved) and record a pending session per
    entry, in entry order. Raises NotFound (an entry's folder was trashed or deleted
    since the door read it: nothing reserved). Locks the entries' folders (key share, pk
    order), then Usage (storage/locks.py, "Deferred key checks"). One transaction, no
    store call."""
    total_bytes = sum(entry.version.size_bytes for entry in entries)
    largest_bytes = max((entry.version.size_bytes for entry in entries), default=0)
    expires_at = timezone.now() + timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS)
    with transaction.atomic():
        # First, before Usage: the sessions' folders, against a purge (storage/locks.py).
        for folder_id in sorted({entry.folder_id for entry in entries if entry.folder_id is not None}):
            folder_pin(folder_id=folder_id)
        quota_reserve(user=owner, size_bytes=total_bytes, files=len(entries), largest_file_bytes=largest_bytes)
        return UploadSession.objects.bulk_create(
            UploadSession(
                owner=owner,
                created_by=actor,
                folder_id=entry.folder_id,
                name=entry.name,
                size_bytes=entry.version.size_bytes,
                content_type=entry.version.content_type,
                sha256=entry.version.sha256,
                on_conflict=UploadSession.OnConflict.RENAME,
                key=keys.blob_key(owner.pk),
                strategy=UploadSession.Strategy.SINGLE,
                expires_at=expires_at,
            )
            for entry in entries
        )


def copies_abandon(*, sessions: list[UploadSession]) -> None:
    """Give back every session's reservation and delete what the store holds at its key."""
    for session in sessions:
        session_abandon(session=session, status=UploadSession.Status.FAILED)


def copies_store(*, sessions: list[UploadSession], entries: list[CopyEntry]) -> None:
    """Copy each entry's version to its session's key inside the store, up to
    COPY_PARALLELISM at a time. Call with no transaction open. On any failure abandons
    every session and raises StoreUnavailable."""
    backend = get_backend()
    pairs = [(entry.version.key, session.key) for entry, session in zip(entries, sessions, strict=True)]
    try:
        if len(pairs) == 1:
            backend.copy(source_key=pairs[0][0], dest_key=pairs[0][1])
        else:
            with ThreadPoolExecutor(max_workers=COPY_PARALLELISM) as pool:
                # list() re-raises the first failure after every copy has ended.
                list(pool.map(lambda pair: backend.copy(source_key=pair[0], dest_key=pair[1]), pairs))
    except (BackendError, FileNotFoundError) as exc:
        copies_abandon(sessions=sessions)
        raise StoreUnavailable("The copy could not be made in the store. Try again shortly.") from exc


def copy_record(*, actor: User | None, session: UploadSession, entry: CopyEntry, origin: Origin) -> FileVersion:
    """Record one copied session as a new File (a taken name becomes "name (2).ext"),
    through the step an upload completes with. Records COPY. Raises what version_record
    raises, with UploadGone turned into CopyGone."""
    try:
        return version_record(
            session=session,
            etag="",
            sha256=entry.version.sha256,
            name_policy=UploadSession.OnConflict.RENAME,
            copied_from=entry.version,
            actor=actor,
            origin=origin,
        )
    except UploadGone as exc:
        raise CopyGone.for_status(exc.session_status) from exc


def folder_copy(*, actor: User | None, folder: Folder, place: Place, name: str | None = None, origin: Origin) -> Folder:
    """Copy a live folder with its live subfolders and the current versions of its live
    files into `place` (any folder actor may add to, or a root), counted against the
    place owner's quota as uploads made by actor. The door has checked VIEW on `folder`
    and EDIT on `place`.

    The top folder keeps its name (or takes `name`); a taken name becomes "name (2)".
    Checks, before any byte moves: a copy into the folder itself or below it is
    FolderCycle, one that would nest deeper than KOSHA_MAX_FOLDER_DEPTH is FolderTooDeep
    (the same rules as a move), and the whole tree must fit the plan (QuotaExceeded:
    StorageFull, TooManyFiles, FileTooLarge for its largest file). Then the store copies
    the files with no transaction open, and one transaction records the folders and
    files (COPY events for the folder and each file). Raises also InvalidName, NotFound
    (the source or the destination was trashed meanwhile), StoreUnavailable (nothing
    recorded, reservation released). Locks the owner's space (exclusive: it names
    folders), the sessions, the destination folder, then Usage, in the order of
    storage/locks.py. Returns the new top folder."""
    owner = place.owner
    wanted = folder.name if name is None else name_clean(name)

    # What to copy: a snapshot of the live tree, read before anything is reserved.
    rows = folder_subtree(owner_id=folder.owner_id, folder_id=folder.pk)
    if not rows:
        raise NotFound("Folder not found.", resource="folder")
    files = (
        File.objects.filter(owner_id=folder.owner_id, folder_id__in=[row.id for row in rows], deleted_at__isnull=True)
        .exclude(current_version=None)
        .select_related("current_version")
        .order_by("pk")
    )
    entries = [
        CopyEntry(version=file.current_version, name=file.name, folder_id=file.folder_id)
        for file in files
        if file.current_version is not None  # always: the query excludes files with no version
    ]
    _copy_target_check(owner=owner, folder=folder, place=place, levels=subtree_levels(rows))

    # 1. Reserve the whole tree at once; the sessions start in the destination folder
    # (the folders they end in do not exist until step 3).
    sessions = copies_reserve(
        actor=actor,
        owner=owner,
        entries=[CopyEntry(version=entry.version, name=entry.name, folder_id=place.folder_id) for entry in entries],
    )
    # 2. Copy inside the store, no transaction open.
    if sessions:
        copies_store(sessions=sessions, entries=entries)
    # 3. Record the folders and the files in one transaction.
    try:
        with transaction.atomic():
            space_lock(owner_ids=[owner.pk], shared=False)
            for session in sorted(sessions, key=lambda session: session.pk):
                upload_lock(upload_id=session.pk)
            top = _tree_create(owner=owner, folder=folder, place=place, name=wanted, rows=rows)
            twins = top.twins
            for entry, session in zip(entries, sessions, strict=True):
                assert entry.folder_id is not None  # each file of the tree is in one of its folders
                session.folder_id = twins[entry.folder_id]
                session.save(update_fields=["folder"])
                copy_record(actor=actor, session=session, entry=entry, origin=origin)
            item_event_record(
                kind=ActivityEvent.Kind.COPY,
                actor=actor,
                item=top.folder,
                origin=origin,
                detail={
                    "from": str(folder.pk),
                    "files": len(entries),
                    "size_bytes": sum(entry.version.size_bytes for entry in entries),
                },
            )
    except DomainError:
        copies_abandon(sessions=sessions)
        raise
    return top.folder


def _copy_target_check(*, owner: User, folder: Folder, place: Place, levels: int) -> None:
    """FolderCycle or FolderTooDeep before anything is reserved (checked again under the
    locks of the record step)."""
    parent_depth = 0
    if place.folder is not None:
        moving_id = folder.pk if place.owner.pk == folder.owner_id else None
        parent_depth = chain_for_attaching(owner_id=owner.pk, folder_id=place.folder.pk, moving_id=moving_id).depth
    depth_check(parent_depth=parent_depth, levels=levels)


@dataclass(frozen=True)
class _Tree:
    folder: Folder
    twins: dict[uuid.UUID, uuid.UUID]  # source folder id -> its copy's id


def _tree_create(*, owner: User, folder: Folder, place: Place, name: str, rows: list[SubtreeRow]) -> _Tree:
    """Create the copied folders under place, parents before children. Call under
    the owner's space lock (exclusive), inside the record step's transaction."""
    parent = None
    if place.folder is not None:
        locked = folders_lock(folder_ids=[place.folder.pk])
        if not locked or locked[0].deleted_at is not None:
            raise NotFound("Folder not found.", resource="folder", field="folder")
        parent = locked[0]
    # Checked again under the lock: the tree may have changed since the snapshot.
    _copy_target_check(owner=owner, folder=folder, place=place, levels=subtree_levels(rows))
    top = Folder.objects.create(
        owner=owner, parent=parent, name=name_free(owner=owner, folder_id=place.folder_id, name=name)
    )
    twins = {folder.pk: top.pk}
    # Ids are chosen here so that every row is inserted with its parent, parents first.
    below = sorted((row for row in rows if row.level > 0), key=lambda row: row.level)
    twins.update({row.id: uuid.uuid4() for row in below})
    Folder.objects.bulk_create(
        Folder(id=twins[row.id], owner=owner, parent_id=twins[row.parent_id], name=row.name)
        for row in below
        if row.parent_id is not None  # always: every row below the start folder has its parent
    )
    return _Tree(folder=top, twins=twins)


__all__ = ["CopyEntry", "copies_abandon", "copies_reserve", "copies_store", "copy_record", "folder_copy"]
