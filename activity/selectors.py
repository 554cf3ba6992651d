"""Reads of the activity log: a user sees only their own events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q

from activity.models import ActivityEvent
from kosha.errors import InvalidInput

_CURSOR_SALT = "kosha.activity.cursor"
PAGE_SIZE = 50


@dataclass(frozen=True)
class ActivityPage:
    events: list[ActivityEvent]
    next_cursor: str | None


def _cursor_encode(event: ActivityEvent) -> str:
    return signing.dumps([event.at.isoformat(), event.pk], salt=_CURSOR_SALT)


def _cursor_decode(raw: str) -> tuple[datetime, int]:
    try:
        at, pk = signing.loads(raw, salt=_CURSOR_SALT)
        return datetime.fromisoformat(at), int(pk)
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidInput("This cursor is not valid; start again from the first page.", field="cursor") from None


def activity_list_for_user(*, user, cursor: str | None = None, limit: int = PAGE_SIZE) -> ActivityPage:
    """The user's own events, newest first, keyset-paged on (at, id). One query.
    Raises InvalidInput for a tampered or malformed cursor."""
    events = ActivityEvent.objects.filter(actor=user).order_by("-at", "-id")
    if cursor:
        at, pk = _cursor_decode(cursor)
        events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(events[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return ActivityPage(events=rows, next_cursor=_cursor_encode(rows[-1]) if has_more else None)
