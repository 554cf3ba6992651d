"""How an activity event reads to the person looking at it, for the activity page and the
activity API alike: who acted ("You", a collaborator's name, "Someone with the link"),
what they did in words (never a stored code), which item (by the name it had then, so it
reads the same after a rename or a purge) and a short note (the old name, whom a share
was with, which version)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from activity.models import ActivityEvent

if TYPE_CHECKING:
    from accounts.models import User

Kind = ActivityEvent.Kind


class ActorKind(enum.StrEnum):
    YOU = "you"
    PERSON = "person"  # another account: a collaborator, or the owner of a shared folder
    LINK = "link"  # a visitor of a public link (no account)
    UNKNOWN = "unknown"  # a failed sign-in, an account deleted since, a task


ITEM_KINDS = ("file", "folder")

# Changes to a link or a share, by field: what the note says changed.
_LINK_FIELDS = {"name": "name", "expires_at": "expiry", "password": "password", "max_downloads": "download limit"}


@dataclass(frozen=True)
class EventView:
    """One event as `viewer` reads it. actor_name is what the page shows in "Who";
    item_kind is "file", "folder" or "" (an account event such as a sign-in)."""

    event: ActivityEvent
    action: str
    actor_kind: ActorKind
    actor_name: str
    item_kind: str
    item_name: str
    note: str


def _actor(event: ActivityEvent, viewer: User) -> tuple[ActorKind, str]:
    if event.actor_id is not None and event.actor_id == viewer.pk:
        return ActorKind.YOU, "You"
    if event.actor is not None:
        return ActorKind.PERSON, event.actor.name or event.actor.email
    if event.via == "link":
        return ActorKind.LINK, "Someone with the link"
    return ActorKind.UNKNOWN, "Unknown"


def _action(event: ActivityEvent) -> str:
    detail = event.detail or {}
    if event.kind == Kind.UPLOAD_COMPLETED:
        if event.via == "link" and event.actor_id is None:
            return "Dropped a file through a link"
        if (detail.get("version") or 1) > 1:
            return "Uploaded a new version"
    if event.kind == Kind.DOWNLOAD and detail.get("as") == "zip":
        return "Downloaded as a zip"
    if event.kind == Kind.LINK_CREATED and detail.get("is_drop"):
        return "Created a file drop link"
    label = Kind(event.kind).label if event.kind in Kind.values else "Did something"
    return str(label)


def _note(event: ActivityEvent) -> str:
    detail = event.detail or {}
    kind = event.kind
    if kind == Kind.RENAME and detail.get("from"):
        return f"was “{detail['from']}”"
    if kind in (Kind.SHARE_CREATED, Kind.SHARE_CHANGED) and detail.get("with"):
        role = detail.get("role")
        return f"with {detail['with']}" + (f" as {role}" if role in ("viewer", "editor") else "")
    if kind == Kind.SHARE_REVOKED and detail.get("with"):
        return f"with {detail['with']}"
    if kind == Kind.LINK_CHANGED and detail.get("changed"):
        changed = [_LINK_FIELDS.get(field, "") for field in detail["changed"]]
        return "changed " + ", ".join(field for field in changed if field)
    if kind == Kind.VERSION_RESTORED and detail.get("from_version"):
        return f"version {detail['from_version']} is now version {detail.get('version', '?')}"
    if kind == Kind.VERSION_DELETED and detail.get("version"):
        return f"version {detail['version']}"
    if kind == Kind.UPLOAD_COMPLETED and (detail.get("version") or 1) > 1:
        return f"version {detail['version']}"
    return ""


def event_view(event: ActivityEvent, *, viewer: User) -> EventView:
    """How `event` reads to `viewer` (load event.actor with it: select_related). Pure."""
    actor_kind, actor_name = _actor(event, viewer)
    item_kind = event.item_type if event.item_type in ITEM_KINDS else ""
    item_name = event.item_name
    if not item_name and event.kind == Kind.LOGIN_FAILED:
        item_name = (event.detail or {}).get("identifier", "")
    return EventView(
        event=event,
        action=_action(event),
        actor_kind=actor_kind,
        actor_name=actor_name,
        item_kind=item_kind,
        item_name=item_name,
        note=_note(event),
    )


def event_views(events: Iterable[ActivityEvent], *, viewer: User) -> list[EventView]:
    """event_view of each event, in order. No query when the actors were loaded with them."""
    return [event_view(event, viewer=viewer) for event in events]
