"""The rule itself: roles, needs, grants, and how a person reaches an item. (See sharing/access/__init__.py.)"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Q

from kosha.errors import NotFound, OwnerOnly, ReadOnly, SharedItemFixed
from sharing.models import Share
from storage.models import File, Folder
from storage.tree import folder_chain

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
