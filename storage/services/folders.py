"""Folder writes: create, rename, move.

Names are unique among a folder's live children across both kinds (a folder and a file
may not share a name). The database enforces it within each kind; across kinds no
constraint can, so every write that names a folder (these, folder copies, restores)
first takes the owner's space lock exclusive (storage/locks.py), which serialises them
per space and against the writes that name files (which take it at least shared). The
same lock makes the cycle and depth checks of a move safe: two moves in one space cannot
both pass the checks against a tree the other is changing.

Depth: no folder sits deeper than KOSHA_MAX_FOLDER_DEPTH (storage/tree.py), checked on
create and move; a move's cycle check climbs the target's whole chain to the root, so it
does not depend on how deep the tree is.

Each service takes the actor (who acts: the owner or an editor) and items the door got
through sharing.access, and records its activity event in its own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from activity.models import ActivityEvent
from kosha.errors import NameTaken, NameTakenByFile, NotFound
from kosha.origin import Origin
from kosha.sentinels import UNCHANGED, Unchanged
from storage.audit import item_event_record, rename_move_record
from storage.locks import folders_lock, space_lock
from storage.models import File, Folder
from storage.names import name_clean
from storage.places import Place, move_clean
from storage.tree import chain_for_attaching, depth_check, folder_subtree, subtree_levels

if TYPE_CHECKING:
    from accounts.models import User


def _check_name_free(
    *, owner: User, parent_id: uuid.UUID | None, name: str, exclude_folder_id: uuid.UUID | None = None
) -> None:
    """NameTaken or NameTakenByFile if a live child of parent_id (None: the root) already has this name.
    Call under the owner's space lock (exclusive)."""
    folders = Folder.objects.filter(owner=owner, parent_id=parent_id, name=name, deleted_at__isnull=True)
    if exclude_folder_id is not None:
        folders = folders.exclude(pk=exclude_folder_id)
    if folders.exists():
        raise NameTaken("A folder with this name already exists here.", name=name)
    if File.objects.filter(owner=owner, folder=parent_id, name=name, deleted_at__isnull=True).exists():
        raise NameTakenByFile(name=name)


def _lock_live_folders(*, owner: User, folder_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Folder]:
    """Lock the given folders (by pk, the project's order) and return the live ones by id."""
    locked = folders_lock(folder_ids=[folder_id for folder_id in folder_ids if folder_id is not None])
    return {folder.pk: folder for folder in locked if folder.owner_id == owner.pk and folder.deleted_at is None}


def folder_create(*, actor: User | None, place: Place, name: str, origin: Origin) -> Folder:
    """Create a folder at `place` (a folder of its owner's space, or its root), made by
    `actor` (the owner, or an editor of that folder) and counted in the place owner's
    space. Records FOLDER_CREATED. Raises InvalidName, NotFound (the parent was trashed
    meanwhile), NameTaken, NameTakenByFile, FolderTooDeep, FolderCycle (the parent's chain
    does not reach the root). Locks the owner's space (exclusive), then the parent folder."""
    name = name_clean(name)
    owner = place.owner
    with transaction.atomic():
        space_lock(owner_ids=[owner.pk], shared=False)
        parent = None
        if place.folder is not None:
            parent = _lock_live_folders(owner=owner, folder_ids=[place.folder.pk]).get(place.folder.pk)
            if parent is None:  # trashed since the door read it
                raise NotFound("Folder not found.", resource="folder")
            chain = chain_for_attaching(owner_id=owner.pk, folder_id=parent.pk)
            depth_check(parent_depth=chain.depth, levels=1)
        _check_name_free(owner=owner, parent_id=parent.pk if parent else None, name=name)
        folder = Folder(owner=owner, parent=parent, name=name)
        try:
            with transaction.atomic():
                folder.save()
        except IntegrityError:
            raise NameTaken("A folder with this name already exists here.", name=name) from None
        item_event_record(kind=ActivityEvent.Kind.FOLDER_CREATED, actor=actor, item=folder, origin=origin)
    return folder


def folder_update(
    *,
    actor: User | None,
    folder: Folder,
    name: str | Unchanged = UNCHANGED,
    place: Place | Unchanged = UNCHANGED,
    origin: Origin,
) -> Folder:
    """Rename and/or move a folder in one transaction: either both happen or neither.
    `place` is the new parent (a folder of the same space, or its root): the door has
    checked that actor may arrange the folder and add to the place. Records RENAME and
    MOVE (each when it happened). Raises InvalidName, InvalidInput (nothing to change),
    OtherSpace (a place in another person's space), NotFound (the folder, or with
    `field` "parent" the target, trashed or deleted meanwhile), FolderCycle (a move into itself or one of its own
    subfolders, or below a chain that does not reach the root), FolderTooDeep (its
    deepest subfolder would pass KOSHA_MAX_FOLDER_DEPTH), NameTaken, NameTakenByFile.
    Locks the owner's space (exclusive), then both folders by pk."""
    new_name = move_clean(name=name, place=place, owner_id=folder.owner_id, field="parent")
    moving = not isinstance(place, Unchanged)
    owner = folder.owner
    target_id = place.folder_id if not isinstance(place, Unchanged) else None

    with transaction.atomic():
        space_lock(owner_ids=[owner.pk], shared=False)
        live = _lock_live_folders(owner=owner, folder_ids=[folder.pk, target_id])
        locked = live.get(folder.pk)
        if locked is None:
            raise NotFound("Folder not found.", resource="folder")
        parent_pk = target_id if moving else locked.parent_id
        if moving and target_id is not None and target_id not in live:
            raise NotFound("Folder not found.", resource="folder", field="parent")
        if moving and parent_pk != locked.parent_id:
            # The target's whole chain up to the root, one recursive query: moving a
            # folder under itself would cut the subtree off the root as a cycle.
            target_depth = 0
            if target_id is not None:
                target_depth = chain_for_attaching(owner_id=owner.pk, folder_id=target_id, moving_id=locked.pk).depth
            levels = subtree_levels(folder_subtree(owner_id=owner.pk, folder_id=locked.pk))
            depth_check(parent_depth=target_depth, levels=levels)
        old_name, old_parent_id = locked.name, locked.parent_id
        final_name = new_name if new_name is not None else old_name
        if final_name == old_name and parent_pk == old_parent_id:
            locked.owner = owner
            return locked  # nothing changes
        _check_name_free(owner=owner, parent_id=parent_pk, name=final_name, exclude_folder_id=locked.pk)
        locked.name = final_name
        locked.parent_id = parent_pk
        try:
            with transaction.atomic():
                locked.save(update_fields=["name", "parent", "updated_at"])
        except IntegrityError:
            raise NameTaken("A folder with this name already exists here.", name=final_name) from None
        rename_move_record(actor=actor, item=locked, origin=origin, old_name=old_name, old_parent_id=old_parent_id)
    locked.owner = owner
    return locked


__all__ = ["UNCHANGED", "folder_create", "folder_update"]
