"""The cheap wait for the next change: one mark per space in the cache, replaced after
each commit that recorded a content event there (activity.hooks.events_committed).

`GET /api/v1/changes/latest/` answers a tag made of the marks a person can see (their own
space's, their shares', and those of the spaces shared with them) and 304 while it stays
the same, with no database query beyond signing in: a poll costs a few cache reads. So a
client polls every KOSHA_CHANGES_POLL_SECONDS and reads the feed (sharing.changes) only
when the tag moves. A held request (long-poll) would instead keep a synchronous web
worker busy per waiting client. A mark lost from the cache (eviction, a restart) comes
back as a new value: clients then read the feed once for nothing, never miss a change.

The tag of a person moves with any content change in a space shared with them, also
outside the shared folders: it says when to look, the feed (asked through
sharing.access) says what they may see.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.dispatch import receiver

from activity.hooks import events_committed
from activity.models import ActivityEvent
from sharing.changes import CONTENT_EVENTS, SHARE_EVENTS
from sharing.models import Share

if TYPE_CHECKING:
    from accounts.models import User

_SPACE = "kosha:changes:space:{}"  # content changes in this owner's space
_PERSON = "kosha:changes:person:{}"  # shares given to or taken from this person
_SHARERS = "kosha:changes:sharers:{}"  # the owners who share something with this person
_SHARE_KINDS = [*SHARE_EVENTS, ActivityEvent.Kind.SHARE_CHANGED]


def _new_mark() -> str:
    return uuid.uuid4().hex


def changes_tag_for_user(*, user: User) -> str:
    """An opaque tag (32 hex characters) that changes whenever something user (an
    authenticated User) may see changes: in their space, in a space that shares something
    with them, or in their shares. No query while the cache holds the owners who share
    with user (one to fill it after a share changes); a missing mark is made anew."""
    sharers_key = _SHARERS.format(user.pk)
    sharers = cache.get(sharers_key)
    if sharers is None:
        owner_ids = Share.objects.filter(grantee=user).values_list("owner_id", flat=True).distinct()
        sharers = sorted(str(owner_id) for owner_id in owner_ids)
        cache.set(sharers_key, sharers, timeout=None)
    keys = [_SPACE.format(user.pk), _PERSON.format(user.pk), *(_SPACE.format(owner) for owner in sharers)]
    marks = cache.get_many(keys)
    for key in keys:
        if key not in marks:
            # add(): when two requests race to make the mark, both use the winner's value.
            cache.add(key, _new_mark(), timeout=None)
            marks[key] = cache.get(key)
    text = "|".join(f"{key}={marks[key]}" for key in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _owner_uuid(owner_id: object) -> uuid.UUID | None:
    """An event's owner id as a UUID (an event built in this process holds one already)."""
    if owner_id is None or type(owner_id) is uuid.UUID:
        return owner_id
    return uuid.UUID(str(owner_id))


@receiver(events_committed, dispatch_uid="change_marks_from_activity")
def change_marks_bump(
    sender: object, event_ids: list[int], events: list[ActivityEvent] | None = None, **kwargs: object
) -> None:
    """After a commit: a new mark for each space that had a content change, and for each
    person whose share was made, changed or revoked (who also has the owners sharing with
    them read again). No query when the sender passes the events (activity_committed
    does); else one (the events by primary key)."""
    kinds = [*CONTENT_EVENTS, *_SHARE_KINDS]
    rows: Iterable[tuple[uuid.UUID | None, str, Any]]
    if events is not None:
        rows = [(_owner_uuid(event.owner_id), event.kind, event.detail) for event in events if event.kind in kinds]
    else:
        rows = ActivityEvent.objects.filter(pk__in=event_ids, kind__in=kinds).values_list("owner_id", "kind", "detail")
    marks: dict[str, str] = {}
    for owner_id, kind, detail in rows:
        if kind in CONTENT_EVENTS and owner_id is not None:
            key = _SPACE.format(owner_id)
            if key not in marks:  # one new mark a space (a batch's hundred events are one space's)
                marks[key] = _new_mark()
        elif kind in _SHARE_KINDS and (detail or {}).get("grantee"):
            marks[_PERSON.format(detail["grantee"])] = _new_mark()
            cache.delete(_SHARERS.format(detail["grantee"]))
    if marks:
        cache.set_many(marks, timeout=None)
