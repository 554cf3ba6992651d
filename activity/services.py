"""Writes of the activity log.

Write services of the other apps call `activity_record` INSIDE their own transaction,
right after their change: the event then commits or rolls back with it, and no door
can forget it. After the commit, `activity_committed` announces the new events (the
hook notifications build on); recording never decides anything.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from activity.hooks import events_committed
from activity.models import ActivityEvent
from kosha.fixed_writes import rows_insert, rows_insert_write
from kosha.origin import Origin
from kosha.row_instances import row_instance

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

logger = logging.getLogger(__name__)

PRUNE_BATCH = 5000
_ACTOR = ActivityEvent._meta.get_field("actor")


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def activity_record(
    *,
    kind: str,
    actor: User | AnonymousUser | None,
    owner: User | uuid.UUID | str | None,
    origin: Origin | None,
    item_type: str = "",
    item_id: uuid.UUID | str | None = None,
    item_name: str = "",
    item_parent_id: uuid.UUID | None = None,
    detail: dict | None = None,
) -> ActivityEvent:
    """Append one event and announce it after commit (activity_committed).

    actor: who acted (a User; None or anonymous for a link visitor or an unknown
    sign-in); owner: whose space the item is in (a User or its pk, None when no account is known; the account itself
    for account events); origin: the door and address (None only for a sign-in Django
    reports without a request); item_type ("file", "folder", ...), item_id and
    item_name (the name at the time), item_parent_id (the folder holding it after the
    change, a UUID; None at the top of the space). Call inside the transaction of the change it
    records. Raises ValueError for an unknown kind. Locks nothing."""
    owner_id = owner if owner is None or isinstance(owner, uuid.UUID | str) else owner.pk
    event = activity_event_build(
        kind=kind,
        actor=actor,
        # An id as text is read as the ORM's UUID field reads it.
        owner_id=uuid.UUID(owner_id) if isinstance(owner_id, str) else owner_id,
        origin=origin,
        item_type=item_type,
        item_id=item_id,
        item_name=item_name,
        item_parent_id=item_parent_id,
        detail=detail or {},
        at=timezone.now(),
    )
    return activity_record_many([event])[0]


def activity_record_many(events: list[ActivityEvent]) -> list[ActivityEvent]:
    """Append many events built by the caller (unsaved; activity_event_build builds
    them cheaply) in one INSERT, and announce them after commit. For bulk writes (a
    batch of uploads, an admin action over many links, a purge of many items). Call
    inside the transaction of the change. Returns the events, saved (with their ids).
    Raises ValueError for an unknown kind. Locks nothing."""
    kinds = ActivityEvent.Kind.values
    for event in events:
        if event.kind not in kinds:
            raise ValueError(f"Unknown activity kind {event.kind!r}")
    if not events:
        return events
    # A fixed statement (kosha/fixed_writes.py), not bulk_create: the events' ids come back
    # in order, and the instances are marked saved as bulk_create marks them.
    statement = rows_insert(ActivityEvent)
    rows = [[getattr(event, attname) for attname in statement.attnames] for event in events]
    alias = connection.alias
    for event, pk in zip(events, rows_insert_write(statement, rows), strict=True):
        event.pk = pk
        event._state.adding = False
        event._state.db = alias
    transaction.on_commit(lambda: activity_committed(events=events), robust=True)
    return events


def activity_event_build(
    *,
    kind: str,
    actor: User | AnonymousUser | None,
    owner_id: uuid.UUID | None,
    origin: Origin | None,
    item_type: str,
    item_id: uuid.UUID | str | None,
    item_name: str,
    item_parent_id: uuid.UUID | None,
    detail: dict,
    at: datetime,
) -> ActivityEvent:
    """The unsaved event, for activity_record_many (the arguments as activity_record's;
    the actor loaded, an anonymous one as None; the name cut to 255 characters), built
    from its row (kosha.fixed_writes) without the keyword __init__'s work per field. `at`
    is when it happened (aware). Raises ValueError for an unknown kind (when recorded)."""
    person = cast("User | None", _user_or_none(actor))
    row = rows_insert(ActivityEvent).row(
        {
            "actor_id": person.pk if person is not None else None,
            "owner_id": owner_id,
            "kind": kind,
            "item_type": item_type,
            "item_id": "" if item_id is None else str(item_id),
            "item_name": (item_name or "")[:255],
            "item_parent_id": item_parent_id,
            "detail": detail,
            "via": origin.via if origin is not None else "",
            "ip_address": origin.ip if origin is not None else None,
            "at": at,
        }
    )
    event = row_instance(ActivityEvent, row, db=None)  # ActivityEvent(*row), without its per-field work
    if person is not None:
        _ACTOR.set_cached_value(event, person)
    return event


def activity_committed(*, events: list[ActivityEvent]) -> None:
    """Called once the transaction that recorded `events` has committed: sends
    activity.hooks.events_committed with their ids and the events themselves: the hook for what reads events after commit
    (notifications.receivers writes the notices). A receiver's error is logged, never
    raised into the request whose change has already committed."""
    event_ids = [event.pk for event in events]
    for receiver, result in events_committed.send_robust(sender=ActivityEvent, event_ids=event_ids, events=events):
        if isinstance(result, Exception):
            logger.error("Activity hook %r failed for events %s", receiver, event_ids, exc_info=result)


def activity_prune(*, now: datetime | None = None) -> int:
    """Delete events older than KOSHA_ACTIVITY_RETENTION_DAYS, in batches so no single
    statement holds locks for long. Idempotent. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KOSHA_ACTIVITY_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            ActivityEvent.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return deleted
        deleted += ActivityEvent.objects.filter(pk__in=ids).delete()[0]
