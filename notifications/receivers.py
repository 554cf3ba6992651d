"""Notices from what happened, written after the change commits (activity.hooks.events_committed,
plans.hooks.usage_grew; DESIGN.md: notifications are fed by activity events after commit): a
share received, files dropped through a link, a collaborator's changes in my space, my storage
crossing 80/95/100 %. A change that rolls back tells nobody; a notice that fails to be
written is logged by the hook and never undoes the change. The notices of one commit are
written in one transaction of their own, their e-mail queued when it commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from activity.hooks import events_committed
from activity.models import ActivityEvent
from notifications.models import Kind
from notifications.services import notify, notify_batched
from plans.hooks import usage_grew

K = ActivityEvent.Kind
# What a collaborator does that changes the owner's files (not reads, not sharing).
CHANGE_KINDS = {
    K.UPLOAD_COMPLETED,
    K.FOLDER_CREATED,
    K.RENAME,
    K.MOVE,
    K.COPY,
    K.TRASH,
    K.RESTORE,
    K.PURGE,
    K.VERSION_RESTORED,
    K.VERSION_DELETED,
}
# A person acting through these doors (a link visitor is nobody; admin and tasks are not collaborators).
PERSON_VIAS = {"web", "api", "dav"}
QUOTA_THRESHOLDS = (100, 95, 80)  # per cent, highest first


def _folder_url(folder_id) -> str:
    return reverse("folder", args=[folder_id]) if folder_id else reverse("home")


def _tells_someone(event: ActivityEvent) -> bool:
    """Whether `event` makes a notice (decided from its fields alone, no query)."""
    return (
        (event.kind == K.SHARE_CREATED and bool(event.detail.get("grantee")))
        or (event.kind == K.UPLOAD_COMPLETED and event.via == "link" and event.owner_id is not None)
        or (
            event.kind in CHANGE_KINDS
            and event.via in PERSON_VIAS
            and event.actor_id is not None
            and event.owner_id is not None
            and event.actor_id != event.owner_id
        )
    )


def _notice_of(event: ActivityEvent) -> tuple[bool, dict[str, Any]]:
    """What `event` tells (one that _tells_someone says tells someone): whether it counts
    into a batched notice, and that notice's fields (notify's or notify_batched's
    keyword arguments). No query."""
    if event.kind == K.SHARE_CREATED and event.detail.get("grantee"):
        # An invitation (no account yet) is told by its own e-mail, not here.
        url = _folder_url(event.item_id) if event.item_type == "folder" else reverse("sharing:shared-with-me")
        return False, {
            "user_id": event.detail["grantee"],
            "kind": Kind.SHARE_RECEIVED,
            "who": event.actor.email if event.actor else "",
            "about": event.item_name,
            "url": url,
            "key": event.item_id,
        }
    if event.kind == K.UPLOAD_COMPLETED and event.via == "link":
        # One notice per drop folder (a drop link's folder) per batch window.
        return True, {
            "user_id": event.owner_id,
            "kind": Kind.LINK_DROP,
            "key": str(event.item_parent_id or ""),
            "about": event.item_name,
            "url": _folder_url(event.item_parent_id),
        }
    # A collaborator's change (_tells_someone said so).
    return True, {
        "user_id": event.owner_id,
        "kind": Kind.COLLABORATOR_CHANGES,
        "key": str(event.actor_id),
        "who": event.actor.email if event.actor else "",
        "about": event.item_name,
        "url": reverse("activity"),
    }


@receiver(events_committed, dispatch_uid="notifications.from_activity")
def _notices_from_events(sender, events, **kwargs) -> None:
    telling = [event for event in events if _tells_someone(event)]
    if not telling:  # most events (the owner's own changes): no transaction opened
        return
    # The events of one commit that count into one batched notice (an editor's batch of N
    # files into a shared folder: N events) are counted in by one write, not one each:
    # `count` of them, `who` from the first (as the INSERT that opens a notice takes it),
    # `about` and `url` from the latest, written where the first of them came: what N
    # calls of notify_batched would leave, in the same order of writes.
    writes: list[tuple[bool, dict[str, Any]]] = []
    batched: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event in telling:
        is_batched, fields = _notice_of(event)
        if not is_batched:
            writes.append((False, fields))
            continue
        notice = (str(fields["user_id"]), fields["kind"], fields["key"])
        counted = batched.get(notice)
        if counted is None:
            counted = batched[notice] = {**fields, "count": 0}
            writes.append((True, counted))
        counted.update(about=fields["about"], url=fields["url"], count=counted["count"] + 1)
    with transaction.atomic():
        for is_batched, fields in writes:
            if is_batched:
                notify_batched(**fields)
            else:
                notify(**fields)


@receiver(usage_grew, dispatch_uid="notifications.quota")
def _notice_from_quota(sender, user_id, before, after, limit, **kwargs) -> None:
    """Once per crossing: a threshold passed by this growth (before < t % <= after). Several
    passed at once: the highest only. Dropping below and crossing again tells again."""
    if limit <= 0:
        return
    for threshold in QUOTA_THRESHOLDS:
        if before * 100 < threshold * limit <= after * 100:
            notify(
                user_id=user_id,
                kind=Kind.QUOTA,
                about=str(threshold),
                url=reverse("settings_plan"),
                key=str(threshold),
            )
            return
