"""The one access rule of Kosha: who may see or change an item, and through what.

A user reaches an item as its owner, or through a Share on the item or on any folder
above it; the nearest grant wins (a viewer share on a subfolder inside an editor share
narrows it, and the other way round). A public link reaches its own file, or its folder
and everything under it, while it is live. Every request asks again, so revoking a
share or a link, or changing a role, takes effect on the next request.

The getters raise NotFound both for an item that does not exist and for one the user may
not reach with the access asked for: a viewer asking to edit gets the same 404 as a
stranger, so the API has one answer for "not yours to do" and leaks nothing.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils import timezone

from kosha.errors import NotFound
from sharing.models import Share, ShareLink
from storage.ids import parse_id
from storage.models import File, Folder
from storage.tree import folder_ancestry


class Role(enum.IntEnum):
    VIEWER = 1
    EDITOR = 2
    OWNER = 3

    @property
    def label(self) -> str:
        return self.name.lower()


_SHARE_ROLES = {Share.Role.VIEWER: Role.VIEWER, Share.Role.EDITOR: Role.EDITOR}
NEEDS = {"view": Role.VIEWER, "edit": Role.EDITOR}


@dataclass(frozen=True)
class Grant:
    role: Role
    # The shared item the access comes through (None for the owner): the top of what the
    # grantee may see, so breadcrumbs and moves stop there.
    root_id: uuid.UUID | None
    root_is_folder: bool


def folder_chain_ids(item: File | Folder) -> list[uuid.UUID]:
    """The live folders holding item (a folder holds itself), nearest first, in ONE
    recursive query (storage.tree.folder_ancestry, scoped to the item's owner)."""
    folder_id = item.pk if isinstance(item, Folder) else item.folder_id
    if folder_id is None:
        return []
    # folder_ancestry reads only the owner's pk: no need to load the owner row.
    crumbs = folder_ancestry(user=SimpleNamespace(pk=item.owner_id), folder_id=folder_id)
    return [crumb.id for crumb in reversed(crumbs)]


def grant_for_user(*, user, item: File | Folder) -> Grant | None:
    """How user reaches item: owner, the nearest share on it or above it, or None."""
    if user is None or not user.is_authenticated:
        return None
    if item.owner_id == user.pk:
        return Grant(role=Role.OWNER, root_id=None, root_is_folder=False)
    chain = folder_chain_ids(item)
    shares = Share.objects.filter(grantee=user, owner_id=item.owner_id)
    if isinstance(item, File):
        shares = shares.filter(file=item) | shares.filter(folder_id__in=chain)
    else:
        shares = shares.filter(folder_id__in=chain)
    found = list(shares.values_list("file_id", "folder_id", "role"))
    if not found:
        return None
    # Nearest wins: a share on the file itself, then the folders from the item upwards.
    distance = {folder_id: position + 1 for position, folder_id in enumerate(chain)}
    file_id, folder_id, role = min(found, key=lambda row: 0 if row[0] else distance[row[1]])
    return Grant(role=_SHARE_ROLES[role], root_id=file_id or folder_id, root_is_folder=file_id is None)


def access_for_user(*, user, item: File | Folder) -> Role | None:
    """Role.OWNER, the role of the nearest share on item or a folder above it, or None."""
    grant = grant_for_user(user=user, item=item)
    return grant.role if grant else None


def link_is_live(link: ShareLink, *, now=None) -> bool:
    return link.revoked_at is None and not link.is_expired(now) and not link.is_exhausted


def access_for_link(*, link: ShareLink, item: File | Folder) -> Role | None:
    """Role.VIEWER when the live link reaches item (its own file, or its folder and
    anything under it), else None. A drop link reaches nothing: droppers only add."""
    if not link_is_live(link, now=timezone.now()) or link.is_drop or item.owner_id != link.owner_id:
        return None
    if getattr(item, "deleted_at", None) is not None:
        return None
    if link.file_id is not None:
        return Role.VIEWER if isinstance(item, File) and item.pk == link.file_id else None
    return Role.VIEWER if link.folder_id in folder_chain_ids(item) else None


def _allowed(grant: Grant | None, need: str) -> bool:
    return grant is not None and grant.role >= NEEDS[need]


def file_get_for_access(*, user, file_id, need: str = "view") -> File:
    """A live file the user may `need` ("view" or "edit"), with `.grant` set.
    NotFound otherwise, the same as for a file that does not exist."""
    parsed = parse_id(file_id)
    file = (
        File.objects.select_related("current_version", "owner").filter(pk=parsed, deleted_at__isnull=True).first()
        if parsed
        else None
    )
    grant = grant_for_user(user=user, item=file) if file else None
    if not _allowed(grant, need):
        raise NotFound("File not found.", resource="file")
    file.grant = grant
    return file


def folder_get_for_access(*, user, folder_id, need: str = "view") -> Folder:
    """A live folder the user may `need` ("view" or "edit"), with `.grant` set.
    NotFound otherwise, the same as for a folder that does not exist."""
    parsed = parse_id(folder_id)
    folder = (
        Folder.objects.select_related("owner").filter(pk=parsed, deleted_at__isnull=True).first() if parsed else None
    )
    grant = grant_for_user(user=user, item=folder) if folder else None
    if not _allowed(grant, need):
        raise NotFound("Folder not found.", resource="folder")
    folder.grant = grant
    return folder


def file_get_for_link(*, link: ShareLink, file_id) -> File:
    parsed = parse_id(file_id)
    file = (
        File.objects.select_related("current_version", "owner").filter(pk=parsed, deleted_at__isnull=True).first()
        if parsed
        else None
    )
    if file is None or access_for_link(link=link, item=file) is None:
        raise NotFound("File not found.", resource="file")
    return file


def folder_get_for_link(*, link: ShareLink, folder_id) -> Folder:
    parsed = parse_id(folder_id)
    folder = (
        Folder.objects.select_related("owner").filter(pk=parsed, deleted_at__isnull=True).first() if parsed else None
    )
    if folder is None or access_for_link(link=link, item=folder) is None:
        raise NotFound("Folder not found.", resource="folder")
    return folder
