"""Reads of the activity log: a user sees only their own events."""

from __future__ import annotations

from activity.models import ActivityEvent
from kosha.pages import Page, keyset_page

PAGE_SIZE = 50


def activity_list_for_user(*, user, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page[ActivityEvent]:
    """The user's own events, newest first, keyset-paged on (at, id). One query.
    Raises InvalidInput for a tampered, malformed or foreign cursor."""
    return keyset_page(
        ActivityEvent.objects.filter(actor=user),
        keys=["at"],
        descending=True,
        cursor=cursor,
        limit=limit,
        scope=f"activity:{user.pk}",
    )
