"""The folder tree's walks and its depth rule: every read that climbs or descends the
tree goes through here (breadcrumbs, cycle and depth checks, access through a shared
ancestor, search result paths, search within a folder, what is shared with a person,
trash, archives), each in one recursive query that is bounded and cannot loop, on
PostgreSQL and SQLite alike.

The depth rule: a folder at the root has depth 1, and no folder may sit deeper than
`settings.KOSHA_MAX_FOLDER_DEPTH` (256 by default). Services enforce it on create, move
and restore (`depth_check`), so every walk of a sound tree ends within that many steps.

Walks do not trust the table to be sound, though (a row edited by hand, a restored
backup, a tree built before the rule): each carries a depth column and a loop guard.
- Up (`folder_chain`): the path walked so far rides along as text, and a folder already
  on it stops the walk; the depth column stops it after max_depth + 1 rows. A chain that
  stops before a root-level folder is reported as not `reaches_root`: the caller cannot
  prove it free of cycles, and refuses to attach anything below it.
- Down (`folder_subtree`): the start folder is never stepped onto again. Every folder has
  one parent, so a loop reachable downwards from S must pass through S (the first folder
  of the loop the walk meets has its parent on the loop, already walked, unless that
  parent is S); with S excluded, each folder is reached at most once, by its one path.
  The walk is bounded by the owner's folder count whatever the table holds.
- Up from many folders at once (`folders_with_ancestors`): UNION (not UNION ALL) keeps
  one row per folder id, so a loop adds nothing new and the walk ends; it is bounded by
  the owner's folder count. `folder_path_names` stops at a folder it has seen.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

from kosha.errors import FolderCycle, FolderTooDeep, NotFound
from storage.ids import parse_id
from storage.models import Folder

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Breadcrumb:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class FolderChain:
    """A folder and its ancestors, root-most first. `reaches_root`: the last step up found
    a folder at the root, so the chain is whole and holds no loop."""

    crumbs: list[Breadcrumb]
    reaches_root: bool

    @property
    def ids(self) -> list[uuid.UUID]:
        return [crumb.id for crumb in self.crumbs]

    @property
    def depth(self) -> int:
        """The folder's depth (a root-level folder is 1), when `reaches_root`."""
        return len(self.crumbs)


@dataclass(frozen=True)
class SubtreeRow:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    level: int  # 0 for the start folder, 1 for its children, ...


def max_depth() -> int:
    """How deep a folder may sit (KOSHA_MAX_FOLDER_DEPTH)."""
    return settings.KOSHA_MAX_FOLDER_DEPTH


def _table() -> str:
    return connection.ops.quote_name(Folder._meta.db_table)


def _db_uuid(value: uuid.UUID | str) -> uuid.UUID | str:
    # SQLite keeps UUIDs as 32 hex characters, PostgreSQL as uuid: let the field adapt.
    return Folder._meta.pk.get_db_prep_value(value, connection)


def _uuid(raw: object) -> uuid.UUID:
    """A non-null id column of a raw row (a primary key, an owner) as a UUID."""
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))


def _uuid_or_none(raw: object) -> uuid.UUID | None:
    return None if raw is None else _uuid(raw)


def folder_chain(*, owner_id: uuid.UUID, folder_id: uuid.UUID, live_only: bool = True) -> FolderChain:
    """The owner's folder and its ancestors, root-most first, in ONE recursive query of at
    most max_depth() + 1 rows. Empty crumbs when the folder is not the owner's (or, with
    live_only, is trashed). Locks nothing."""
    live = "AND deleted_at IS NULL" if live_only else ""
    sql = f"""
        WITH RECURSIVE chain (id, parent_id, name, depth, walked) AS (
            SELECT id, parent_id, name, 0, '/' || CAST(id AS TEXT) || '/'
            FROM {_table()} WHERE id = %s AND owner_id = %s {live}
            UNION ALL
            SELECT folder.id, folder.parent_id, folder.name, chain.depth + 1,
                   chain.walked || CAST(folder.id AS TEXT) || '/'
            FROM {_table()} folder JOIN chain ON folder.id = chain.parent_id
            WHERE folder.owner_id = %s AND chain.depth < %s
              AND chain.walked NOT LIKE ('%%/' || CAST(folder.id AS TEXT) || '/%%')
        )
        SELECT id, parent_id, name FROM chain ORDER BY depth DESC
    """  # noqa: S608 - only the table name is interpolated, and it comes from the model
    owner = _db_uuid(owner_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_uuid(folder_id), owner, owner, max_depth()])
        rows = cursor.fetchall()
    crumbs = [Breadcrumb(id=_uuid(row_id), name=name) for row_id, _parent, name in rows]
    # rows[0] is the top of what was walked: whole only if it sits at the root.
    return FolderChain(crumbs=crumbs, reaches_root=bool(rows) and rows[0][1] is None)


def folder_ancestry(*, user: User, folder_id: object) -> list[Breadcrumb]:
    """The user's live folder and its ancestors, root-most first, in ONE query
    (folder_chain). NotFound for another user's, a trashed or a malformed folder."""
    parsed = parse_id(folder_id)
    crumbs = folder_chain(owner_id=user.pk, folder_id=parsed).crumbs if parsed is not None else []
    if not crumbs:
        raise NotFound("Folder not found.", resource="folder")
    return crumbs


def folders_with_ancestors(*, user: User, folder_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Folder]:
    """The given folders and all their ancestors, by id, in one recursive query (each
    folder once: see the module docstring)."""
    ids = [_db_uuid(folder_id) for folder_id in set(folder_ids) if folder_id is not None]
    if not ids:
        return {}
    table = _table()
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"WITH RECURSIVE ancestry(id) AS ("  # noqa: S608 - only placeholders are interpolated
        f" SELECT id FROM {table} WHERE owner_id = %s AND id IN ({placeholders})"
        f" UNION SELECT f.parent_id FROM {table} f JOIN ancestry a ON f.id = a.id"
        f" WHERE f.parent_id IS NOT NULL AND f.owner_id = %s"
        f") SELECT id, parent_id, name FROM {table} WHERE owner_id = %s AND id IN (SELECT id FROM ancestry)"
    )
    owner = _db_uuid(user.pk)
    return {folder.id: folder for folder in Folder.objects.raw(sql, [owner, *ids, owner, owner])}


def folder_path_names(*, folder_id: uuid.UUID | None, folders: dict[uuid.UUID, Folder]) -> list[str]:
    """Breadcrumb names from the root down to folder_id (inclusive), from a
    folders_with_ancestors map; stops at a folder already named (a loop)."""
    names: list[str] = []
    seen: set[uuid.UUID] = set()
    while folder_id is not None and folder_id in folders and folder_id not in seen:
        seen.add(folder_id)
        folder = folders[folder_id]
        names.append(folder.name)
        folder_id = folder.parent_id
    return names[::-1]


def folder_subtree(
    *, owner_id: uuid.UUID, folder_id: uuid.UUID, trash_batch: uuid.UUID | None = None
) -> list[SubtreeRow]:
    """The folder and the folders below it, in ONE recursive query: its live descendants,
    or with trash_batch those of that trash batch. Each folder once, whatever the table
    holds (see the module docstring). Locks nothing."""
    below = "folder.trash_batch = %s" if trash_batch is not None else "folder.deleted_at IS NULL"
    sql = f"""
        WITH RECURSIVE subtree (id, parent_id, name, level) AS (
            SELECT id, parent_id, name, 0 FROM {_table()} WHERE id = %s AND owner_id = %s
            UNION ALL
            SELECT folder.id, folder.parent_id, folder.name, subtree.level + 1
            FROM {_table()} folder JOIN subtree ON folder.parent_id = subtree.id
            WHERE folder.owner_id = %s AND folder.id <> %s AND {below}
        )
        SELECT id, parent_id, name, level FROM subtree
    """  # noqa: S608 - only the table name and fixed conditions are interpolated
    owner, start = _db_uuid(owner_id), _db_uuid(folder_id)
    params = [start, owner, owner, start]
    if trash_batch is not None:
        params.append(Folder._meta.get_field("trash_batch").get_db_prep_value(trash_batch, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        SubtreeRow(id=_uuid(row_id), parent_id=_uuid_or_none(parent_id), name=name, level=level)
        for row_id, parent_id, name, level in rows
    ]


def subtree_levels(rows: list[SubtreeRow]) -> int:
    """How many levels a subtree spans: 1 for a folder without subfolders."""
    return 1 + max((row.level for row in rows), default=0)


def depth_check(*, parent_depth: int, levels: int, field: str = "parent") -> None:
    """Refuse to put a subtree of `levels` levels under a folder of depth `parent_depth`
    (0: the root) when its deepest folder would pass max_depth(). Raises FolderTooDeep
    (with max_depth)."""
    limit = max_depth()
    if parent_depth + levels > limit:
        raise FolderTooDeep(
            f"Folders can be nested at most {limit} deep; this would make {parent_depth + levels}.",
            field=field,
            max_depth=limit,
        )


def chain_for_attaching(
    *, owner_id: uuid.UUID, folder_id: uuid.UUID, moving_id: uuid.UUID | None = None
) -> FolderChain:
    """The chain of a folder about to receive a child (a new folder, a moved or a restored
    one). Raises FolderCycle when `moving_id` is on it (a move into itself or its own
    subtree) or when the chain does not reach the root (a loop above the target:
    attaching below it could close a loop no walk would see), FolderTooDeep when the
    chain is past the rule (a tree built before it)."""
    chain = folder_chain(owner_id=owner_id, folder_id=folder_id)
    if moving_id is not None and moving_id in chain.ids:
        raise FolderCycle(field="parent")
    if chain.crumbs and not chain.reaches_root:
        if chain.depth > max_depth():
            depth_check(parent_depth=chain.depth, levels=1)
        raise FolderCycle(
            "The folders above this one loop back on themselves; move it to the root first.", field="parent"
        )
    return chain


@dataclass(frozen=True)
class SharedSubtreeRow:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    owner_id: uuid.UUID
    root_id: uuid.UUID  # the start folder this one was reached from
    level: int  # 0 for a start folder


def folder_subtrees(*, folder_ids: Iterable[uuid.UUID]) -> list[SharedSubtreeRow]:
    """The given live folders (of any owners) and the live folders below each, in ONE
    recursive query; a walk stops at another of the given folders, so each folder comes
    once, from the nearest start above it. For what is shared with a person (the starts
    are the shared folders). Cannot loop: a walk down can only meet a loop through its
    own start (see the module docstring), and no walk steps onto a start. Locks nothing."""
    starts = [_db_uuid(folder_id) for folder_id in set(folder_ids) if folder_id is not None]
    if not starts:
        return []
    placeholders = ", ".join(["%s"] * len(starts))
    sql = f"""
        WITH RECURSIVE subtree (id, parent_id, name, owner_id, root_id, level) AS (
            SELECT id, parent_id, name, owner_id, id, 0 FROM {_table()}
            WHERE id IN ({placeholders}) AND deleted_at IS NULL
            UNION ALL
            SELECT folder.id, folder.parent_id, folder.name, folder.owner_id, subtree.root_id, subtree.level + 1
            FROM {_table()} folder JOIN subtree ON folder.parent_id = subtree.id
            WHERE folder.deleted_at IS NULL AND folder.owner_id = subtree.owner_id
              AND folder.id NOT IN ({placeholders})
        )
        SELECT id, parent_id, name, owner_id, root_id, level FROM subtree
    """  # noqa: S608 - only the table name and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*starts, *starts])
        rows = cursor.fetchall()
    return [
        SharedSubtreeRow(
            id=_uuid(row_id),
            parent_id=_uuid_or_none(parent_id),
            name=name,
            owner_id=_uuid(owner_id),
            root_id=_uuid(root_id),
            level=level,
        )
        for row_id, parent_id, name, owner_id, root_id, level in rows
    ]
