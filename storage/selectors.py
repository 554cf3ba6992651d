"""Reads of the storage app, always scoped to a user: another user's object is NotFound."""

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from kosha.errors import NotFound
from kosha.pages import Page, cursor_sign, cursor_unsign, keyset_after
from plans.models import Usage
from storage.ids import parse_id
from storage.models import File, FileVersion, Folder, UploadSession


def folder_get_for_user(*, user, folder_id, include_trashed: bool = False) -> Folder:
    """The user's folder, or NotFound (also for another user's folder or a malformed id)."""
    parsed = parse_id(folder_id)
    queryset = Folder.objects.filter(owner=user, pk=parsed)
    if not include_trashed:
        queryset = queryset.filter(deleted_at__isnull=True)
    folder = queryset.first() if parsed else None
    if folder is None:
        raise NotFound("Folder not found.", resource="folder")
    return folder


def file_get_for_user(*, user, file_id, include_trashed: bool = False) -> File:
    parsed = parse_id(file_id)
    queryset = File.objects.select_related("current_version", "folder").filter(owner=user, pk=parsed)
    if not include_trashed:
        queryset = queryset.filter(deleted_at__isnull=True)
    file = queryset.first() if parsed else None
    if file is None:
        raise NotFound("File not found.", resource="file")
    return file


def upload_get_for_user(*, user, upload_id) -> UploadSession:
    parsed = parse_id(upload_id)
    upload = UploadSession.objects.filter(owner=user, pk=parsed).first() if parsed else None
    if upload is None:
        raise NotFound("Upload not found.", resource="upload")
    return upload


def folder_children_for_user(*, user, folder: Folder | None) -> tuple[QuerySet[Folder], QuerySet[File]]:
    """Live subfolders and files directly inside folder (None is the root), by name."""
    folders = Folder.objects.filter(owner=user, parent=folder, deleted_at__isnull=True).order_by("name", "id")
    files = File.objects.filter(owner=user, folder=folder, deleted_at__isnull=True).order_by("name", "id")
    return folders, files


# --- trash -------------------------------------------------------------------------------


def usage_get_with_trash_bytes(*, user) -> Usage:
    """The user's Usage with its plan and a `trash_bytes` attribute, in one query."""
    trashed = (
        FileVersion.objects.filter(file__owner=OuterRef("user"), file__deleted_at__isnull=False)
        .order_by()
        .values("file__owner")
        .annotate(total=Sum("size_bytes"))
        .values("total")
    )
    return Usage.objects.select_related("plan").annotate(trash_bytes=Coalesce(Subquery(trashed), 0)).get(user=user)


def trash_roots_for_user(*, user, cursor=None, limit: int) -> Page[Folder | File]:
    """One page of the user's trash roots (folders and files), newest first by
    (deleted_at, id), after `cursor` (a kosha.pages cursor; None: the first page). A
    folder's `size_bytes` is the sum of its batch's file sizes; each item's original
    folder is joined in. Two queries whatever the page size. Raises InvalidInput (cursor)."""
    # Two tables in one order, so not keyset_page: each is cut at the same position.
    scope = f"storage.trash:{user.pk}"
    keys = ["deleted_at", "pk"]
    position = Q()
    if cursor not in (None, ""):
        position = keyset_after(keys, cursor_unsign(cursor, scope=scope, length=len(keys)), descending=True)
    batch_sizes = (
        File.objects.filter(owner=user, trash_batch=OuterRef("trash_batch"))
        .order_by()
        .values("trash_batch")
        .annotate(total=Sum("size_bytes"))
        .values("total")
    )
    folders = list(
        Folder.objects.filter(position, owner=user, is_trash_root=True, deleted_at__isnull=False)
        .select_related("parent")
        .annotate(batch_bytes=Coalesce(Subquery(batch_sizes), 0))
        .order_by("-deleted_at", "-id")[: limit + 1]
    )
    for folder in folders:
        folder.size_bytes = folder.batch_bytes
    files = list(
        File.objects.filter(position, owner=user, is_trash_root=True, deleted_at__isnull=False)
        .select_related("folder")
        .order_by("-deleted_at", "-id")[: limit + 1]
    )
    items = sorted([*folders, *files], key=lambda item: (item.deleted_at, item.pk), reverse=True)
    if len(items) <= limit:
        return Page(items=items, next_cursor=None)
    last = items[limit - 1]
    return Page(items=items[:limit], next_cursor=cursor_sign([last.deleted_at, last.pk], scope=scope))
