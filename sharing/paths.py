"""Items by path, for doors that name things by path (WebDAV): the same access rule.

A path is a list of names. `[]` is the root of the actor's own space; its first name
`Shared with me` (SHARED_WITH_ME) opens what others share with the actor: the shared
items by name, then the names below a shared folder in its owner's space. Every item a
path reaches is handed back through `file_for_actor` / `folder_for_actor`, so the grant,
the role and the need are checked exactly as for an id from the API.

Names are unique among the live items of a folder (files and folders share one name
space), so a path names at most one item. Two items shared with the actor under the same
name (from different owners) get " (2)", " (3)"... in share order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Q, QuerySet

from kosha.errors import NotFound
from sharing.access import Need, file_for_actor, folder_for_actor
from sharing.models import Share
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User
    from sharing.access import Actor

_Child = TypeVar("_Child", Folder, File)

SHARED_WITH_ME = "Shared with me"
# Rows per query when listing a folder: a 10,000-item folder is 10 + 10 queries of this.
CHILDREN_BATCH = 1000


@dataclass(frozen=True)
class PathTarget:
    """What a path names. kind: "root" (the actor's own root), "shared" (the Shared with
    me collection), "folder" or "file" (`item` set, with `.grant`)."""

    kind: str
    item: File | Folder | None = None


ROOT = PathTarget(kind="root")
SHARED = PathTarget(kind="shared")


def _not_found() -> NotFound:
    return NotFound("Nothing at this path.", resource="path")


def shared_items_for_actor(*, actor: User) -> list[tuple[str, File | Folder]]:
    """(name as listed, item) of every live item shared directly with actor, in share
    order, names made unique. One query. Locks nothing."""
    shares = (
        Share.objects.filter(grantee=actor)
        .select_related("file__current_version", "folder")
        .order_by("created_at", "id")
    )
    found: list[tuple[str, File | Folder]] = []
    taken: set[str] = set()
    for share in shares:
        item = share.file if share.file_id is not None else share.folder
        if item is None or item.deleted_at is not None:
            continue
        name, n = item.name, 1
        while name in taken:
            n += 1
            stem, dot, ext = item.name.rpartition(".")
            name = f"{stem} ({n}).{ext}" if dot and stem and isinstance(item, File) else f"{item.name} ({n})"
        taken.add(name)
        found.append((name, item))
    return found


def _child_by_name(
    *, owner_id: uuid.UUID, folder_id: uuid.UUID | None, name: str, folders_only: bool
) -> File | Folder | None:
    live = {"owner_id": owner_id, "name": name, "deleted_at__isnull": True}
    folder = Folder.objects.filter(parent_id=folder_id, **live).first()
    if folder is not None or folders_only:
        return folder
    return File.objects.filter(folder=folder_id, **live).first()


def _checked(item: File | Folder, *, actor: Actor, need: Need) -> File | Folder:
    if isinstance(item, Folder):
        return folder_for_actor(actor=actor, folder_id=item.pk, need=need)
    return file_for_actor(actor=actor, file_id=item.pk, need=need)


def item_at_path_for_actor(*, actor: User, names: list[str], need: Need = Need.VIEW) -> PathTarget:
    """What `names` reaches for actor (a signed-in User). One query per name, then the
    access getter's. Raises NotFound (nothing there, or nothing the actor may see, one
    answer for both) and Forbidden (seen, but not allowed `need`). Locks nothing."""
    if not names:
        return ROOT
    if names[0] == SHARED_WITH_ME:
        if len(names) == 1:
            return SHARED
        top = next((item for name, item in shared_items_for_actor(actor=actor) if name == names[1]), None)
        if top is None:
            raise _not_found()
        owner_id, rest, current = top.owner_id, names[2:], top
    else:
        owner_id, rest, current = actor.pk, names, None
    for index, name in enumerate(rest):
        if current is not None and not isinstance(current, Folder):
            raise _not_found()
        last = index == len(rest) - 1
        current = _child_by_name(
            owner_id=owner_id, folder_id=current.pk if current else None, name=name, folders_only=not last
        )
        if current is None:
            raise _not_found()
    assert current is not None  # names is not empty: the shared item or the loop set it
    return PathTarget(
        kind="folder" if isinstance(current, Folder) else "file", item=_checked(current, actor=actor, need=need)
    )


def children_for_folder(*, owner_id: uuid.UUID, folder: Folder | None) -> Iterator[Folder | File]:
    """The live folders then the live files directly in `folder` (None: the root of
    owner_id's space), each by name, fetched CHILDREN_BATCH rows per query (keyset on
    name, id), so memory holds one batch. The caller got `folder` through
    sharing.access (or it is the actor's own root). Locks nothing."""
    live = {"owner_id": owner_id, "deleted_at__isnull": True}
    parent_id = folder.pk if folder else None
    yield from _in_batches(Folder.objects.filter(**live, parent_id=parent_id).order_by("name", "id"))
    yield from _in_batches(
        File.objects.filter(**live, folder=parent_id).order_by("name", "id").select_related("current_version")
    )


def _in_batches(rows: QuerySet[_Child]) -> Iterator[_Child]:
    """rows (ordered by name, id), CHILDREN_BATCH per query, keyset on (name, id)."""
    after: tuple[str, uuid.UUID] | None = None
    while True:
        page = rows
        if after is not None:
            page = rows.filter(Q(name__gt=after[0]) | Q(name=after[0], id__gt=after[1]))
        batch = list(page[:CHILDREN_BATCH])
        yield from batch
        if len(batch) < CHILDREN_BATCH:
            break
        after = (batch[-1].name, batch[-1].pk)
