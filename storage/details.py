"""What the details panel of the web app shows about one file or folder: its size, type and
dates, its versions (a file), who has access (for its owner: the people it is shared with
and its live links, directly on it) and its latest activity.

Read-only; locks nothing. The caller has checked that the actor may view the item
(sharing.access.file_for_actor / folder_for_actor, which set `.grant`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from activity.models import ActivityEvent
from sharing.models import Share, ShareLink
from storage.models import File, FileVersion, Folder
from storage.tree import folder_subtree

RECENT_ACTIVITY = 10  # events shown, newest first


@dataclass(frozen=True)
class ItemDetails:
    item: File | Folder
    kind: str  # "file" or "folder"
    role: str  # the viewer's: "owner", "editor" or "viewer"
    size_bytes: int  # a file's current version; a folder's live files, all levels down
    file_count: int | None  # a folder's live files, all levels down; None for a file
    version_count: int | None  # None for a folder
    shares: list[Share] | None = None  # None unless the viewer owns the item
    links: list[ShareLink] | None = None
    activity: list[ActivityEvent] = field(default_factory=list)


def item_details(*, item: File | Folder) -> ItemDetails:
    """The details of `item`, which the caller may view (`item.grant`: set by the access door).

    Queries: a file 2 (versions, activity), a folder 3 (subtree, totals, activity), plus 2
    for its owner (shares, links). Activity is the item's own events in its owner's space,
    newest first, at most RECENT_ACTIVITY; who acted is shown, not from where."""
    is_folder = isinstance(item, Folder)
    version_count: int | None
    if isinstance(item, Folder):
        ids = [row.id for row in folder_subtree(owner_id=item.owner_id, folder_id=item.pk)]
        totals = File.objects.filter(
            owner_id=item.owner_id, folder_id__in=ids, deleted_at__isnull=True, current_version__isnull=False
        ).aggregate(count=Count("id"), total=Sum("size_bytes"))
        size_bytes, file_count, version_count = totals["total"] or 0, totals["count"], None
    else:
        size_bytes, file_count = item.size_bytes, None
        version_count = FileVersion.objects.filter(file=item).count()
    shares = links = None
    if item.grant.is_owner:
        on_item = Q(folder_id=item.pk) if is_folder else Q(file_id=item.pk)
        shares = list(Share.objects.filter(on_item).select_related("grantee").order_by("created_at", "id"))
        links = list(
            # Live as sharing.access.link_state says (the item itself is live: it is shown).
            ShareLink.objects.filter(on_item, revoked_at__isnull=True, expires_at__gt=timezone.now())
            .filter(Q(max_downloads__isnull=True) | Q(download_count__lt=F("max_downloads")))
            .order_by("created_at", "id")
        )
    activity = list(
        ActivityEvent.objects.filter(owner_id=item.owner_id, item_id=str(item.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:RECENT_ACTIVITY]
    )
    return ItemDetails(
        item=item,
        kind="folder" if is_folder else "file",
        role=item.grant.role.label,
        size_bytes=size_bytes,
        file_count=file_count,
        version_count=version_count,
        shares=shares,
        links=links,
        activity=activity,
    )
