"""The owner-only guard of the sharing writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kosha.errors import NotFound
from storage.audit import item_type
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User


def item_owner_require(*, actor: User | None, item: File | Folder) -> None:
    """Raise NotFound (as for an unknown item) unless actor owns item. The doors ask
    sharing.access for Need.OWN; this keeps the rule if one forgets."""
    if actor is None or item.owner_id != actor.pk:
        raise NotFound(f"{item_type(item).capitalize()} not found.", resource=item_type(item))
