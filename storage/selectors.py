"""Reads of the storage app, scoped to a user's space.

Items by id are not here: every door reaches a file, folder, version, upload or archive
through sharing.access, which applies the one access rule (the owner and every grant).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from kosha.pages import Page, cursor_sign, cursor_unsign, keyset_after
from plans.models import Plan, Usage
from storage.collation import name_collated
from storage.models import File, FileVersion, Folder

if TYPE_CHECKING:
    from accounts.models import User


def folder_children_for_user(*, user: User, folder: Folder | None) -> tuple[QuerySet[Folder], QuerySet[File]]:
    """Live subfolders and files directly inside folder (None is the root), by name in
    the natural order (storage/collation.py)."""
    folders = Folder.objects.filter(owner=user, parent=folder, deleted_at__isnull=True).order_by(name_collated(), "id")
    files = File.objects.filter(owner=user, folder=folder, deleted_at__isnull=True).order_by(name_collated(), "id")
    return folders, files


# --- trash -------------------------------------------------------------------------------


def _trash_bytes() -> Coalesce:
    """Bytes of the owner's trashed files (every version), for a query over Usage."""
    trashed = (
        FileVersion.objects.filter(file__owner=OuterRef("user"), file__deleted_at__isnull=False)
        .order_by()
        .values("file__owner")
        .annotate(total=Sum("size_bytes"))
        .values("total")
    )
    return Coalesce(Subquery(trashed), 0)


def usage_get_with_trash_bytes(*, user: User) -> Usage:
    """The user's Usage with its plan and a `trash_bytes` attribute, in one query."""
    return Usage.objects.select_related("plan").annotate(trash_bytes=_trash_bytes()).get(user=user)


@functools.cache
def _usage_summary_sql() -> str:
    """The query of usage_summary_for_user, written once from the models' tables and
    columns: what the ORM would compile for the same read (the Usage row, its plan, and
    the trash total as a subquery), without compiling it on every request."""
    usage, plan, file, version = Usage._meta, Plan._meta, File._meta, FileVersion._meta
    quote = connection.ops.quote_name

    def column(meta: Any, field: str) -> str:
        return f"{quote(meta.db_table)}.{quote(meta.get_field(field).column)}"

    plan_columns = ", ".join(column(plan, field) for field in Plan.LIMIT_FIELDS)
    # Only the models' table and column names are interpolated, never a value.
    trash = (
        f"SELECT SUM({column(version, 'size_bytes')}) FROM {quote(version.db_table)}"  # noqa: S608
        f" INNER JOIN {quote(file.db_table)} ON {column(version, 'file')} = {column(file, 'id')}"
        f" WHERE {column(file, 'owner')} = {column(usage, 'user')} AND {column(file, 'deleted_at')} IS NOT NULL"
    )
    counters = ", ".join(column(usage, field) for field in ("used_bytes", "reserved_bytes", "file_count"))
    return (
        f"SELECT {counters}, COALESCE(({trash}), 0), {plan_columns}"  # noqa: S608
        f" FROM {quote(usage.db_table)} INNER JOIN {quote(plan.db_table)} ON {column(usage, 'plan')} = {column(plan, 'id')}"
        f" WHERE {column(usage, 'user')} = %s"
    )


def usage_summary_for_user(*, user: User) -> dict[str, Any]:
    """What GET /api/v1/usage/ answers (UsageOutputSerializer's fields), as plain values
    in one query: used, reserved and available bytes, the file count, the bytes in the
    trash, and the plan's limits under `plan`. The API's most frequent read, so neither
    model instances nor a query compiled on each call (_usage_summary_sql). Takes no
    locks. Raises Usage.DoesNotExist for a user without a Usage row."""
    user_id = Usage._meta.get_field("user").get_db_prep_value(user.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(_usage_summary_sql(), [user_id])
        row = cursor.fetchone()
    if row is None:
        raise Usage.DoesNotExist("No usage row for this user.")
    used_bytes, reserved_bytes, file_count, trash_bytes, *limits = row
    plan = dict(zip(Plan.LIMIT_FIELDS, limits, strict=True))
    return {
        "used_bytes": used_bytes,
        "reserved_bytes": reserved_bytes,
        "file_count": file_count,
        "available_bytes": max(0, plan["storage_bytes"] - used_bytes - reserved_bytes),
        "trash_bytes": int(trash_bytes),  # PostgreSQL's SUM of a bigint is a numeric
        "plan": plan,
    }


def trash_roots_for_user(*, user: User, cursor: str | None = None, limit: int) -> Page[Folder | File]:
    """One page of the trash roots (folders and files) in the user's space and of those
    the user trashed in other people's spaces, newest first by (deleted_at, id), after
    `cursor` (a kosha.pages cursor; None: the first page). A folder's `size_bytes` is the
    sum of its batch's file sizes; each item's original folder, owner (with usage and
    plan, for the retention) and trasher are joined in. Two queries whatever the page
    size. Whether the user may still act on another person's item is sharing's to say.
    Raises InvalidCursor (an InvalidInput)."""
    # Two tables in one order, so not keyset_page: each is cut at the same position.
    scope = f"storage.trash:{user.pk}"
    keys = ["deleted_at", "pk"]
    position = Q()
    if cursor not in (None, ""):
        position = keyset_after(keys, cursor_unsign(cursor, scope=scope, length=len(keys)), descending=True)
    mine_or_by_me = Q(owner=user) | Q(trashed_by=user)
    batch_sizes = (
        File.objects.filter(owner=OuterRef("owner"), trash_batch=OuterRef("trash_batch"))
        .order_by()
        .values("trash_batch")
        .annotate(total=Sum("size_bytes"))
        .values("total")
    )
    joined = ("owner__usage__plan", "trashed_by")
    folders = list(
        Folder.objects.filter(position, mine_or_by_me, is_trash_root=True, deleted_at__isnull=False)
        .select_related("parent", *joined)
        .annotate(batch_bytes=Coalesce(Subquery(batch_sizes), 0))
        .order_by("-deleted_at", "-id")[: limit + 1]
    )
    for folder in folders:
        # A folder has no size column: the trash shows the bytes of its batch as its size.
        folder.size_bytes = folder.batch_bytes  # type: ignore[attr-defined]
    files = list(
        File.objects.filter(position, mine_or_by_me, is_trash_root=True, deleted_at__isnull=False)
        .select_related("folder", *joined)
        .order_by("-deleted_at", "-id")[: limit + 1]
    )
    items: list[Folder | File] = sorted([*folders, *files], key=lambda item: (item.deleted_at, item.pk), reverse=True)
    if len(items) <= limit:
        return Page(items=items, next_cursor=None)
    last = items[limit - 1]
    return Page(items=items[:limit], next_cursor=cursor_sign([last.deleted_at, last.pk], scope=scope))
