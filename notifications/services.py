"""Writes of the notifications app: notices made after what they are about has committed,
read marks, e-mail choices, and the worker's mail.

Who calls: notifications.receivers (activity.hooks.events_committed and
plans.hooks.usage_grew, both sent after the change's transaction commits, so a rolled-back
change tells nobody) and the link-expiry task. E-mail is never sent here in the request:
notify() queues the mail task when the notice's own transaction commits, batched notices
are mailed by batches_close() (a scheduled task) once their window ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from kosha.task_broker import task_enqueue_after_commit
from notifications.models import Kind, Notification, Preference

if TYPE_CHECKING:
    import uuid

    from accounts.models import User

logger = logging.getLogger(__name__)


def _mail_on_commit(notification_id: int) -> None:
    task_enqueue_after_commit("notifications.tasks.notification_mail_task", notification_id)


def notify(
    *, user_id: uuid.UUID | str, kind: str, who: str = "", about: str = "", url: str = "", key: str = ""
) -> Notification:
    """One notice for user_id, its e-mail queued for after commit (when the user wants
    that kind by e-mail: the task checks). Call once the change it tells of has committed
    (a receiver of an after-commit hook, or a task). One INSERT."""
    notification = Notification.objects.create(
        user_id=user_id, kind=kind, batch_key=key[:64], who=who[:254], about=about[:255], url=url[:500]
    )
    _mail_on_commit(notification.pk)
    return notification


def notify_batched(
    *, user_id: uuid.UUID | str, kind: str, key: str, who: str = "", about: str = "", url: str = "", count: int = 1
) -> None:
    """Count `count` more events (at least 1) into user_id's open notice of (kind, key), or
    open one with them for KOSHA_NOTIFY_BATCH_MINUTES: one UPDATE, plus an INSERT (in a
    savepoint) when none is open. `about` and `url` are the latest event's, and win; `who`
    is kept from the event that opened the notice; an open notice read meanwhile is
    unread again. Mailed once, by batches_close, when the window ends. Raises ValueError
    for a count below 1."""
    if count < 1:
        raise ValueError("notify_batched counts at least one event")
    now = timezone.now()
    batch = Notification.objects.filter(user_id=user_id, kind=kind, batch_key=key[:64], is_open=True)
    fields = {"about": about[:255], "url": url[:500], "updated_at": now, "read_at": None}
    if batch.update(count=F("count") + count, **fields):
        return
    try:
        with transaction.atomic():
            Notification.objects.create(
                user_id=user_id,
                kind=kind,
                batch_key=key[:64],
                who=who[:254],
                is_open=True,
                open_until=now + timedelta(minutes=settings.KOSHA_NOTIFY_BATCH_MINUTES),
                count=count,
                about=about[:255],
                url=url[:500],
            )
    except IntegrityError:  # another transaction opened it first: count into theirs
        batch.update(count=F("count") + count, **fields)


def batches_close(*, now: datetime | None = None) -> int:
    """Close every batched notice whose window has ended and queue its e-mail (the
    worker's scheduled task). Returns how many closed. Each closes in its own conditional
    UPDATE, so two workers never mail one twice."""
    now = now or timezone.now()
    closed = 0
    for notification_id in Notification.objects.filter(is_open=True, open_until__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            if Notification.objects.filter(pk=notification_id, is_open=True).update(is_open=False):
                closed += 1
                _mail_on_commit(notification_id)
    return closed


def wants_email(*, user_id: uuid.UUID | str, kind: str) -> bool:
    choice = Preference.objects.filter(user_id=user_id, kind=kind).values_list("by_email", flat=True).first()
    return True if choice is None else choice


def preferences_set(*, user: User, by_email: Iterable[str]) -> None:
    """Store which kinds reach `user` by e-mail: the kinds in by_email yes, every other no.
    Unknown kinds are ignored."""
    chosen = set(by_email)
    with transaction.atomic():
        for kind in Kind.values:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"by_email": kind in chosen})


def notification_mail_send(*, notification_id: int) -> bool:
    """E-mail one notice (the worker, after commit): False when it is gone, still open,
    already mailed, its user inactive, or the user turned that kind's e-mail off. Marks
    it mailed with one conditional UPDATE first, so a retried task never mails twice.
    Raises what the mail backend raises."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.is_open or notification.emailed_at is not None:
        return False
    if not notification.user.is_active or not wants_email(user_id=notification.user_id, kind=notification.kind):
        return False
    if not Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return False
    context = {
        "text": notification.text,
        "url": settings.KOSHA_SITE_URL + (notification.url or "/notifications/"),
        "settings_url": settings.KOSHA_SITE_URL + "/settings/notifications/",
    }
    body = render_to_string("notifications/email/notice.txt", context)
    send_mail(notification.text, body, None, [notification.user.email])
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notices read: those in `ids` (others' ids are ignored), or all when
    ids is None. One UPDATE; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
