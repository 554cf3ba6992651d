"""Cross-folder views of what a person can see: "Recent" (files changed lately, by them or
by the people they share with) and "Starred" (the items they starred). Both cover their
own space and everything shared with them (sharing.access's SharedScope), newest first,
keyset-paginated, and give each item in the file browser's listing shape plus where it
is (`parent`), whose it is (`owner`) and the reader's role on it.

Queries, whatever the page size: the shares (1) and, when folders are shared, the
folders under them (1), then one for the page; Starred adds one for its files' rows.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset_page, limit_clean
from sharing.access import SharedScope, shared_scope_for_actor
from storage.listing import (
    FILE_ROW_FIELDS,
    file_item,
    file_rows_annotate,
    folder_item,
)
from storage.models import File, Folder, Star

if TYPE_CHECKING:
    from accounts.models import User


def _files_visible(*, actor: User, scope: SharedScope, prefix: str = "") -> Q:
    """Live files in actor's space or shared with actor (directly or through a folder)."""
    own = Q(**{f"{prefix}owner": actor})
    if scope.folders or scope.files:
        shared = Q(**{f"{prefix}owner_id__in": list(scope.owners)}) & (
            Q(**{f"{prefix}folder_id__in": list(scope.folders)}) | Q(**{f"{prefix}pk__in": list(scope.files)})
        )
        own |= shared
    return own & Q(**{f"{prefix}deleted_at__isnull": True})


def _folders_visible(*, actor: User, scope: SharedScope, prefix: str = "") -> Q:
    own = Q(**{f"{prefix}owner": actor})
    if scope.folders:
        own |= Q(**{f"{prefix}pk__in": list(scope.folders)})
    return own & Q(**{f"{prefix}deleted_at__isnull": True})


def _placed(
    item: dict[str, Any], *, actor: User, scope: SharedScope, owner_id: uuid.UUID, parent_id: uuid.UUID | None
) -> dict[str, Any]:
    """Add where the item is, whose it is and the reader's role on it."""
    owner: User | None
    if owner_id == actor.pk:
        owner, role = actor, "owner"
    else:
        owner = scope.owners.get(owner_id)
        grant = (
            scope.file_grant(file_id=item["id"], folder_id=parent_id)
            if item["kind"] == "file"
            else scope.folder_grant(item["id"])
        )
        role = grant.role.label if grant else "viewer"
        # A shared item's own folder above the share is not the reader's to open.
        if item["kind"] == "file" and item["id"] in scope.files and parent_id not in scope.folders:
            parent_id = None
        elif item["kind"] == "folder" and grant is not None and grant.root_id == item["id"]:
            parent_id = None
    return {**item, "parent": parent_id, "owner": owner.email if owner else "", "role": role}


def recent_for_actor(*, actor: User, cursor: str | None = None, limit: Any = None) -> Page[dict[str, Any]]:
    """The live files actor may see, most recently changed first (an upload, a new or
    restored version, a rename or a move bumps a file), by anyone: in actor's own space
    and in what is shared with them. Keyset on (updated_at, id) descending. Raises
    InvalidInput (limit) or InvalidCursor. Locks nothing."""
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    scope = shared_scope_for_actor(actor=actor)
    queryset = file_rows_annotate(File.objects.filter(_files_visible(actor=actor, scope=scope)), viewer=actor)
    page = keyset_page(
        queryset, keys=["updated_at"], descending=True, cursor=cursor, limit=limit, scope=f"sharing.recent:{actor.pk}"
    )
    items = [
        _placed(
            file_item({field: getattr(file, field) for field in FILE_ROW_FIELDS}),
            actor=actor,
            scope=scope,
            owner_id=file.owner_id,
            parent_id=file.folder_id,
        )
        for file in page.items
    ]
    return Page(items=items, next_cursor=page.next_cursor)


def starred_for_actor(*, actor: User, cursor: str | None = None, limit: Any = None) -> Page[dict[str, Any]]:
    """The items actor starred that they may still see (live, theirs or shared with
    them), most recently starred first. Keyset on the star's (created_at, id)
    descending. Raises InvalidInput (limit) or InvalidCursor. Locks nothing."""
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    scope = shared_scope_for_actor(actor=actor)
    visible = (Q(file__isnull=False) & _files_visible(actor=actor, scope=scope, prefix="file__")) | (
        Q(folder__isnull=False) & _folders_visible(actor=actor, scope=scope, prefix="folder__")
    )
    queryset = Star.objects.filter(user=actor).filter(visible).select_related("folder")
    page = keyset_page(
        queryset, keys=["created_at"], descending=True, cursor=cursor, limit=limit, scope=f"sharing.starred:{actor.pk}"
    )
    file_ids = [star.file_id for star in page.items if star.file_id is not None]
    files: dict[uuid.UUID, File] = {}
    if file_ids:
        rows = file_rows_annotate(File.objects.filter(pk__in=file_ids), viewer=actor)
        files = {file.pk: file for file in rows}
    items = []
    for star in page.items:
        if star.file_id is not None:
            file = files[star.file_id]
            row = {field: getattr(file, field) for field in FILE_ROW_FIELDS}
            items.append(
                _placed(file_item(row), actor=actor, scope=scope, owner_id=file.owner_id, parent_id=file.folder_id)
            )
        else:
            folder: Folder = star.folder
            row = {"id": folder.pk, "name": folder.name, "updated_at": folder.updated_at, "starred": True}
            items.append(
                _placed(
                    folder_item(row), actor=actor, scope=scope, owner_id=folder.owner_id, parent_id=folder.parent_id
                )
            )
    return Page(items=items, next_cursor=page.next_cursor)


__all__ = ["recent_for_actor", "starred_for_actor"]
