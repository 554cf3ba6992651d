"""Reads of the activity log: a user sees what they did anywhere, and what anyone did in
their space (collaborators, link visitors); never another person's own actions elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from activity.models import ActivityEvent
from kosha.pages import Page, keyset_page

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 50


def activity_list_for_user(*, user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page[ActivityEvent]:
    """The events the user acted in or that happened in their space, newest first,
    keyset-paged on (at, id), with the actor joined. One query (the actor and owner
    indexes serve the two halves). Raises InvalidInput for a tampered, malformed or
    foreign cursor."""
    return keyset_page(
        ActivityEvent.objects.filter(Q(actor=user) | Q(owner=user)).select_related("actor"),
        keys=["at"],
        descending=True,
        cursor=cursor,
        limit=limit,
        scope=f"activity:{user.pk}",
    )
