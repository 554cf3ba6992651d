"""The trash: move a file or a folder's whole subtree there, restore it, delete it forever.

Trashing stamps every row it touches with `deleted_at` and one fresh `trash_batch`;
only the item the user picked is the trash root (the one the trash lists). Restore and
purge work on exactly one batch, so an item trashed on its own earlier stays trashed
when the folder around it comes back, and keeps its own retention.

Trashed bytes still count in the owner's usage until purged. A purge deletes the blobs
first, then in one transaction the rows and the usage they held: a crash between leaves
rows whose blobs are gone, which the next purge (the hourly task, or the user again)
finishes, because deleting a missing key is not an error. Before the blobs go, the
trash root is taken out of the trash listing in a short transaction of its own, so the
batch can no longer be restored while its bytes are being deleted.

Who may do what (sharing.access.trash_item_for_actor): an editor trashes what is inside
a folder shared with them (recorded as `trashed_by`) and may restore it while they may
still edit its folder; deleting forever is the owner's alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Sum, Value, When
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import FolderCycle, FolderTooDeep, FolderTrashed, NameTaken, NotFound, StoreUnavailable
from kosha.origin import Origin
from plans.models import Plan
from plans.services import quota_credit, quota_release
from storage.audit import item_event_record, item_events_record_many
from storage.backends import BackendError
from storage.locks import file_lock, folders_lock, folders_lock_to_delete, space_lock
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession
from storage.names import name_free
from storage.services.recording import late_writes_end
from storage.services.versions import blobs_delete, blobs_delete_enqueue, version_blob_keys
from storage.tree import chain_for_attaching, depth_check, folder_subtree, subtree_levels

if TYPE_CHECKING:
    from accounts.models import User

PURGE_CHUNK_BATCHES = 100


def _trash_fields(*, now: datetime, batch: uuid.UUID, root_id: uuid.UUID, actor: User | None) -> dict:
    return {
        "deleted_at": now,
        "trash_batch": batch,
        "is_trash_root": Case(When(pk=root_id, then=Value(True)), default=Value(False)),
        "trashed_by": actor if actor is not None and actor.is_authenticated else None,
    }


def file_trash(*, actor: User | None, file: File, origin: Origin) -> File:
    """Move a live file (the door checked that actor may arrange it) to the trash as its
    own batch, trashed by actor. Records TRASH. Raises NotFound (trashed meanwhile).
    Locks the owner's space (exclusive), then the File."""
    with transaction.atomic():
        space_lock(owner_ids=[file.owner_id], shared=False)  # first, in the order of storage/locks.py
        locked = file_lock(file_id=file.pk)
        if locked.deleted_at is not None:
            raise NotFound("File not found.", resource="file")
        locked.deleted_at = timezone.now()
        locked.trash_batch = uuid.uuid4()
        locked.is_trash_root = True
        locked.trashed_by = actor
        locked.save(update_fields=["deleted_at", "trash_batch", "is_trash_root", "trashed_by"])
        item_event_record(kind=ActivityEvent.Kind.TRASH, actor=actor, item=locked, origin=origin)
    return locked


def _live_subtree_ids(*, owner_id: uuid.UUID, root_id: uuid.UUID) -> list[uuid.UUID]:
    """The folder and every live folder under it: one bounded, loop-proof recursive query."""
    return [row.id for row in folder_subtree(owner_id=owner_id, folder_id=root_id)]


def folder_trash(*, actor: User | None, folder: Folder, origin: Origin) -> Folder:
    """Move a live folder (the door checked that actor may arrange it) and its whole live
    subtree (folders and files) to the trash as one batch, trashed by actor, with bulk
    UPDATEs: one recursive query to find the folders, one lock of them (pk order), two
    updates. Items already in the trash keep their own batch. Records TRASH. Raises
    NotFound (trashed meanwhile). Locks the owner's space (exclusive), then the subtree's
    Folders."""
    with transaction.atomic():
        # The space lock first (the project's lock order): uploads recording into this
        # subtree (shared) and folder moves take it too, so the subtree cannot change
        # while it is collected.
        space_lock(owner_ids=[folder.owner_id], shared=False)
        folder_ids = _live_subtree_ids(owner_id=folder.owner_id, root_id=folder.pk)
        locked = {row.pk: row for row in folders_lock(folder_ids=folder_ids)}
        root = locked.get(folder.pk)
        if root is None or root.deleted_at is not None:
            raise NotFound("Folder not found.", resource="folder")
        now = timezone.now()
        fields = _trash_fields(now=now, batch=uuid.uuid4(), root_id=folder.pk, actor=actor)
        Folder.objects.filter(pk__in=folder_ids, deleted_at__isnull=True).update(**fields)
        File.objects.filter(owner_id=folder.owner_id, folder_id__in=folder_ids, deleted_at__isnull=True).update(
            **{**fields, "is_trash_root": False}
        )
        root.deleted_at, root.trash_batch, root.is_trash_root = now, fields["trash_batch"], True
        root.trashed_by = fields["trashed_by"]
        item_event_record(kind=ActivityEvent.Kind.TRASH, actor=actor, item=root, origin=origin)
    return root


def _trash_root_lock(item: Folder | File) -> Folder | File:
    model = type(item)
    root = model.objects.select_for_update().filter(pk=item.pk, is_trash_root=True, deleted_at__isnull=False).first()
    if root is None:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    return root


def _fits_under(*, owner_id: uuid.UUID, parent_id: uuid.UUID, folder: Folder) -> bool:
    """Whether a trashed folder's batch can come back under parent_id within the depth rule
    (the parent may have moved deeper since), without closing a loop."""
    try:
        chain = chain_for_attaching(owner_id=owner_id, folder_id=parent_id, moving_id=folder.pk)
        rows = folder_subtree(owner_id=owner_id, folder_id=folder.pk, trash_batch=folder.trash_batch)
        depth_check(parent_depth=chain.depth, levels=subtree_levels(rows))
    except (FolderCycle, FolderTooDeep):
        return False
    return True


def _restore_parent(*, actor: User | None, root: Folder | File, folder: Folder | None) -> uuid.UUID | None:
    """Where a restore out of `root`'s batch goes: the folder root was in, or (the owner
    restoring) the owner's root when that folder is trashed or gone, or when `folder`
    (what comes back, if a folder) would pass the depth rule there. An editor is refused
    instead: FolderTrashed, FolderTooDeep."""
    parent_id = root.parent_id if isinstance(root, Folder) else root.folder_id
    by_owner = actor is not None and actor.pk == root.owner_id
    if parent_id is not None and not Folder.objects.filter(pk=parent_id, deleted_at__isnull=True).exists():
        if not by_owner:
            raise FolderTrashed("The folder it was in is in the trash; ask its owner.")
        parent_id = None
    if (
        parent_id is not None
        and folder is not None
        and not _fits_under(owner_id=root.owner_id, parent_id=parent_id, folder=folder)
    ):
        if not by_owner:
            raise FolderTooDeep("It no longer fits where it was; ask its owner.")
        parent_id = None
    return parent_id


def trash_restore_inside(*, actor: User | None, item: Folder | File, root: Folder, origin: Origin) -> Folder | File:
    """Restore one file or subfolder from inside a trashed folder (`root`, the trash root
    of item's batch, which the door got through sharing.access.trash_item_for_actor). A
    subfolder comes back with what was trashed with it; the rest of the batch stays in
    the trash. It goes where the trashed folder was (the folder it sat in), since the
    folders between are in the trash: if that folder is itself trashed or gone, or a
    subfolder would nest too deep there, the owner's restore puts it in the owner's root
    and an editor's is refused, as for trash_restore. A taken name becomes "name
    (restored)". Records RESTORE. Raises NotFound (restored or purged meanwhile),
    FolderTrashed, FolderTooDeep, NameTaken. Locks the owner's space (exclusive), then the
    trash root, then item."""
    with transaction.atomic():
        space_lock(owner_ids=[root.owner_id], shared=False)
        locked_root = _trash_root_lock(root)
        batch = locked_root.trash_batch
        picked = (
            type(item)
            .objects.select_for_update()
            .filter(pk=item.pk, trash_batch=batch, is_trash_root=False, deleted_at__isnull=False)
            .first()
        )
        if picked is None:
            raise NotFound("Nothing in the trash has this id.", resource="trash_item")
        parent_id = _restore_parent(
            actor=actor, root=locked_root, folder=picked if isinstance(picked, Folder) else None
        )
        live = {"deleted_at": None, "trash_batch": None, "is_trash_root": False, "trashed_by": None}
        picked.name = name_free(owner=picked.owner_id, folder_id=parent_id, name=picked.name, suffix="restored")
        try:
            with transaction.atomic():
                if isinstance(picked, Folder):
                    below = [
                        row.id
                        for row in folder_subtree(owner_id=picked.owner_id, folder_id=picked.pk, trash_batch=batch)
                    ]
                    Folder.objects.filter(pk=picked.pk).update(name=picked.name, parent_id=parent_id, **live)
                    Folder.objects.filter(pk__in=below, trash_batch=batch).update(**live)
                    File.objects.filter(owner=picked.owner_id, folder_id__in=below, trash_batch=batch).update(**live)
                    picked.parent_id = parent_id
                else:
                    File.objects.filter(pk=picked.pk).update(name=picked.name, folder_id=parent_id, **live)
                    picked.folder_id = parent_id
        except IntegrityError:
            raise NameTaken("An item with this name appeared meanwhile; try again.") from None
        picked.deleted_at, picked.trash_batch, picked.trashed_by = None, None, None
        item_event_record(kind=ActivityEvent.Kind.RESTORE, actor=actor, item=picked, origin=origin)
    return picked


def trash_restore(*, actor: User | None, item: Folder | File, origin: Origin) -> Folder | File:
    """Put exactly one trash batch (its root `item`, which the door got through
    sharing.access.trash_item_for_actor) back where it was. If the name is taken there
    now it comes back as "name (restored)", then "name (restored 2)", ... If its original
    folder is itself in the trash (or was deleted forever), the owner's restore puts it
    in the root instead: restoring into a trashed folder would leave it invisible, and
    silently restoring the parent too would bring back things trashed on purpose; an
    editor's restore is refused (FolderTrashed), the owner's root not being theirs. A
    folder whose subtree would pass the depth rule where it was (its parent moved deeper
    meanwhile) also comes back at the owner's root, where it always fits (an editor's
    restore: FolderTooDeep). Records RESTORE. Raises NotFound (purged or restored
    meanwhile), FolderTrashed, FolderTooDeep, NameTaken (a name appeared concurrently;
    try again). Locks the owner's space (exclusive: it names items), then the root row."""
    with transaction.atomic():
        space_lock(owner_ids=[item.owner_id], shared=False)
        root = _trash_root_lock(item)
        is_folder = isinstance(root, Folder)
        parent_id = _restore_parent(actor=actor, root=root, folder=root if isinstance(root, Folder) else None)
        batch = root.trash_batch
        live = {"deleted_at": None, "trash_batch": None, "is_trash_root": False, "trashed_by": None}
        root.name = name_free(owner=root.owner_id, folder_id=parent_id, name=root.name, suffix="restored")
        try:
            with transaction.atomic():
                if is_folder:
                    Folder.objects.filter(pk=root.pk).update(name=root.name, parent_id=parent_id, **live)
                    Folder.objects.filter(owner=root.owner_id, trash_batch=batch).update(**live)
                else:
                    File.objects.filter(pk=root.pk).update(name=root.name, folder_id=parent_id, **live)
                File.objects.filter(owner=root.owner_id, trash_batch=batch).update(**live)
        except IntegrityError:
            raise NameTaken("An item with this name appeared meanwhile; try again.") from None
        if isinstance(root, Folder):
            root.parent_id = parent_id
        else:
            root.folder_id = parent_id
        root.deleted_at, root.trash_batch, root.is_trash_root, root.trashed_by = None, None, False, None
        item_event_record(kind=ActivityEvent.Kind.RESTORE, actor=actor, item=root, origin=origin)
    return root


@dataclass(frozen=True)
class PurgeResult:
    batches: int
    files: int
    size_bytes: int


def trash_delete(*, actor: User, item: Folder | File, origin: Origin) -> PurgeResult:
    """Delete one trash root (the door checked that actor owns it) and its batch forever.
    Records PURGE. Raises StoreUnavailable (the root has left the trash listing by then;
    the hourly purge finishes it)."""
    return trash_batches_purge(owner_id=item.owner_id, batches=[item.trash_batch], actor=actor, origin=origin)


def trash_empty(*, actor: User, origin: Origin) -> PurgeResult:
    """Delete everything in the trash of actor's own space forever (not what they trashed
    in other people's spaces: that stays the owners'). Records PURGE for each trash
    root. Raises StoreUnavailable (what was not purged yet is finished by the hourly
    purge)."""
    batches: set[uuid.UUID | None] = set()
    for model in (Folder, File):
        roots = model.objects.filter(owner=actor, is_trash_root=True, deleted_at__isnull=False)
        batches |= set(roots.values_list("trash_batch", flat=True))
    total = PurgeResult(batches=0, files=0, size_bytes=0)
    ordered = sorted(batch for batch in batches if batch is not None)
    for start in range(0, len(ordered), PURGE_CHUNK_BATCHES):
        done = trash_batches_purge(
            owner_id=actor.pk, batches=ordered[start : start + PURGE_CHUNK_BATCHES], actor=actor, origin=origin
        )
        total = PurgeResult(
            batches=total.batches + done.batches,
            files=total.files + done.files,
            size_bytes=total.size_bytes + done.size_bytes,
        )
    return total


def trash_batches_purge(
    *, owner_id: uuid.UUID, batches: Iterable[uuid.UUID | None], actor: User | None = None, origin: Origin | None = None
) -> PurgeResult:
    """Purge trash batches of one owner: blobs first (no transaction open), then in one
    transaction the rows and the usage they held. Safe to run twice and after a crash
    between the two steps. Trashed items of other batches that sat inside a purged
    folder stay in the trash and will restore to the root. With an origin (a person
    deleting forever), records PURGE for each trash root, in the last transaction; the
    retention purge records nothing. Raises StoreUnavailable. Locks the owner's space
    (exclusive), the batches' Folders and Files (FOR UPDATE: it deletes them, after every
    start, star, link or share holding one by its key-share lock has committed), the
    pending sessions aimed at them, then Usage (storage/locks.py, "Deferred key checks")."""
    live_batches = [batch for batch in batches if batch is not None]
    if not live_batches:
        return PurgeResult(batches=0, files=0, size_bytes=0)
    in_batches = Q(owner_id=owner_id, trash_batch__in=live_batches, deleted_at__isnull=False)
    roots: list[Folder | File] = []
    if origin is not None:
        for model, parent in ((Folder, "parent_id"), (File, "folder_id")):
            roots.extend(model.objects.filter(in_batches, is_trash_root=True).only("pk", "name", "owner_id", parent))
    with transaction.atomic():
        # Out of the listing first: a restore waiting on the root's lock then finds
        # nothing, and one that won the lock has already taken its rows out of the batch.
        Folder.objects.filter(in_batches, is_trash_root=True).update(is_trash_root=False)
        File.objects.filter(in_batches, is_trash_root=True).update(is_trash_root=False)
    versions = FileVersion.objects.filter(file__in=File.objects.filter(in_batches))
    archives = FolderArchive.objects.filter(folder__in=Folder.objects.filter(in_batches)).exclude(key="")
    deleted_keys = version_blob_keys(versions.only("key", "thumbnail_key")) + list(
        archives.values_list("key", flat=True)
    )
    try:
        blobs_delete(blob_keys=deleted_keys)
    except BackendError as exc:
        raise StoreUnavailable() from exc

    with transaction.atomic():
        space_lock(owner_ids=[owner_id], shared=False)  # first, in the order of storage/locks.py
        # FOR UPDATE, before the sessions aimed at these folders are read: it waits for a
        # start that holds one of them (key share, before its Usage), whose session is
        # then pending here and is failed with the others (storage/locks.py).
        folder_ids = folders_lock_to_delete(folder_ids=Folder.objects.filter(in_batches).values_list("pk", flat=True))
        # FOR UPDATE too, before anything that points at them is read: it waits for a star,
        # a link or a share holding one (key share, storage.locks.item_pin), then deletes it.
        file_ids = list(File.objects.select_for_update().filter(in_batches).order_by("pk").values_list("pk", flat=True))
        held = FileVersion.objects.filter(file_id__in=file_ids)
        size_bytes = held.aggregate(total=Sum("size_bytes"))["total"] or 0
        # Anything that became a blob after the listing above (it should not happen:
        # trashed files take no new versions) still goes, after the commit.
        blobs_delete_enqueue(sorted(set(version_blob_keys(held.only("key", "thumbnail_key"))) - set(deleted_keys)))
        released = _detach_from_folders(folder_ids=folder_ids, batches=live_batches) if folder_ids else (0, 0)
        File.objects.filter(pk__in=file_ids).delete()
        Folder.objects.filter(pk__in=folder_ids).delete()
        # Usage last (storage/locks.py).
        if released != (0, 0):
            quota_release(user=owner_id, size_bytes=released[0], files=released[1])
        quota_credit(user=owner_id, size_bytes=size_bytes, files=len(file_ids))
        if roots and origin is not None:  # roots were collected only with an origin
            item_events_record_many(
                kind=ActivityEvent.Kind.PURGE, actor=actor, owner_id=owner_id, items=roots, origin=origin
            )
    return PurgeResult(batches=len(live_batches), files=len(file_ids), size_bytes=size_bytes)


def _detach_from_folders(*, folder_ids: list[uuid.UUID], batches: list[uuid.UUID]) -> tuple[int, int]:
    """Keep what a folder delete would cascade to but must not: other trash batches
    inside these folders move to the root (still trashed), and uploads aimed at them
    stop: pending ones fail (the upload sweep then deletes whatever the client had sent).
    Returns the reservation they held, (bytes, file slots), for the caller to release
    last."""
    Folder.objects.filter(parent_id__in=folder_ids).exclude(trash_batch__in=batches).update(parent=None)
    File.objects.filter(folder_id__in=folder_ids).exclude(trash_batch__in=batches).update(folder=None)
    pending_query = UploadSession.objects.filter(folder_id__in=folder_ids, status=UploadSession.Status.PENDING)
    pending = list(pending_query.select_for_update())
    if pending:
        now = timezone.now()
        for session in pending:
            session.status = UploadSession.Status.FAILED
            session.delete_after = late_writes_end(session=session, now=now)
        UploadSession.objects.bulk_update(pending, ["status", "delete_after"])
    UploadSession.objects.filter(folder_id__in=folder_ids).update(folder=None)
    return sum(session.size_bytes for session in pending), sum(session.reserved_files for session in pending)


def trash_purge_expired(*, now: datetime | None = None, limit: int = 500) -> int:
    """Purge trash batches older than their owner's plan `trash_days` (also batches a
    crashed purge left without a root). Returns how many batches were purged. Safe to
    run twice; a store outage leaves the rest for the next run."""
    now = now or timezone.now()
    purged = 0
    for plan in Plan.objects.all():
        cutoff = now - timedelta(days=plan.trash_days)
        expired: set[tuple] = set()
        for model in (Folder, File):
            expired |= set(
                model.objects.filter(owner__usage__plan=plan, deleted_at__lte=cutoff, trash_batch__isnull=False)
                .order_by()
                .values_list("owner_id", "trash_batch")
                .distinct()[:limit]
            )
        by_owner: dict = {}
        for owner_id, batch in expired:
            by_owner.setdefault(owner_id, []).append(batch)
        for owner_id, owner_batches in by_owner.items():
            for start in range(0, len(owner_batches), PURGE_CHUNK_BATCHES):
                chunk = owner_batches[start : start + PURGE_CHUNK_BATCHES]
                try:
                    purged += trash_batches_purge(owner_id=owner_id, batches=chunk).batches
                except StoreUnavailable:
                    return purged
    return purged
