"""Search over what a person can see: their own space and what is shared with them.

Results name whose item it is and the searcher's role on it. The path of a shared item
starts at the shared folder: the owner's folders above it are not the searcher's to see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kosha.pages import Page
from sharing.access import OWNER_GRANT, Grant, SharedScope, shared_scope_for_actor
from storage.models import File, Folder
from storage.search import SearchArea, SearchHit, search_ranked, search_request_clean
from storage.tree import folder_path_names, folder_subtree, folders_with_ancestors

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "file" or "folder"
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None  # the containing folder (None: the root)
    path: list[str]  # names of the containing folders the searcher may see, top first
    size_bytes: int | None
    content_type: str | None
    modified: dt.datetime
    score: float
    owner: object  # the User whose space it is in
    role: str  # "owner", "editor" or "viewer"


SearchPage = Page[SearchResult]


def search_for_actor(
    *,
    actor: User,
    # Raw request values: search_request_clean checks them (InvalidInput otherwise).
    query: Any,
    kind: Any = None,
    modified_after: Any = None,
    modified_before: Any = None,
    min_size: Any = None,
    max_size: Any = None,
    folder: Folder | None = None,
    cursor: Any = None,
    limit: Any = None,
) -> SearchPage:
    """The live files and folders actor may see whose names match query, best first, a
    page at a time: their own space and everything shared with them, or only `folder`'s
    subtree (a folder the door got through sharing.access with VIEW). Takes the raw
    request values and raises InvalidInput (with `field`) for a bad one. Queries: the
    shares and the folders under them (2; none for a folder of one's own), the subtree
    of `folder` (1), two per area searched (the own space, what is shared), the own
    results' folder paths (1). Locks nothing."""
    request = search_request_clean(
        query=query,
        kind=kind,
        modified_after=modified_after,
        modified_before=modified_before,
        min_size=min_size,
        max_size=max_size,
        limit=limit,
    )
    owned_folder = folder is not None and folder.owner_id == actor.pk
    scope = SharedScope(folders={}, files={}, owners={}) if owned_folder else shared_scope_for_actor(actor=actor)
    if folder is not None:
        below = [row.id for row in folder_subtree(owner_id=folder.owner_id, folder_id=folder.pk)]
        areas = [
            SearchArea(
                files=Q(owner_id=folder.owner_id, folder_id__in=below),
                folders=Q(owner_id=folder.owner_id, parent_id__in=below),
            )
        ]
    else:
        areas = [SearchArea(files=Q(owner=actor), folders=Q(owner=actor))]
        if scope.folders or scope.files:
            owners = list(scope.owners)
            shared_folders = list(scope.folders)
            areas.append(
                SearchArea(
                    files=Q(owner_id__in=owners) & (Q(folder_id__in=shared_folders) | Q(pk__in=list(scope.files))),
                    folders=Q(owner_id__in=owners, pk__in=shared_folders),
                )
            )
    hits, next_cursor = search_ranked(
        request=request, areas=areas, cursor=cursor, scope=(actor.pk, folder.pk if folder else None)
    )
    own_parents = [hit.parent_id for hit in hits if hit.item.owner_id == actor.pk]
    ancestry = folders_with_ancestors(user=actor, folder_ids=own_parents)
    items = []
    for hit in hits:
        item = hit.item
        grant: Grant | None
        owner: User | None
        if item.owner_id == actor.pk:
            grant, path, owner = OWNER_GRANT, folder_path_names(folder_id=hit.parent_id, folders=ancestry), actor
        else:
            grant = _grant_of(scope, hit)
            path = _shared_path(scope, hit)
            owner = scope.owners.get(item.owner_id) or (folder.owner if folder is not None else None)
        items.append(
            SearchResult(
                kind=hit.kind,
                id=item.pk,
                name=item.name,
                parent_id=hit.parent_id,
                path=path,
                size_bytes=item.size_bytes if isinstance(item, File) else None,
                content_type=item.content_type if isinstance(item, File) else None,
                modified=item.updated_at,
                score=hit.score,
                owner=owner,
                role=grant.role.label if grant else "viewer",
            )
        )
    return SearchPage(items=items, next_cursor=next_cursor)


def _grant_of(scope: SharedScope, hit: SearchHit) -> Grant | None:
    if isinstance(hit.item, File):  # hit.kind == "file"
        return scope.file_grant(file_id=hit.item.pk, folder_id=hit.item.folder_id)
    return scope.folder_grant(hit.item.pk)


def _shared_path(scope: SharedScope, hit: SearchHit) -> list[str]:
    """The folders above a shared item, from the shared folder down. A folder that is
    itself a shared root, and a file shared on its own, show no path."""
    if hit.kind == "file":
        if hit.item.pk in scope.files:
            return []
        return scope.path_names(hit.parent_id)
    found = scope.folders.get(hit.item.pk)
    if found is None or found.grant.root_id == found.id:
        return []
    return scope.path_names(hit.parent_id)
