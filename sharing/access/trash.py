"""Items in the trash, for a person. (See sharing/access/__init__.py.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from kosha.errors import NotFound, OwnerOnly
from sharing.access.rule import OWNER_GRANT, Need, Role, grant_for_user
from storage.ids import parse_id
from storage.models import File, Folder

if TYPE_CHECKING:
    from sharing.access.rule import Actor


def trash_item_for_actor(*, actor: Actor, item_id: object, need: Need = Need.EDIT) -> Folder | File:
    """A trash root (a folder or file the trash lists) the actor may act on, with `.grant`.

    The trash rule (as Nextcloud keeps a recipient's deletions restorable by them): the
    owner's trash holds everything trashed in their space, by anyone; an editor's trash
    also holds what they trashed in someone else's space, restorable by them (EDIT) while
    its folder is live and they may still edit it. Deleting forever (OWN) is the owner's
    alone: the editor is refused with OwnerOnly. Anything else is NotFound."""
    parsed = parse_id(item_id)
    not_found = NotFound("Nothing in the trash has this id.", resource="trash_item")
    if parsed is None or actor is None or not actor.is_authenticated:
        raise not_found
    root = None
    for model in (Folder, File):
        root = (
            model.objects.select_related("owner")
            .filter(Q(owner=actor) | Q(trashed_by=actor), pk=parsed, is_trash_root=True, deleted_at__isnull=False)
            .first()
        )
        if root is not None:
            break
    if root is None:
        raise not_found
    if root.owner_id == actor.pk:
        root.grant = OWNER_GRANT
        return root
    parent = _trash_parent(root)
    grant = grant_for_user(user=actor, item=parent) if parent is not None and parent.deleted_at is None else None
    if grant is None or grant.role < Role.EDITOR:
        raise not_found
    if need is Need.OWN:
        raise OwnerOnly("Only the owner can delete this forever; you can restore it.")
    root.grant = grant
    return root


def trashed_item_for_actor(
    *, actor: Actor, item_id: object, need: Need = Need.EDIT
) -> tuple[Folder | File, Folder | File]:
    """A trashed item, a trash root or anything trashed with one (inside a trashed
    folder), and its trash root, which trash_item_for_actor checks: the item is reached
    exactly as its trash root is. Returns (item, root). Raises NotFound, OwnerOnly."""
    parsed = parse_id(item_id)
    if parsed is None or actor is None or not actor.is_authenticated:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    item = None
    for model in (Folder, File):
        item = model.objects.filter(pk=parsed, deleted_at__isnull=False, trash_batch__isnull=False).first()
        if item is not None:
            break
    if item is None:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    if item.is_trash_root:
        root = trash_item_for_actor(actor=actor, item_id=item.pk, need=need)
        return root, root
    root_id = (
        Folder.objects.filter(owner_id=item.owner_id, trash_batch=item.trash_batch, is_trash_root=True)
        .values_list("pk", flat=True)
        .first()
    )
    if root_id is None:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    root = trash_item_for_actor(actor=actor, item_id=root_id, need=need)
    item.owner = root.owner
    item.grant = root.grant
    return item, root


def _trash_parent(root: Folder | File) -> Folder | None:
    parent_id = root.parent_id if isinstance(root, Folder) else root.folder_id
    return Folder.objects.filter(pk=parent_id).first() if parent_id is not None else None
