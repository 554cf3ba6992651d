"""Reads of a folder's contents: the keyset-paginated listing with its breadcrumbs.

A listing page costs a constant number of queries however big the folder is: one for
the breadcrumbs (which is also the access check), at most one for folders and at most
one for files. Pages are cut with keyset conditions on (sort key, id), never OFFSET,
so each query walks one of the partial indexes in storage/models.py from where the
previous page stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kosha.errors import InvalidInput
from storage.cursors import PHASE_FILES, PHASE_FOLDERS, Cursor, cursor_decode, cursor_encode
from storage.models import File, FileVersion, Folder
from storage.tree import Breadcrumb, folder_ancestry

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

# Sort name -> (folder keys, file keys); "id" is appended to both as the tiebreak. Folders
# have no size or type, so those sorts order folders by name in the same direction. Each
# key list matches an index: storage_folder_by_name / _by_modified, storage_file_by_name
# / _by_modified / _by_size / _by_type.
SORTS: dict[str, tuple[list[str], list[str]]] = {
    "name": (["name"], ["name"]),
    "modified": (["updated_at"], ["updated_at"]),
    "size": (["name"], ["size_bytes"]),
    "type": (["name"], ["content_type", "name"]),
}
SORT_CHOICES = [prefix + sort for sort in SORTS for prefix in ("", "-")]


@dataclass(frozen=True)
class ListingPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    breadcrumbs: list[Breadcrumb]


def _clean_sort(raw) -> tuple[str, bool]:
    if raw in (None, ""):
        return "name", False
    if raw not in SORT_CHOICES:
        raise InvalidInput(f"sort must be one of {', '.join(SORT_CHOICES)}.", field="sort")
    return raw.lstrip("-"), raw.startswith("-")


def _clean_limit(raw) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput("limit must be a whole number.", field="limit") from None
    if limit < 1:
        raise InvalidInput("limit must be at least 1.", field="limit")
    return min(limit, MAX_LIMIT)


def _after(keys: list[str], values: tuple[Any, ...], *, descending: bool) -> Q:
    """Rows strictly after `values` in (keys) order. The leading `>=` repeats the first
    disjunct in a form the index can seek to; the OR chain then cuts exactly."""
    op = "lt" if descending else "gt"
    seek = Q(**{f"{keys[0]}__{op}e": values[0]})
    strictly_after = Q()
    for position, key in enumerate(keys):
        equal_before = {earlier: value for earlier, value in zip(keys[:position], values[:position], strict=True)}
        strictly_after |= Q(**equal_before, **{f"{key}__{op}": values[position]})
    return seek & strictly_after


def _ordered(queryset: QuerySet, keys: list[str], *, descending: bool) -> QuerySet:
    return queryset.order_by(*[f"-{key}" if descending else key for key in keys])


def _folder_rows(*, user, parent_id, keys, descending, after, limit) -> list[dict[str, Any]]:
    queryset = Folder.objects.filter(owner=user, parent_id=parent_id, deleted_at__isnull=True)
    if after is not None:
        queryset = queryset.filter(_after(keys, after, descending=descending))
    return list(_ordered(queryset, keys, descending=descending).values("id", "name", "updated_at")[:limit])


def _file_rows(*, user, folder_id, keys, descending, after, limit) -> list[dict[str, Any]]:
    version_count = (
        FileVersion.objects.filter(file_id=OuterRef("pk"))
        .order_by()
        .values("file_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = File.objects.filter(owner=user, folder_id=folder_id, deleted_at__isnull=True)
    if after is not None:
        queryset = queryset.filter(_after(keys, after, descending=descending))
    queryset = queryset.annotate(
        # A correlated subquery per row in the same query, not a query per file.
        version_count=Coalesce(Subquery(version_count, output_field=IntegerField()), Value(0)),
        thumbnail_key=F("current_version__thumbnail_key"),
    )
    return list(
        _ordered(queryset, keys, descending=descending).values(
            "id", "name", "size_bytes", "content_type", "updated_at", "version_count", "thumbnail_key"
        )[:limit]
    )


def _folder_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "folder",
        "id": row["id"],
        "name": row["name"],
        "size": None,
        "content_type": None,
        "modified": row["updated_at"],
        "version_count": None,
        "thumbnail_url": None,
        "shared": False,
    }


def _file_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "file",
        "id": row["id"],
        "name": row["name"],
        "size": row["size_bytes"],
        "content_type": row["content_type"],
        "modified": row["updated_at"],
        "version_count": row["version_count"],
        # Served by the thumbnail endpoint, which checks access and redirects to the store.
        "thumbnail_url": f"/api/v1/files/{row['id']}/thumbnail/" if row["thumbnail_key"] else None,
        "shared": False,
    }


def _key_values(row: dict[str, Any], keys: list[str]) -> tuple[Any, ...]:
    return tuple(row[key] for key in keys)


def folder_items_list_for_user(*, user, folder_id, sort=None, cursor=None, limit=None) -> ListingPage:
    """One page of a folder's live children (folder_id "root" or None is the user's
    root): every folder before any file, each group in the chosen sort, then by id.
    Raises NotFound (another user's, trashed or malformed folder) and InvalidInput
    (sort, limit, or a tampered, malformed or foreign cursor)."""
    sort_name, descending = _clean_sort(sort)
    limit = _clean_limit(limit)
    folder_keys = [*SORTS[sort_name][0], "id"]
    file_keys = [*SORTS[sort_name][1], "id"]

    is_root = folder_id in (None, "", "root")
    breadcrumbs = [] if is_root else folder_ancestry(user=user, folder_id=folder_id)
    parent_id = None if is_root else breadcrumbs[-1].id
    # A cursor is good for one user's listing of one folder in one sort, nothing else.
    scope = f"{user.pk}|{parent_id or 'root'}|{'-' if descending else ''}{sort_name}"

    position = (
        cursor_decode(cursor, scope=scope, key_count={PHASE_FOLDERS: len(folder_keys), PHASE_FILES: len(file_keys)})
        if cursor not in (None, "")
        else Cursor(scope=scope, phase=PHASE_FOLDERS, values=None)
    )

    items: list[dict[str, Any]] = []
    if position.phase == PHASE_FOLDERS:
        # One row more than asked says whether another page of folders follows.
        folders = _folder_rows(
            user=user,
            parent_id=parent_id,
            keys=folder_keys,
            descending=descending,
            after=position.values,
            limit=limit + 1,
        )
        if len(folders) > limit:
            folders = folders[:limit]
            next_position = Cursor(scope=scope, phase=PHASE_FOLDERS, values=_key_values(folders[-1], folder_keys))
            return ListingPage(
                items=[_folder_item(row) for row in folders],
                next_cursor=cursor_encode(next_position),
                breadcrumbs=breadcrumbs,
            )
        items = [_folder_item(row) for row in folders]
        files_after = None
    else:
        files_after = position.values

    room = limit - len(items)
    # With no room left this still reads one file, to know whether a files page follows.
    files = _file_rows(
        user=user,
        folder_id=parent_id,
        keys=file_keys,
        descending=descending,
        after=files_after,
        limit=room + 1,
    )
    next_cursor = None
    if room == 0:
        if files:
            next_cursor = cursor_encode(Cursor(scope=scope, phase=PHASE_FILES, values=None))
    else:
        if len(files) > room:
            files = files[:room]
            next_cursor = cursor_encode(
                Cursor(scope=scope, phase=PHASE_FILES, values=_key_values(files[-1], file_keys))
            )
        items.extend(_file_item(row) for row in files)
    return ListingPage(items=items, next_cursor=next_cursor, breadcrumbs=breadcrumbs)
