"""Where an item is or goes: a folder in someone's space, or the root of that space.

Write services that put something somewhere (create a folder, start an upload, move,
copy) take a `Place` built by the door through sharing.access (`place_for_actor`,
`drop_place_for_link`), which has checked that the actor may add there. The place's
owner is whose space and quota the item lands in, whoever the actor is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kosha.errors import InvalidInput, OtherSpace
from kosha.sentinels import Unchanged
from storage.models import Folder
from storage.names import name_clean

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Place:
    """owner: a User, whose space it is; folder: a live Folder of that owner, or None for
    the root of the owner's space."""

    owner: User
    folder: Folder | None = None

    def __post_init__(self) -> None:
        if self.folder is not None and self.folder.owner_id != self.owner.pk:
            raise ValueError("A place's folder belongs to its owner.")

    @property
    def folder_id(self) -> uuid.UUID | None:
        return self.folder.pk if self.folder is not None else None


def move_clean(*, name: str | Unchanged, place: Place | Unchanged, owner_id: object, field: str) -> str | None:
    """The checks a rename and/or move makes before it locks anything: the new name,
    cleaned (None: unchanged), and the new place, which must be in the item's own space
    (`owner_id`'s). Raises InvalidInput (nothing to change), InvalidName, OtherSpace
    naming `field`. No I/O."""
    if isinstance(name, Unchanged) and isinstance(place, Unchanged):
        raise InvalidInput(f"Give a new name, a new {field}, or both.")
    new_name = None if isinstance(name, Unchanged) else name_clean(name)
    if not isinstance(place, Unchanged) and place.owner.pk != owner_id:
        raise OtherSpace(field=field)
    return new_name
