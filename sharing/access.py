"""The one access rule of Kosha, and the only way a door reaches an item.

Every door (the API, the pages, the public link views, the admin, tasks, WebDAV) turns an
id from a request into an item here, saying what it needs to do with it, and passes the
item on to a service. Like Zulip's `access_stream_by_id` and healthchecks'
`_get_check_for_user`, each getter fetches and checks in one call and returns the item
with how the actor reaches it (`item.grant`).

Who reaches what:
- The owner reaches everything in their space (Role.OWNER).
- A person reaches an item through a Share on it or on any folder above it; the nearest
  share wins (a viewer share on a subfolder inside an editor share narrows it, and the
  other way round). The share's item is the top of what they see (`Grant.root_id`):
  breadcrumbs, moves and search paths stop there.
- A public link reaches its own file, or its folder and everything under it, while it is
  live; a drop link reaches nothing but the uploads made through it.
Every request asks again, so revoking a share or a link, or changing a role, takes
effect on the next request.

What a need asks for (`Need`):
- VIEW: see, list, preview, download, zip, search, copy from.
- EDIT: change what is in it: add files and folders, upload new versions, restore a
  version. Editors and the owner.
- ARRANGE: rename, move or trash the item. EDIT on the folder holding it, so an editor
  arranges what is inside a shared folder but not the shared item itself (its place is
  in the owner's folders, which the editor cannot see).
- OWN: share it, make links, delete forever, delete a version. The owner only.

Answers: an item that does not exist, is trashed, is malformed, or that the actor cannot
see is NotFound (404), one answer for all, so nothing leaks. An item the actor can see
but may not do this to is Forbidden (403): ReadOnly for a viewer asking to change it,
SharedItemFixed for an editor arranging the shared item itself, OwnerOnly for what only
the owner may do. (403 rather than 404 because the actor can see the item anyway: the
answer tells the web app to say "view only", and leaks nothing.)
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Q
from django.utils import timezone

from kosha.errors import InvalidInput, NotFound, OwnerOnly, ReadOnly, SharedItemFixed
from sharing.models import Invitation, Share, ShareLink
from storage.ids import parse_id
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession
from storage.places import Place
from storage.tree import folder_chain, folder_subtrees

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    # Who asks: a signed-in User, an anonymous visitor, or nobody (a task).
    Actor = User | AnonymousUser | None

_Item = TypeVar("_Item", File, Folder)


class Role(enum.IntEnum):
    VIEWER = 1
    EDITOR = 2
    OWNER = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Need(enum.Enum):
    VIEW = "view"
    EDIT = "edit"
    ARRANGE = "arrange"
    OWN = "own"


_SHARE_ROLES: dict[str, Role] = {Share.Role.VIEWER: Role.VIEWER, Share.Role.EDITOR: Role.EDITOR}


@dataclass(frozen=True)
class Grant:
    """How an actor reaches an item: role, and the shared item the access comes through
    (`root_id`, None for the owner): the top of what the actor may see."""

    role: Role
    root_id: uuid.UUID | None
    root_is_folder: bool

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


OWNER_GRANT = Grant(role=Role.OWNER, root_id=None, root_is_folder=False)


# --- the rule ----------------------------------------------------------------------------------


def folder_chain_ids(item: File | Folder) -> list[uuid.UUID]:
    """The live folders holding item (a folder holds itself), nearest first, in ONE
    recursive query scoped to the item's owner. Empty for a trashed folder."""
    folder_id = item.pk if isinstance(item, Folder) else item.folder_id
    if folder_id is None:
        return []
    return list(reversed(folder_chain(owner_id=item.owner_id, folder_id=folder_id).ids))


def grant_for_user(*, user: Actor, item: File | Folder) -> Grant | None:
    """How user reaches item: owner, the nearest share on it or above it, or None.
    No query for the owner; two for anyone else (the folder chain, the shares on it)."""
    if user is None or not user.is_authenticated:
        return None
    if item.owner_id == user.pk:
        return OWNER_GRANT
    chain = folder_chain_ids(item)
    shares = Share.objects.filter(grantee=user, owner_id=item.owner_id)
    if isinstance(item, File):
        shares = shares.filter(Q(file=item) | Q(folder_id__in=chain))
    else:
        shares = shares.filter(folder_id__in=chain)
    found = list(shares.values_list("file_id", "folder_id", "role"))
    if not found:
        return None
    # Nearest wins: a share on the file itself, then the folders from the item upwards.
    distance = {folder_id: position + 1 for position, folder_id in enumerate(chain)}
    file_id, folder_id, role = min(found, key=lambda row: 0 if row[0] else distance[row[1]])
    return Grant(role=_SHARE_ROLES[role], root_id=file_id or folder_id, root_is_folder=file_id is None)


def access_for_user(*, user: Actor, item: File | Folder) -> Role | None:
    """Role.OWNER, the role of the nearest share on item or a folder above it, or None."""
    grant = grant_for_user(user=user, item=item)
    return grant.role if grant else None


def _refusal(grant: Grant, need: Need, item: File | Folder) -> Exception | None:
    """None when `grant` allows `need` on item, else the Forbidden error to raise."""
    if need is Need.VIEW or grant.is_owner:
        return None
    if need is Need.OWN:
        return OwnerOnly()
    if grant.role < Role.EDITOR:
        return ReadOnly()
    if need is Need.ARRANGE and grant.root_id == item.pk:
        return SharedItemFixed()
    return None


def _checked(item: _Item | None, *, actor: Actor, need: Need, not_found: NotFound) -> _Item:
    if item is None:
        raise not_found
    grant = grant_for_user(user=actor, item=item)
    if grant is None:
        raise not_found
    refusal = _refusal(grant, need, item)
    if refusal is not None:
        raise refusal
    item.grant = grant
    return item


def _file_not_found() -> NotFound:
    return NotFound("File not found.", resource="file")


def _folder_not_found(field: str | None = None) -> NotFound:
    return NotFound("Folder not found.", resource="folder", **({"field": field} if field else {}))


# --- items by id, for a person ----------------------------------------------------------------


def _live_file(file_id: object) -> File | None:
    parsed = parse_id(file_id)
    if parsed is None:
        return None
    return File.objects.select_related("current_version", "owner").filter(pk=parsed, deleted_at__isnull=True).first()


def _live_folder(folder_id: object) -> Folder | None:
    parsed = parse_id(folder_id)
    if parsed is None:
        return None
    return Folder.objects.select_related("owner").filter(pk=parsed, deleted_at__isnull=True).first()


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
    upload = UploadSession.objects.select_related("owner", "folder").filter(pk=parsed).first() if parsed else None
    if upload is None or not _upload_reached(actor, upload, need=need, grants={}):
        raise NotFound("Upload not found.", resource="upload")
    return upload


def uploads_for_actor(*, actor: Actor, upload_ids: list, need: Need = Need.EDIT) -> dict[str, UploadSession]:
    """The sessions among `upload_ids` (as sent: strings) the actor may reach, as
    upload_for_actor decides for each, by the id as sent; the others (malformed, unknown,
    someone else's) are absent, so a caller answers them NotFound without telling which.
    One query for the sessions, and two per distinct folder shared with the actor."""
    parsed = {raw: parse_id(raw) for raw in upload_ids}
    wanted = {value for value in parsed.values() if value}
    found = {}
    if wanted and actor is not None and actor.is_authenticated:
        found = {
            upload.pk: upload
            for upload in UploadSession.objects.select_related("owner", "folder").filter(pk__in=wanted)
        }
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


# --- the trash ---------------------------------------------------------------------------------


def trash_item_for_actor(*, actor: Actor, item_id: object, need: Need = Need.EDIT) -> Folder | File:
    """A trash root (a folder or file the trash lists) the actor may act on, with `.grant`.

    The trash rule (as Nextcloud keeps a recipient's deletions restorable by them): the
    owner's trash holds everything trashed in their space, by anyone; an editor's trash
    also holds what they trashed in someone else's space, restorable by them (EDIT) while
    its folder is live and they may still edit it. Deleting forever (OWN) is the owner's
    alone: the editor is refused with OwnerOnly. Anything else is NotFound."""
    parsed = parse_id(item_id)
    not_found = NotFound("Nothing in the trash has this id.", resource="trash_item")
    if parsed is None or actor is None or not actor.is_authenticated:
        raise not_found
    root = None
    for model in (Folder, File):
        root = (
            model.objects.select_related("owner")
            .filter(Q(owner=actor) | Q(trashed_by=actor), pk=parsed, is_trash_root=True, deleted_at__isnull=False)
            .first()
        )
        if root is not None:
            break
    if root is None:
        raise not_found
    if root.owner_id == actor.pk:
        root.grant = OWNER_GRANT
        return root
    parent = _trash_parent(root)
    grant = grant_for_user(user=actor, item=parent) if parent is not None and parent.deleted_at is None else None
    if grant is None or grant.role < Role.EDITOR:
        raise not_found
    if need is Need.OWN:
        raise OwnerOnly("Only the owner can delete this forever; you can restore it.")
    root.grant = grant
    return root


def trashed_item_for_actor(
    *, actor: Actor, item_id: object, need: Need = Need.EDIT
) -> tuple[Folder | File, Folder | File]:
    """A trashed item, a trash root or anything trashed with one (inside a trashed
    folder), and its trash root, which trash_item_for_actor checks: the item is reached
    exactly as its trash root is. Returns (item, root). Raises NotFound, OwnerOnly."""
    parsed = parse_id(item_id)
    if parsed is None or actor is None or not actor.is_authenticated:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    item = None
    for model in (Folder, File):
        item = model.objects.filter(pk=parsed, deleted_at__isnull=False, trash_batch__isnull=False).first()
        if item is not None:
            break
    if item is None:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    if item.is_trash_root:
        root = trash_item_for_actor(actor=actor, item_id=item.pk, need=need)
        return root, root
    root_id = (
        Folder.objects.filter(owner_id=item.owner_id, trash_batch=item.trash_batch, is_trash_root=True)
        .values_list("pk", flat=True)
        .first()
    )
    if root_id is None:
        raise NotFound("Nothing in the trash has this id.", resource="trash_item")
    root = trash_item_for_actor(actor=actor, item_id=root_id, need=need)
    item.owner = root.owner
    item.grant = root.grant
    return item, root


def _trash_parent(root: Folder | File) -> Folder | None:
    parent_id = root.parent_id if isinstance(root, Folder) else root.folder_id
    return Folder.objects.filter(pk=parent_id).first() if parent_id is not None else None


# --- everything shared with a person, at once (search, the trash) -----------------------------


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


# --- public links --------------------------------------------------------------------------------


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


def file_for_link(*, link: ShareLink, file_id: object) -> File:
    """A live file the live link reaches, with `.grant` (viewer, from the link's item).
    NotFound otherwise."""
    file = _live_file(file_id)
    if file is None or access_for_link(link=link, item=file) is None:
        raise _file_not_found()
    file.grant = _link_grant(link)
    return file


def folder_for_link(*, link: ShareLink, folder_id: object) -> Folder:
    """A live folder the live link reaches, with `.grant`. NotFound otherwise."""
    folder = _live_folder(folder_id)
    if folder is None or access_for_link(link=link, item=folder) is None:
        raise _folder_not_found()
    folder.grant = _link_grant(link)
    return folder


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
