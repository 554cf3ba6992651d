"""django-q2 tasks of notifications: mail one notice, close batches, warn of expiring links."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from notifications.services import batches_close, notification_mail_send, notify


def notification_mail_task(notification_id: int) -> bool:
    """E-mail one notice (notifications.services.notification_mail_send)."""
    return notification_mail_send(notification_id=notification_id)


def batches_close_task() -> int:
    """Scheduled every minute: close ended batches and queue their e-mails."""
    return batches_close()


def links_expiring_task() -> int:
    """Scheduled hourly: tell each link's owner once when a live link expires within
    KOSHA_LINK_EXPIRY_NOTICE_HOURS (a link already told about is skipped: the notice's
    key is the link's id). Returns how many were told."""
    from sharing.selectors import links_expiring_between

    now = timezone.now()
    soon = links_expiring_between(start=now, end=now + timedelta(hours=settings.KOSHA_LINK_EXPIRY_NOTICE_HOURS))
    told = set(
        Notification.objects.filter(
            kind=Kind.LINK_EXPIRING, batch_key__in=[str(pk) for pk in soon.values_list("pk", flat=True)]
        ).values_list("batch_key", flat=True)
    )
    count = 0
    for link in soon:
        if str(link.pk) in told or link.is_exhausted:
            continue
        with transaction.atomic():
            notify(
                user_id=link.owner_id,
                kind=Kind.LINK_EXPIRING,
                about=link.name or link.item.name,
                url=reverse("sharing:shared-by-me"),
                key=str(link.pk),
            )
        count += 1
    return count
