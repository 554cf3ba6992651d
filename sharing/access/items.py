"""Items by id, for a person: every getter fetches and checks in one call. (See sharing/access/__init__.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from kosha.errors import InvalidInput, NotFound, OwnerOnly
from sharing.access.rule import (
    OWNER_GRANT,
    Grant,
    Need,
    Role,
    _checked,
    _file_not_found,
    _folder_not_found,
    grant_for_user,
)
from sharing.models import Invitation, Share, ShareLink
from storage.fixed_reads import live_folder_with_owner, sessions_with_places, upload_with_owner_and_folder
from storage.ids import parse_id
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession
from storage.places import Place

if TYPE_CHECKING:
    from sharing.access.rule import Actor


def _live_file(file_id: object) -> File | None:
    parsed = parse_id(file_id)
    if parsed is None:
        return None
    return File.objects.select_related("current_version", "owner").filter(pk=parsed, deleted_at__isnull=True).first()


def _live_folder(folder_id: object) -> Folder | None:
    parsed = parse_id(folder_id)
    if parsed is None:
        return None
    # Every folder request asks this: one fixed statement, not an ORM query compiled each time.
    return live_folder_with_owner(parsed)


def file_for_actor(*, actor: Actor, file_id: object, need: Need = Need.VIEW) -> File:
    """The live file `file_id` names, with `.grant` (and `.owner`, `.current_version`)
    set, when `actor` (a User, or None/anonymous) may `need` it. Raises NotFound (no such
    live file, or the actor cannot see it) or Forbidden (seen, but not this need).
    Locks nothing. One query for the owner (the file, its version and owner joined),
    three for anyone else (and the folder chain and the shares on it)."""
    return _checked(_live_file(file_id), actor=actor, need=need, not_found=_file_not_found())


def folder_for_actor(*, actor: Actor, folder_id: object, need: Need = Need.VIEW, field: str | None = None) -> Folder:
    """The live folder `folder_id` names, with `.grant` (and `.owner`) set, when actor
    may `need` it. `field` names the request field in the 404 (a move's target).
    Raises NotFound or Forbidden as file_for_actor. Locks nothing."""
    return _checked(_live_folder(folder_id), actor=actor, need=need, not_found=_folder_not_found(field))


def is_root(folder_id: object) -> bool:
    """Whether a request's folder value names the root of one's own space."""
    return folder_id is None or folder_id in ("", "root")


def place_for_actor(*, actor: Actor, folder_id: object, need: Need = Need.EDIT, field: str | None = None) -> Place:
    """Where actor may put something: None, "" or "root" is the root of the actor's own
    space; a folder id is that folder (in whoever's space it is) when actor may `need`
    it (EDIT to add there). Raises NotFound, Forbidden."""
    if is_root(folder_id):
        if actor is None or not actor.is_authenticated:
            raise _folder_not_found(field)
        return Place(owner=actor, folder=None)
    folder = folder_for_actor(actor=actor, folder_id=folder_id, need=need, field=field)
    return Place(owner=folder.owner, folder=folder)


def parent_place_for_actor(*, actor: Actor, item: File | Folder, need: Need = Need.EDIT) -> Place:
    """The folder holding item (of an item the actor already reached) as a place, when
    actor may `need` it: "beside it", for a copy. Its owner's root is the owner's only
    (OwnerOnly for anyone else, who can see the item but not the top of the space).
    Raises NotFound (a folder above what is shared), Forbidden."""
    parent_id = item.parent_id if isinstance(item, Folder) else item.folder_id
    if parent_id is None:
        if actor is None or not actor.is_authenticated or item.owner_id != actor.pk:
            raise OwnerOnly("Only the owner can add at the top of their files; choose a folder.", field="folder")
        return Place(owner=actor, folder=None)
    return place_for_actor(actor=actor, folder_id=parent_id, need=need, field="folder")


def item_for_actor(
    *, actor: Actor, file_id: object = None, folder_id: object = None, need: Need = Need.VIEW
) -> File | Folder:
    """The file or the folder a request names (exactly one of the two ids), as
    file_for_actor or folder_for_actor. Raises InvalidInput (neither or both), NotFound,
    Forbidden."""
    if (file_id is None) == (folder_id is None):
        raise InvalidInput("Give exactly one of file or folder.", field="file")
    if file_id is not None:
        return file_for_actor(actor=actor, file_id=file_id, need=need)
    return folder_for_actor(actor=actor, folder_id=folder_id, need=need)


def version_for_actor(*, actor: Actor, file_id: object, version_id: object, need: Need = Need.VIEW) -> FileVersion:
    """One version of a live file the actor may `need`; `version.file` is that file
    (with its grant) and `version.grant` the same grant. Raises NotFound (also for a
    version of another file) or Forbidden."""
    file = file_for_actor(actor=actor, file_id=file_id, need=need)
    parsed = parse_id(version_id)
    version = file.versions.filter(pk=parsed).first() if parsed else None
    if version is None:
        raise NotFound("Version not found.", resource="version")
    version.file = file
    version.grant = file.grant
    return version


def upload_for_actor(*, actor: Actor, upload_id: object, need: Need = Need.EDIT) -> UploadSession:
    """An upload session the actor may reach, with `.grant`: every session in the actor's
    own space (whoever started it), and the sessions the actor started in someone else's
    folder. For those, EDIT (send parts, read the state, complete) needs the actor to
    still be able to edit the folder: a revoked or narrowed share stops the upload at its
    next step. VIEW (abort) does not: giving the owner's reservation back is always
    allowed. Other sessions are NotFound."""
    parsed = parse_id(upload_id)
    # Every step of an upload asks this: one fixed statement, not an ORM query compiled each time.
    upload = upload_with_owner_and_folder(parsed) if parsed else None
    if upload is None or not _upload_reached(actor, upload, need=need, grants={}):
        raise NotFound("Upload not found.", resource="upload")
    return upload


def uploads_for_actor(*, actor: Actor, upload_ids: list, need: Need = Need.EDIT) -> dict[str, UploadSession]:
    """The sessions among `upload_ids` (as sent: strings) the actor may reach, as
    upload_for_actor decides for each, by the id as sent; the others (malformed, unknown,
    someone else's) are absent, so a caller answers them NotFound without telling which.
    One query for the sessions (a fixed statement: a batch reads up to 500), and two per
    distinct folder shared with the actor. The sessions of one owner share one `owner`
    instance, those of one folder one `folder` instance."""
    parsed = {raw: parse_id(raw) for raw in upload_ids}
    wanted = {value for value in parsed.values() if value}
    found = {}
    if wanted and actor is not None and actor.is_authenticated:
        found = {upload.pk: upload for upload in sessions_with_places(wanted)}
    grants: dict[uuid.UUID | None, Grant | None] = {}
    return {
        raw: found[value]
        for raw, value in parsed.items()
        if value in found and _upload_reached(actor, found[value], need=need, grants=grants)
    }


def _upload_reached(
    actor: Actor, upload: UploadSession, *, need: Need, grants: dict[uuid.UUID | None, Grant | None]
) -> bool:
    """Whether actor may reach upload (see upload_for_actor); sets `upload.grant`.
    `grants` caches the grant on each folder across the sessions of one request."""
    if actor is None or not actor.is_authenticated:
        return False
    if upload.owner_id == actor.pk:
        upload.grant = OWNER_GRANT
        return True
    if upload.created_by_id != actor.pk or upload.folder is None:
        return False
    if upload.folder_id not in grants:
        folder = upload.folder
        grants[upload.folder_id] = grant_for_user(user=actor, item=folder) if folder.deleted_at is None else None
    grant = grants[upload.folder_id]
    if need is not Need.VIEW and (grant is None or grant.role < Role.EDITOR):
        return False
    upload.grant = grant
    return True


def archive_for_actor(*, actor: Actor, archive_id: object) -> FolderArchive:
    """A folder archive (zip) of a folder the actor may view, with `.grant`: whoever asked
    for it, anyone who may view the folder may fetch it, and nobody else (NotFound)."""
    parsed = parse_id(archive_id)
    archive = FolderArchive.objects.select_related("folder", "owner").filter(pk=parsed).first() if parsed else None
    not_found = NotFound("Archive not found.", resource="archive")
    if archive is None:
        raise not_found
    if actor is not None and actor.is_authenticated and archive.owner_id == actor.pk:
        archive.grant = OWNER_GRANT
        return archive
    # A zip of a selection at the top of the owner's space is the owner's alone.
    if archive.folder is None or archive.folder.deleted_at is not None:
        raise not_found
    grant = grant_for_user(user=actor, item=archive.folder)
    if grant is None:
        raise not_found
    archive.grant = grant
    return archive


MAX_SELECTION = 1000  # items one request may name (a zip of a selection)


def selection_for_actor(
    *, actor: Actor, file_ids: Iterable, folder_ids: Iterable
) -> tuple[list[File], list[Folder], Folder | None]:
    """The live files and folders the ids name, and the folder they all sit in (None: the
    top of their owner's space), when actor may view that folder, so every item in it:
    for a zip of a selection. Four queries at most for the owner (files, folders, the
    parent), two more for anyone else (the parent's access).

    Raises NotFound (resource "file" or "folder") for an id that names nothing actor may
    view, as for one item; InvalidInput (field "items") when there is no id or more than
    MAX_SELECTION, when the items are not all in one folder of one owner, or when actor
    reaches them one by one but not the folder they are in."""
    file_keys = {parse_id(raw) for raw in file_ids}
    folder_keys = {parse_id(raw) for raw in folder_ids}
    if not file_keys and not folder_keys:
        raise InvalidInput("Choose at least one file or folder.", field="items")
    if len(file_keys) + len(folder_keys) > MAX_SELECTION:
        raise InvalidInput(f"Choose at most {MAX_SELECTION} items at once.", field="items")
    if None in file_keys:
        raise _file_not_found()
    if None in folder_keys:
        raise _folder_not_found()
    files = list(File.objects.filter(pk__in=file_keys, deleted_at__isnull=True)) if file_keys else []
    folders = list(Folder.objects.filter(pk__in=folder_keys, deleted_at__isnull=True)) if folder_keys else []
    if len(files) != len(file_keys):
        raise _file_not_found()
    if len(folders) != len(folder_keys):
        raise _folder_not_found()
    items: list[File | Folder] = [*files, *folders]
    places = {(item.owner_id, item.folder_id if isinstance(item, File) else item.parent_id) for item in items}
    mine = all(item.owner_id == getattr(actor, "pk", None) for item in items)
    if len(places) != 1:
        if not mine and any(grant_for_user(user=actor, item=item) is None for item in items):
            raise _file_not_found() if files else _folder_not_found()
        raise InvalidInput("Choose items that are all in one folder.", field="items")
    owner_id, parent_id = places.pop()
    parent = (
        Folder.objects.filter(pk=parent_id, owner_id=owner_id, deleted_at__isnull=True).first() if parent_id else None
    )
    if parent_id and parent is None:
        raise _folder_not_found()
    if mine:
        return files, folders, parent
    if parent is not None and grant_for_user(user=actor, item=parent) is not None:
        return files, folders, parent
    if any(grant_for_user(user=actor, item=item) is None for item in items):
        raise _file_not_found() if files else _folder_not_found()
    raise InvalidInput("These items were shared with you one by one: download them one at a time.", field="items")


def share_for_actor(*, actor: Actor, share_id: object) -> Share | Invitation:
    """A share the actor made (only an item's owner shares it), or a pending invitation
    of theirs: the API answers alike for both (no enumeration), so the same ids work.
    NotFound otherwise."""
    parsed = parse_id(share_id)
    if not (parsed and actor is not None and actor.is_authenticated):
        raise NotFound("Share not found.", resource="share")
    share: Share | Invitation | None = (
        Share.objects.select_related("grantee", "file", "folder").filter(pk=parsed, owner=actor).first()
    )
    if share is None:
        share = (
            Invitation.objects.select_related("file", "folder")
            .filter(pk=parsed, owner=actor, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
    if share is None:
        raise NotFound("Share not found.", resource="share")
    return share


def link_for_actor(*, actor: Actor, link_id: object) -> ShareLink:
    """A public link the actor made (only an item's owner makes them). NotFound otherwise."""
    parsed = parse_id(link_id)
    link = (
        ShareLink.objects.select_related("file", "folder").filter(pk=parsed, owner=actor).first()
        if parsed and actor is not None and actor.is_authenticated
        else None
    )
    if link is None:
        raise NotFound("Link not found.", resource="share_link")
    return link
