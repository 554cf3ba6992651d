"""Folder writes: create, rename, move.

Names are unique among a folder's live children across both kinds (a folder and a file
may not share a name). The database enforces it within each kind; across kinds no
constraint can, so every name-changing write (these, file rename/move/copy and the
upload record step) first locks the owner's Usage row, which serialises them per user.
The same lock makes the cycle and depth checks of a move safe: two moves of one user's
folders cannot both pass the checks against a tree the other is changing.

Depth: no folder sits deeper than KOSHA_MAX_FOLDER_DEPTH (storage/tree.py), checked on
create and move; a move's cycle check climbs the target's whole chain to the root, so it
does not depend on how deep the tree is.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from kosha.errors import InvalidInput, NameTaken, NameTakenByFile, NotFound
from kosha.sentinels import UNCHANGED
from plans.services import usage_lock
from storage.ids import parse_id
from storage.locks import folders_lock
from storage.models import File, Folder
from storage.names import name_clean
from storage.selectors import folder_get_for_user
from storage.tree import chain_for_attaching, depth_check, folder_subtree, subtree_levels


def _is_root(folder_id) -> bool:
    return folder_id is None or folder_id in ("", "root")


def _check_name_free(*, owner, parent_id, name: str, exclude_folder_id=None) -> None:
    """NameTaken or NameTakenByFile if a live child of parent_id (None: the root) already has this name.
    Call under usage_lock."""
    folders = Folder.objects.filter(owner=owner, parent_id=parent_id, name=name, deleted_at__isnull=True)
    if exclude_folder_id is not None:
        folders = folders.exclude(pk=exclude_folder_id)
    if folders.exists():
        raise NameTaken("A folder with this name already exists here.", name=name)
    if File.objects.filter(owner=owner, folder_id=parent_id, name=name, deleted_at__isnull=True).exists():
        raise NameTakenByFile(name=name)


def _lock_live_folders(*, owner, folder_ids) -> dict:
    """Lock the given folders (by pk, the project's order) and return the live ones by id."""
    locked = folders_lock(folder_ids=[folder_id for folder_id in folder_ids if folder_id is not None])
    return {folder.pk: folder for folder in locked if folder.owner_id == owner.pk and folder.deleted_at is None}


def folder_create(*, user, name, parent_id=None) -> Folder:
    """Create a folder in the user's folder parent_id (None or "root": the root).
    Raises InvalidName, NotFound (parent), NameTaken, NameTakenByFile, FolderTooDeep,
    FolderCycle (the parent's chain does not reach the root). Locks Usage, then the
    parent folder."""
    name = name_clean(name)
    parent = None if _is_root(parent_id) else folder_get_for_user(user=user, folder_id=parent_id)
    with transaction.atomic():
        usage_lock(user=user)
        if parent is not None:
            parent = _lock_live_folders(owner=user, folder_ids=[parent.pk]).get(parent.pk)
            if parent is None:  # trashed since we read it
                raise NotFound("Folder not found.", resource="folder")
            chain = chain_for_attaching(owner_id=user.pk, folder_id=parent.pk)
            depth_check(parent_depth=chain.depth, levels=1)
        _check_name_free(owner=user, parent_id=parent.pk if parent else None, name=name)
        folder = Folder(owner=user, parent=parent, name=name)
        try:
            with transaction.atomic():
                folder.save()
        except IntegrityError:
            raise NameTaken("A folder with this name already exists here.", name=name) from None
    return folder


def folder_update(*, user, folder_id, name=UNCHANGED, parent_id=UNCHANGED) -> Folder:
    """Rename and/or move a folder in one transaction: either both happen or neither.
    parent_id None or "root" moves it to the root. Raises InvalidName, NotFound (the
    folder or the target, also another user's), FolderCycle (a move into itself or one
    of its own subfolders, or below a chain that does not reach the root), FolderTooDeep
    (its deepest subfolder would pass KOSHA_MAX_FOLDER_DEPTH), NameTaken, NameTakenByFile.
    Locks Usage, then both folders by pk."""
    if name is UNCHANGED and parent_id is UNCHANGED:
        raise InvalidInput("Give a new name, a new parent, or both.")
    new_name = None if name is UNCHANGED else name_clean(name)
    folder = folder_get_for_user(user=user, folder_id=folder_id)
    moving = parent_id is not UNCHANGED
    target_id = None
    if moving and not _is_root(parent_id):
        target_id = parse_id(parent_id)
        if target_id is None:
            raise NotFound("Folder not found.", resource="folder", field="parent")

    with transaction.atomic():
        usage_lock(user=user)
        live = _lock_live_folders(owner=user, folder_ids=[folder.pk, target_id])
        folder = live.get(folder.pk)
        if folder is None:
            raise NotFound("Folder not found.", resource="folder")
        parent_pk = target_id if moving else folder.parent_id
        if moving and target_id is not None and target_id not in live:
            raise NotFound("Folder not found.", resource="folder", field="parent")
        if moving and parent_pk != folder.parent_id:
            # The target's whole chain up to the root, one recursive query: moving a
            # folder under itself would cut the subtree off the root as a cycle.
            target_depth = 0
            if target_id is not None:
                target_depth = chain_for_attaching(owner_id=user.pk, folder_id=target_id, moving_id=folder.pk).depth
            levels = subtree_levels(folder_subtree(owner_id=user.pk, folder_id=folder.pk))
            depth_check(parent_depth=target_depth, levels=levels)
        final_name = new_name if new_name is not None else folder.name
        if final_name == folder.name and parent_pk == folder.parent_id:
            return folder  # nothing changes
        _check_name_free(owner=user, parent_id=parent_pk, name=final_name, exclude_folder_id=folder.pk)
        folder.name = final_name
        folder.parent_id = parent_pk
        try:
            with transaction.atomic():
                folder.save(update_fields=["name", "parent", "updated_at"])
        except IntegrityError:
            raise NameTaken("A folder with this name already exists here.", name=final_name) from None
    return folder


def folder_rename(*, user, folder_id, name) -> Folder:
    """Rename a folder in place. See folder_update for errors and locks."""
    return folder_update(user=user, folder_id=folder_id, name=name)


def folder_move(*, user, folder_id, parent_id) -> Folder:
    """Move a folder under parent_id (None or "root": the root), keeping its name.
    See folder_update for errors and locks."""
    return folder_update(user=user, folder_id=folder_id, parent_id=parent_id)


__all__ = ["UNCHANGED", "folder_create", "folder_move", "folder_rename", "folder_update"]
