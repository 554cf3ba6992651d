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

from storage.models import Folder

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
