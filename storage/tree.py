"""Reads of the folder tree, each one recursive query (a CTE that runs on SQLite and
PostgreSQL): a folder's ancestry (breadcrumbs, cycle checks, access through a shared
ancestor), the ancestors of many folders at once (search result paths, archive entries),
and a folder's subtree (search within a folder, archives).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from kosha.errors import NotFound
from storage.ids import parse_id
from storage.models import Folder

# A guard against a corrupted parent chain (a cycle) looping the recursive query forever.
MAX_DEPTH = 1000


@dataclass(frozen=True)
class Breadcrumb:
    id: uuid.UUID
    name: str


def _db_uuid(value: Any) -> Any:
    """A UUID as this database stores it (uuid on PostgreSQL, 32 hex characters on SQLite)."""
    return Folder._meta.pk.get_db_prep_value(value, connection)


def folder_ancestry(*, user, folder_id) -> list[Breadcrumb]:
    """The user's live folder and its ancestors, root-most first, in ONE query (a
    recursive CTE that runs on SQLite and PostgreSQL). NotFound for another user's,
    a trashed or a malformed folder."""
    parsed = parse_id(folder_id)
    if parsed is None:
        raise NotFound("Folder not found.", resource="folder")
    table = connection.ops.quote_name(Folder._meta.db_table)
    sql = f"""
        WITH RECURSIVE chain (id, parent_id, name, depth) AS (
            SELECT id, parent_id, name, 0 FROM {table}
            WHERE id = %s AND owner_id = %s AND deleted_at IS NULL
            UNION ALL
            SELECT folder.id, folder.parent_id, folder.name, chain.depth + 1
            FROM {table} folder JOIN chain ON folder.id = chain.parent_id
            WHERE chain.depth < %s
        )
        SELECT id, name FROM chain ORDER BY depth DESC
    """  # noqa: S608 - only the table name is interpolated, and it comes from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_uuid(parsed), _db_uuid(user.pk), MAX_DEPTH])
        rows = cursor.fetchall()
    if not rows:
        raise NotFound("Folder not found.", resource="folder")
    return [Breadcrumb(id=uuid.UUID(str(row_id)), name=name) for row_id, name in rows]


def folders_with_ancestors(*, user, folder_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Folder]:
    """The given folders and all their ancestors, by id, in one recursive query."""
    ids = [_db_uuid(folder_id) for folder_id in set(folder_ids) if folder_id is not None]
    if not ids:
        return {}
    table = connection.ops.quote_name(Folder._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"WITH RECURSIVE ancestry(id) AS ("  # noqa: S608 - only placeholders are interpolated
        f" SELECT id FROM {table} WHERE owner_id = %s AND id IN ({placeholders})"
        f" UNION SELECT f.parent_id FROM {table} f JOIN ancestry a ON f.id = a.id WHERE f.parent_id IS NOT NULL"
        f") SELECT id, parent_id, name FROM {table} WHERE owner_id = %s AND id IN (SELECT id FROM ancestry)"
    )
    owner = _db_uuid(user.pk)
    return {folder.id: folder for folder in Folder.objects.raw(sql, [owner, *ids, owner])}


def folder_path_names(*, folder_id: uuid.UUID | None, folders: dict[uuid.UUID, Folder]) -> list[str]:
    """Breadcrumb names from the root down to folder_id (inclusive), from a folders_with_ancestors map."""
    names: list[str] = []
    seen: set[uuid.UUID] = set()
    while folder_id is not None and folder_id in folders and folder_id not in seen:
        seen.add(folder_id)
        folder = folders[folder_id]
        names.append(folder.name)
        folder_id = folder.parent_id
    return names[::-1]


def folder_subtree(*, user, folder: Folder) -> dict[uuid.UUID, Folder]:
    """folder and every live folder below it, by id, in one recursive query."""
    table = connection.ops.quote_name(Folder._meta.db_table)
    sql = (
        f"WITH RECURSIVE subtree(id) AS ("  # noqa: S608 - only placeholders are interpolated
        f" SELECT id FROM {table} WHERE owner_id = %s AND id = %s"
        f" UNION SELECT f.id FROM {table} f JOIN subtree s ON f.parent_id = s.id"
        f" WHERE f.owner_id = %s AND f.deleted_at IS NULL"
        f") SELECT id, parent_id, name FROM {table} WHERE id IN (SELECT id FROM subtree)"
    )
    owner = _db_uuid(user.pk)
    return {row.id: row for row in Folder.objects.raw(sql, [owner, _db_uuid(folder.pk), owner])}
