"""The change feed: what changed, after a cursor, in a person's space and in what is
shared with them, read from the activity log the write services already keep.

Like Dropbox's list_folder/continue and Google Drive's changes.list: a client takes a
cursor at "now" (`changes_start_cursor`, no query), lists the changes after it page by
page, and keeps the last page's cursor for next time. Every event of a content change is
one entry (created, modified, renamed, moved, trashed, restored, deleted), with the
item's name and folder at the time; a grantee also sees `shared` and `unshared` for
their own shares.

Who sees what (sharing.access.shared_scope_for_actor, asked again on every call):
- the owner, every content event in their space, by anyone;
- a grantee, the events of items in the folders shared with them now and of the items
  shared with them themselves (also their trashing, restoring and deleting), and a move
  out of such a folder (with no parent: the item left their view). A revoked share stops its items' entries at once; another person's
  other changes never appear.

Order and completeness: entries go by (at, id). An event is served once it is
KOSHA_CHANGES_SETTLE_SECONDS old: a transaction that recorded its event a moment before
another's but committed after it would otherwise land behind a cursor that has already
moved on. (Services record their event at the end of short transactions.) A cursor older
than the activity log's retention is CursorExpired (410): the client lists afresh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import CursorExpired
from kosha.pages import cursor_invalid, cursor_sign, cursor_unsign, keyset_after, keyset_order
from sharing.access import SharedScope, shared_scope_for_actor
from sharing.models import Share

if TYPE_CHECKING:
    from accounts.models import User

Kind = ActivityEvent.Kind

# The activity kinds that change what a folder holds, and what the feed calls them.
CONTENT_EVENTS: dict[str, str] = {
    Kind.UPLOAD_COMPLETED: "created",  # "modified" from the second version on
    Kind.FOLDER_CREATED: "created",
    Kind.COPY: "created",
    Kind.RENAME: "renamed",
    Kind.MOVE: "moved",
    Kind.TRASH: "trashed",
    Kind.RESTORE: "restored",
    Kind.PURGE: "deleted",
    Kind.VERSION_RESTORED: "modified",
    Kind.VERSION_DELETED: "modified",
}
# Shown to the grantee of the share only.
SHARE_EVENTS: dict[str, str] = {Kind.SHARE_CREATED: "shared", Kind.SHARE_REVOKED: "unshared"}
EVENTS = ("created", "modified", "renamed", "moved", "trashed", "restored", "deleted", "shared", "unshared")

_KEYS = ["at", "pk"]


@dataclass(frozen=True)
class Change:
    """One entry of the feed. parent_id: the folder holding the item after the change, as
    the caller sees it: None at the top of the owner's space, and for a grantee also when
    the folder is outside what is shared with them (the shared item itself, or an item
    moved out of their view)."""

    id: int
    item_id: str
    kind: str  # "file" or "folder"
    name: str
    parent_id: uuid.UUID | None
    event: str
    at: datetime
    actor: object  # the User who acted, None for a link visitor


@dataclass(frozen=True)
class ChangePage:
    items: list[Change]
    cursor: str  # where to continue: after the last entry, or where the call started
    has_more: bool  # more entries are ready now; call again at once with `cursor`


def _scope_name(user: User) -> str:
    return f"changes:{user.pk}"


def _settled(now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.KOSHA_CHANGES_SETTLE_SECONDS)


def changes_start_cursor(*, user: User, now: datetime | None = None) -> str:
    """A cursor at "now" for user (an authenticated User): the feed after it holds what
    happens from here on (and what settles from the last KOSHA_CHANGES_SETTLE_SECONDS).
    No query."""
    return cursor_sign([_settled(now), 0], scope=_scope_name(user))


def _visible(*, user: User, shared: SharedScope) -> Q:
    visible = Q(owner=user, kind__in=list(CONTENT_EVENTS))
    grantee = [Kind.SHARE_CREATED, Kind.SHARE_REVOKED]
    visible |= Q(kind__in=grantee, detail__grantee=str(user.pk))
    # The shared items themselves, also while in the trash (the scope holds live ones
    # only): their trashing, restoring and deleting reach the grantee.
    owner_ids, roots = set(), set()
    for owner_id, file_id, folder_id in Share.objects.filter(grantee=user).values_list(
        "owner_id", "file_id", "folder_id"
    ):
        owner_ids.add(owner_id)
        roots.add(str(file_id or folder_id))
    if roots:
        folder_ids = list(shared.folders)
        inside = Q(item_parent_id__in=folder_ids) | Q(item_id__in=sorted(roots))
        inside |= Q(kind=Kind.MOVE, detail__from__in=[str(folder_id) for folder_id in folder_ids])
        visible |= Q(inside, owner_id__in=sorted(owner_ids), kind__in=list(CONTENT_EVENTS))
    return visible


def _change(event: ActivityEvent, *, user: User, shared: SharedScope) -> Change:
    if event.kind in SHARE_EVENTS:
        name = SHARE_EVENTS[event.kind]
    elif event.kind == Kind.UPLOAD_COMPLETED and (event.detail or {}).get("version", 1) != 1:
        name = "modified"
    else:
        name = CONTENT_EVENTS[event.kind]
    parent_id = event.item_parent_id
    if event.owner_id != user.pk and parent_id not in shared.folders:
        parent_id = None
    return Change(
        id=event.pk,
        item_id=event.item_id,
        kind=event.item_type,
        name=event.item_name,
        parent_id=parent_id,
        event=name,
        at=event.at,
        actor=event.actor,
    )


def changes_list_for_user(*, user: User, cursor: Any, limit: int, now: datetime | None = None) -> ChangePage:
    """The changes user (an authenticated User) may see after `cursor` (from
    changes_start_cursor or a previous page), oldest first, at most `limit` (from
    kosha.pages.limit_clean). At most four queries whatever the page or the shares: the
    live items shared with user and the folders under them (sharing.access, the second
    only if a folder is shared), the shares' items also in the trash, the events with
    their actors. Raises InvalidCursor (a tampered, malformed or foreign cursor, field
    cursor), CursorExpired (older than KOSHA_ACTIVITY_RETENTION_DAYS). Locks nothing."""
    scope = _scope_name(user)
    after = cursor_unsign(cursor, scope=scope, length=len(_KEYS))
    if not isinstance(after[0], datetime) or not isinstance(after[1], int):
        raise cursor_invalid()  # a cursor of this scope always carries (at, id)
    now = now or timezone.now()
    if after[0] < now - timedelta(days=settings.KOSHA_ACTIVITY_RETENTION_DAYS):
        raise CursorExpired()
    shared = shared_scope_for_actor(actor=user)
    settled = _settled(now)
    events = (
        ActivityEvent.objects.filter(_visible(user=user, shared=shared), at__lte=settled)
        .filter(keyset_after(_KEYS, after, descending=False))
        .select_related("actor")
        .order_by(*keyset_order(_KEYS, descending=False))
    )
    rows = list(events[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = (rows[-1].at, rows[-1].pk) if rows else tuple(after)
    if not has_more:
        # Everything settled up to now has been served: move on to now, so a quiet feed's
        # cursor does not age out of the log.
        position = max(position, (settled, 0))
    return ChangePage(
        items=[_change(event, user=user, shared=shared) for event in rows],
        cursor=cursor_sign(list(position), scope=scope),
        has_more=has_more,
    )
