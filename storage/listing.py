"""Reads of a folder's contents: the keyset-paginated listing with its breadcrumbs.

A listing page costs a constant number of queries however big the folder is: one for
the breadcrumbs (which is also the access check), at most one for folders and at most
one for files. Pages are cut with keyset conditions on (sort key, id), never OFFSET,
so each query walks one of the partial indexes in storage/models.py from where the
previous page stopped.

The cursor has two phases, because folders are listed before files: it carries the phase
and the last row's key values in it (a bare phase starts that phase afresh), signed by
kosha.pages for one user's listing of one folder in one sort.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kosha.errors import InvalidInput, NotFound
from kosha.pages import Page, cursor_invalid, cursor_sign, cursor_unsign, limit_clean
from storage.listing_rows import db_id, keyset_parameters, rows_fetch, rows_query
from storage.models import FileVersion, Star
from storage.tree import Breadcrumb, folder_ancestry, folder_chain

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

# Sort name -> (folder keys, file keys); "id" is appended to both as the tiebreak. Folders
# have no size or type, so those sorts order folders by name in the same direction. Each
# key list matches an index: storage_folder_by_name / _by_modified, storage_file_by_name
# / _by_modified / _by_size / _by_type.
# "name_sort" is the name in the natural collation (storage/collation.py): case- and
# accent-insensitive, digits by number, still a total order for the keyset.
SORTS: dict[str, tuple[list[str], list[str]]] = {
    "name": (["name_sort"], ["name_sort"]),
    "modified": (["updated_at"], ["updated_at"]),
    "size": (["name_sort"], ["size_bytes"]),
    "type": (["name_sort"], ["content_type", "name_sort"]),
}
SORT_CHOICES = [prefix + sort for sort in SORTS for prefix in ("", "-")]
PHASE_FOLDERS = "folders"
PHASE_FILES = "files"


@dataclass(frozen=True)
class ListingPage(Page[dict[str, Any]]):
    breadcrumbs: list[Breadcrumb]


def _clean_sort(raw: object) -> tuple[str, bool]:
    if raw in (None, ""):
        return "name", False
    if not isinstance(raw, str) or raw not in SORT_CHOICES:
        raise InvalidInput(f"sort must be one of {', '.join(SORT_CHOICES)}.", field="sort")
    return raw.lstrip("-"), raw.startswith("-")


def _position(cursor: Any, *, scope: str, key_count: dict[str, int]) -> tuple[str, tuple[Any, ...] | None]:
    """The phase a cursor resumes and the last key values in it (None: from its start)."""
    if cursor in (None, ""):
        return PHASE_FOLDERS, None
    phase, *values = cursor_unsign(cursor, scope=scope) or [None]
    if phase not in key_count or len(values) not in (0, key_count[phase]):
        raise cursor_invalid()
    return phase, tuple(values) or None


def _starred(viewer: User | None, kind: str) -> Exists | Value:
    """Whether `viewer` starred the row, in the same query (a correlated EXISTS)."""
    if viewer is None:
        return Value(False, output_field=BooleanField())
    return Exists(Star.objects.filter(user=viewer, **{kind: OuterRef("pk")}))


def file_rows_annotate(queryset: QuerySet, *, viewer: User | None) -> QuerySet:
    """Files with what a listing row shows beyond the columns, in the same query:
    `version_count`, `thumbnail_key` and `starred` by viewer (None: never)."""
    version_count = (
        FileVersion.objects.filter(file_id=OuterRef("pk"))
        .order_by()
        .values("file_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        # A correlated subquery per row in the same query, not a query per file.
        version_count=Coalesce(Subquery(version_count, output_field=IntegerField()), Value(0)),
        thumbnail_key=F("current_version__thumbnail_key"),
        starred=_starred(viewer, "file"),
    )


FOLDER_ROW_FIELDS = ["id", "name", "updated_at", "starred"]
FILE_ROW_FIELDS = [
    "id",
    "name",
    "size_bytes",
    "content_type",
    "updated_at",
    "version_count",
    "thumbnail_key",
    "starred",
]


def _rows(
    *,
    files: bool,
    user: User,
    parent_id: uuid.UUID | None,
    keys: list[str],
    descending: bool,
    after: tuple[Any, ...] | None,
    limit: int,
    viewer: User | None = None,
    trash_batch: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` of the folder's child folders (or files) past `after`, in the
    listing's order, as row dicts (FOLDER_ROW_FIELDS / FILE_ROW_FIELDS and "name_sort"):
    one fixed statement of storage/listing_rows.py."""
    query = rows_query(
        files=files,
        keys=tuple(keys),
        descending=descending,
        after=after is not None,
        starred=viewer is not None,
        at_root=parent_id is None,
        in_trash=trash_batch is not None,
    )
    # In the order of the statement's placeholders (rows_query).
    parameters = [db_id(viewer.pk)] if viewer is not None else []
    parameters.append(db_id(user.pk))
    if parent_id is not None:
        parameters.append(db_id(parent_id))
    if trash_batch is not None:
        parameters.append(db_id(trash_batch))
    if after is not None:
        parameters.extend(keyset_parameters(query, after))
    parameters.append(limit)
    rows = rows_fetch(query, parameters)
    if viewer is None:
        for row in rows:
            row["starred"] = False
    return rows


def folder_item(row: dict[str, Any]) -> dict[str, Any]:
    """A listing item from a folder row (FOLDER_ROW_FIELDS)."""
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
        "starred": bool(row.get("starred")),
    }


def file_item(row: dict[str, Any]) -> dict[str, Any]:
    """A listing item from a file row (FILE_ROW_FIELDS)."""
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
        "starred": bool(row.get("starred")),
    }


def _cursor(phase: str, row: dict[str, Any] | None, keys: list[str], *, scope: str) -> str:
    return cursor_sign([phase, *(row[key] for key in keys)] if row is not None else [phase], scope=scope)


def folder_items_list_for_user(
    *,
    user: User,
    folder_id: uuid.UUID | str | None,
    sort: object = None,
    cursor: Any = None,
    limit: Any = None,
    viewer: User | None = None,
    trash_batch: uuid.UUID | None = None,
) -> ListingPage:
    """One page of a folder's live children (folder_id "root" or None is the user's
    root): every folder before any file, each group in the chosen sort, then by id.
    Each item's `starred` says whether `viewer` (who looks: the owner or a collaborator;
    None: nobody, e.g. a public link) starred it, in the same queries. With trash_batch,
    a trashed folder of that batch is listed with what was trashed with it (the trash
    view), and its breadcrumbs run from the owner's top down to it, trashed or not.
    Raises NotFound (another user's, trashed or malformed folder) and InvalidInput
    (sort, limit, or a tampered, malformed or foreign cursor)."""
    sort_name, descending = _clean_sort(sort)
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    folder_keys = [*SORTS[sort_name][0], "id"]
    file_keys = [*SORTS[sort_name][1], "id"]

    is_root = folder_id in (None, "", "root")
    if trash_batch is not None:
        assert isinstance(folder_id, uuid.UUID)  # the trash view lists a trashed folder by its pk
        breadcrumbs = folder_chain(owner_id=user.pk, folder_id=folder_id, live_only=False).crumbs
        if not breadcrumbs:
            raise NotFound("Folder not found.", resource="folder")
    else:
        breadcrumbs = [] if is_root else folder_ancestry(user=user, folder_id=folder_id)
    parent_id = None if is_root else breadcrumbs[-1].id
    # A cursor is good for one user's listing of one folder in one sort, nothing else.
    scope = f"storage.listing:{user.pk}:{parent_id or 'root'}:{'-' if descending else ''}{sort_name}"
    if trash_batch is not None:
        scope += f":trash:{trash_batch}"
    key_count = {PHASE_FOLDERS: len(folder_keys), PHASE_FILES: len(file_keys)}
    phase, after = _position(cursor, scope=scope, key_count=key_count)

    rows = partial(_rows, user=user, parent_id=parent_id, descending=descending, viewer=viewer, trash_batch=trash_batch)
    items: list[dict[str, Any]] = []
    if phase == PHASE_FOLDERS:
        # One row more than asked says whether another page of folders follows.
        folders = rows(files=False, keys=folder_keys, after=after, limit=limit + 1)
        if len(folders) > limit:
            folders = folders[:limit]
            return ListingPage(
                items=[folder_item(row) for row in folders],
                next_cursor=_cursor(PHASE_FOLDERS, folders[-1], folder_keys, scope=scope),
                breadcrumbs=breadcrumbs,
            )
        items = [folder_item(row) for row in folders]
        files_after = None
    else:
        files_after = after

    room = limit - len(items)
    # With no room left this still reads one file, to know whether a files page follows.
    files = rows(files=True, keys=file_keys, after=files_after, limit=room + 1)
    next_cursor = None
    if room == 0:
        if files:
            next_cursor = _cursor(PHASE_FILES, None, file_keys, scope=scope)
    else:
        if len(files) > room:
            files = files[:room]
            next_cursor = _cursor(PHASE_FILES, files[-1], file_keys, scope=scope)
        items.extend(file_item(row) for row in files)
    return ListingPage(items=items, next_cursor=next_cursor, breadcrumbs=breadcrumbs)
