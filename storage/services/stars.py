"""Stars: a person's own mark on a file or folder ("Starred"), theirs or shared with them.

A star is personal: it records no activity event, changes nothing about the item, and
needs only VIEW on it (the door gets the item through sharing.access).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from storage.locks import item_pin
from storage.models import File, Folder, Star

if TYPE_CHECKING:
    from accounts.models import User


def _item_filter(item: File | Folder) -> dict:
    return {"file": item} if isinstance(item, File) else {"folder": item}


def star_set(*, actor: User, item: File | Folder) -> tuple[Star, bool]:
    """Star `item` for actor; idempotent. Returns the star and whether it is new. A
    concurrent star of the same item is caught by the unique constraint. Raises NotFound
    (the item was trashed or deleted since the door read it: nothing written). A new star
    pins its item first (storage.locks.item_pin: key share, one query)."""
    found = Star.objects.filter(user=actor, **_item_filter(item)).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            item_pin(item=item)  # first (storage/locks.py, "Deferred key checks")
            return Star.objects.create(user=actor, **_item_filter(item)), True
    except IntegrityError:
        return Star.objects.get(user=actor, **_item_filter(item)), False


def star_clear(*, actor: User, item: File | Folder) -> bool:
    """Remove actor's star on item; idempotent. Returns whether there was one."""
    deleted, _ = Star.objects.filter(user=actor, **_item_filter(item)).delete()
    return deleted > 0


__all__ = ["star_clear", "star_set"]
