"""Reads of notifications: a person's notices, newest first, and their unread count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset_page, limit_clean
from notifications.models import Kind, Notification, Preference

if TYPE_CHECKING:
    from accounts.models import User


def notifications_for_user(*, user: User, cursor: str | None = None, limit: int | None = None) -> Page:
    """The user's notices, newest first, keyset-paged on (created_at, id): one query.
    Raises InvalidCursor (an InvalidInput)."""
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    return keyset_page(
        Notification.objects.filter(user=user),
        keys=["created_at"],
        descending=True,
        cursor=cursor,
        limit=limit,
        scope=f"notifications:{user.pk}",
    )


def unread_count(*, user: User) -> int:
    """How many of the user's notices are unread: one COUNT over a partial index."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def email_choices(*, user: User) -> dict[str, bool]:
    """kind -> whether it arrives by e-mail (default yes), for every kind."""
    stored = dict(Preference.objects.filter(user=user).values_list("kind", "by_email"))
    return {kind: stored.get(kind, True) for kind in Kind.values}
