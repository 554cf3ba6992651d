"""The activity event of a change to a file or a folder, for the write services.

Every storage and sharing write service records its event through `item_event_record`,
inside its own transaction, with the actor (who acted, None for a link visitor), the
item's owner (whose space), the item's name and folder at the time, and the origin (the door).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from activity.models import ActivityEvent
from activity.services import activity_event_build, activity_record, activity_record_many
from kosha.origin import Origin
from storage.models import File, Folder

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def item_type(item: File | Folder) -> str:
    return "folder" if isinstance(item, Folder) else "file"


def item_parent_id(item: File | Folder) -> uuid.UUID | None:
    """The folder holding item (a UUID), None at the top of its owner's space."""
    return item.parent_id if isinstance(item, Folder) else item.folder_id


def item_event_record(
    *, kind: str, actor: User | AnonymousUser | None, item: File | Folder, origin: Origin, detail: dict | None = None
) -> ActivityEvent:
    """Record `kind` (an ActivityEvent.Kind) for `item` in its owner's space. Call inside
    the transaction of the change, after the item holds its new name and place."""
    return activity_record(
        kind=kind,
        actor=actor,
        owner=item.owner_id,
        origin=origin,
        item_type=item_type(item),
        item_id=item.pk,
        item_name=item.name,
        item_parent_id=item_parent_id(item),
        detail=detail,
    )


def rename_move_record(
    *,
    actor: User | AnonymousUser | None,
    item: File | Folder,
    origin: Origin,
    old_name: str,
    old_parent_id: uuid.UUID | None,
) -> None:
    """Record what a rename and/or move of `item` did: RENAME (detail: the old name) when
    its name changed, MOVE (detail: the folder ids it left and entered, None for the root)
    when its folder did. Call inside the change's transaction, after item holds its new
    name and place."""
    if item.name != old_name:
        item_event_record(
            kind=ActivityEvent.Kind.RENAME, actor=actor, item=item, origin=origin, detail={"from": old_name}
        )
    new_parent_id = item_parent_id(item)
    if new_parent_id != old_parent_id:
        detail = {
            "from": str(old_parent_id) if old_parent_id else None,
            "to": str(new_parent_id) if new_parent_id else None,
        }
        item_event_record(kind=ActivityEvent.Kind.MOVE, actor=actor, item=item, origin=origin, detail=detail)


def item_event_build(
    *,
    kind: str,
    actor: User | AnonymousUser | None,
    item: File | Folder,
    origin: Origin,
    detail: dict | None = None,
    at: datetime | None = None,
) -> ActivityEvent:
    """The (unsaved) event of `kind` for `item` in its owner's space, for
    activity_record_many: bulk writes record many events in one INSERT. `at`: when
    (aware; default now)."""
    return activity_event_build(
        kind=kind,
        actor=actor,
        owner_id=item.owner_id,
        origin=origin,
        item_type=item_type(item),
        item_id=item.pk,
        item_name=item.name,
        item_parent_id=item_parent_id(item),
        detail=detail or {},
        at=at or timezone.now(),
    )


def item_events_record_many(
    *,
    kind: str,
    actor: User | AnonymousUser | None,
    owner_id: uuid.UUID,
    items: list[File | Folder],
    origin: Origin,
    detail: dict | None = None,
) -> list[ActivityEvent]:
    """Record `kind` for many items of one owner's space in one INSERT (a purge of many
    trash roots). Call inside the transaction of the change."""
    events = [item_event_build(kind=kind, actor=actor, item=item, origin=origin, detail=detail) for item in items]
    for event in events:
        event.owner_id = owner_id
    return activity_record_many(events)
