"""Public links: whether a link works now, and what it reaches. (See sharing/access/__init__.py.)"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import datetime

from django.utils import timezone

from kosha.errors import NotFound
from sharing.access.items import _live_file, _live_folder
from sharing.access.rule import Grant, Role, _file_not_found, _folder_not_found, _Item, folder_chain_ids
from sharing.models import ShareLink
from storage.ids import parse_id
from storage.models import File, Folder, FolderArchive, UploadSession
from storage.places import Place


class LinkState(enum.StrEnum):
    """Whether a link opens now, and if not, the first reason why (in this order: the
    owner turned it off, it expired, its downloads are used up, its item is in the trash)."""

    LIVE = "live"
    REVOKED = "revoked"
    EXPIRED = "expired"
    LIMIT_REACHED = "limit_reached"
    IN_TRASH = "in_trash"

    @property
    def label(self) -> str:
        return _LINK_STATE_LABELS[self]


_LINK_STATE_LABELS = {
    LinkState.LIVE: "Live",
    LinkState.REVOKED: "Turned off",
    LinkState.EXPIRED: "Expired",
    LinkState.LIMIT_REACHED: "Download limit reached",
    LinkState.IN_TRASH: "Item in trash",
}


def link_state(link: ShareLink, *, now: datetime | None = None) -> LinkState:
    """Whether link opens at `now` (default: the current time), or why not: the one
    answer the API's list, the share dialog and the Shared by me page show. Load
    link.file / link.folder with the link (select_related), or this reads them: an item
    in the trash (trashed itself or inside a trashed folder: both carry deleted_at)
    stops its links until it is restored. Raises nothing; locks nothing."""
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if link.is_expired(now):
        return LinkState.EXPIRED
    if link.is_exhausted:
        return LinkState.LIMIT_REACHED
    if link.item.deleted_at is not None:
        return LinkState.IN_TRASH
    return LinkState.LIVE


def link_is_live(link: ShareLink, *, now: datetime | None = None) -> bool:
    """Whether link opens now (link_state is LIVE)."""
    return link_state(link, now=now) is LinkState.LIVE


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


def _link_grant(link: ShareLink) -> Grant:
    return Grant(role=Role.VIEWER, root_id=link.file_id or link.folder_id, root_is_folder=link.file_id is None)


def _reached(item: _Item | None, *, link: ShareLink, not_found: NotFound) -> _Item:
    # The link's counterpart of rule._checked: the item with `.grant`, or not_found.
    if item is None or access_for_link(link=link, item=item) is None:
        raise not_found
    item.grant = _link_grant(link)
    return item


def file_for_link(*, link: ShareLink, file_id: object) -> File:
    """A live file the live link reaches, with `.grant` (viewer, from the link's item).
    NotFound otherwise."""
    return _reached(_live_file(file_id), link=link, not_found=_file_not_found())


def folder_for_link(*, link: ShareLink, folder_id: object) -> Folder:
    """A live folder the live link reaches, with `.grant`. NotFound otherwise."""
    return _reached(_live_folder(folder_id), link=link, not_found=_folder_not_found())


def archive_for_link(*, link: ShareLink, archive_id: object) -> FolderArchive:
    """A zip of a folder the live link reaches (asked for through "Download all"). NotFound
    for an unknown or malformed id, a zip of a selection, or of a folder outside the link."""
    parsed = parse_id(archive_id)
    archive = FolderArchive.objects.select_related("folder").filter(pk=parsed).first() if parsed else None
    folder = archive.folder if archive is not None and not archive.selection else None
    if (
        archive is None
        or folder is None
        or folder.deleted_at is not None
        or access_for_link(link=link, item=folder) is None
    ):
        raise NotFound("Archive not found.", resource="archive")
    return archive


def drop_place_for_link(*, link: ShareLink) -> Place:
    """Where a drop link's uploads land: its folder, in its owner's space. NotFound for
    a link that is not a drop (or whose folder is gone)."""
    if not link.is_drop or link.folder is None or link.folder.deleted_at is not None:
        raise NotFound()
    return Place(owner=link.owner, folder=link.folder)


def upload_for_link(*, link: ShareLink, upload_id: object, started_here: Collection[str]) -> UploadSession:
    """A session this browser started through this drop link (`started_here`: the ids
    its session remembers); any other is NotFound, so a dropper reaches nothing of the
    owner's but their own uploads."""
    if not link.is_drop:
        raise NotFound()
    parsed = parse_id(upload_id)
    not_found = NotFound("Upload not found.", resource="upload")
    if parsed is None or str(parsed) not in started_here:
        raise not_found
    upload = (
        UploadSession.objects.select_related("owner")
        .filter(pk=parsed, owner_id=link.owner_id, folder=link.folder_id, created_by__isnull=True)
        .first()
    )
    if upload is None:
        raise not_found
    return upload
