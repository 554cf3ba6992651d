"""Writes of the activity log. Other apps call `activity_record` after their change
succeeded; recording never decides anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from activity.models import ActivityEvent

PRUNE_BATCH = 5000


def activity_record(
    *,
    kind: str,
    actor=None,
    object_type: str = "",
    object_id=None,
    detail: dict | None = None,
    ip_address: str | None = None,
) -> ActivityEvent:
    """Append one event. `actor` may be None (an anonymous failed sign-in); `ip_address`
    comes from kosha.addresses.client_ip(request) in the interface that calls this."""
    if kind not in ActivityEvent.Kind.values:
        raise ValueError(f"Unknown activity kind {kind!r}")
    return ActivityEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        detail=detail or {},
        ip_address=ip_address,
    )


def activity_prune(*, now: datetime | None = None) -> int:
    """Delete events older than KOSHA_ACTIVITY_RETENTION_DAYS, in batches so no single
    statement holds locks for long. Idempotent. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KOSHA_ACTIVITY_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            ActivityEvent.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return deleted
        deleted += ActivityEvent.objects.filter(pk__in=ids).delete()[0]
