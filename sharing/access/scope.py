"""Everything shared with a person, at once (search, the trash). (See sharing/access/__init__.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from sharing.access.rule import _SHARE_ROLES, Grant
from sharing.models import Share
from storage.tree import folder_subtrees

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class SharedFolder:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    owner_id: uuid.UUID
    grant: Grant


@dataclass(frozen=True)
class SharedScope:
    """Every live folder a person reaches through shares (with the nearest grant), and the
    files shared with them directly. From two queries, whatever the page."""

    folders: dict[uuid.UUID, SharedFolder]
    files: dict[uuid.UUID, Grant]
    owners: dict[uuid.UUID, User]  # owner id -> User, for every share

    def folder_grant(self, folder_id: uuid.UUID | None) -> Grant | None:
        found = self.folders.get(folder_id) if folder_id is not None else None
        return found.grant if found else None

    def file_grant(self, *, file_id: uuid.UUID, folder_id: uuid.UUID | None) -> Grant | None:
        """A file's grant: a share on the file itself, else its folder's."""
        return self.files.get(file_id) or self.folder_grant(folder_id)

    def path_names(self, folder_id: uuid.UUID | None) -> list[str]:
        """Names from the shared folder down to folder_id (inclusive): never a folder of
        the owner's above what is shared."""
        names: list[str] = []
        seen: set[uuid.UUID] = set()
        while folder_id is not None and folder_id in self.folders and folder_id not in seen:
            seen.add(folder_id)
            found = self.folders[folder_id]
            names.append(found.name)
            if found.grant.root_id == found.id:
                break
            folder_id = found.parent_id
        return names[::-1]


def shared_scope_for_actor(*, actor: User, roles: Iterable[str] | None = None) -> SharedScope:
    """What is shared with actor (a User), optionally only through shares of `roles`
    ("viewer", "editor"): 1. the shares of live items with their owners; 2. if any
    shares folders, one recursive query for the live folders under them. Locks nothing."""
    shares = (
        Share.objects.filter(grantee=actor)
        .filter(
            Q(file__deleted_at__isnull=True, file__isnull=False)
            | Q(folder__deleted_at__isnull=True, folder__isnull=False)
        )
        .select_related("owner")
    )
    if roles is not None:
        shares = shares.filter(role__in=list(roles))
    folder_grants: dict[uuid.UUID, Grant] = {}
    files: dict[uuid.UUID, Grant] = {}
    owners: dict[uuid.UUID, User] = {}
    for share in shares:
        owners[share.owner_id] = share.owner
        grant = Grant(
            role=_SHARE_ROLES[share.role],
            root_id=share.file_id or share.folder_id,
            root_is_folder=share.file_id is None,
        )
        if share.file_id is not None:
            files[share.file_id] = grant
        else:
            assert share.folder_id is not None  # sharing_share_one_item: a file or a folder
            folder_grants[share.folder_id] = grant
    folders: dict[uuid.UUID, SharedFolder] = {}
    if folder_grants:
        for row in folder_subtrees(folder_ids=list(folder_grants)):
            folders[row.id] = SharedFolder(
                id=row.id,
                parent_id=row.parent_id,
                name=row.name,
                owner_id=row.owner_id,
                grant=folder_grants[row.root_id],
            )
    return SharedScope(folders=folders, files=files, owners=owners)
