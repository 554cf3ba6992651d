"""The trash API: list trash roots, restore one, delete one forever, empty the trash."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core import signing
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activity.models import ActivityEvent
from activity.recording import activity_from_request
from kosha.errors import InvalidInput
from plans.selectors import usage_get_for_user
from storage.models import Folder
from storage.selectors import trash_roots_for_user
from storage.services.trash import trash_delete, trash_empty, trash_restore

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def cursor_dumps(position: list, *, salt: str) -> str:
    """An opaque, signed keyset position: clients cannot forge or edit one."""
    return signing.dumps(position, salt=salt, compress=True)


def cursor_loads(raw, *, salt: str) -> list | None:
    if raw in (None, ""):
        return None
    try:
        position = signing.loads(raw, salt=salt)
    except signing.BadSignature:
        raise InvalidInput("This cursor is not valid; start from the first page.", field="cursor") from None
    if not isinstance(position, list):
        raise InvalidInput("This cursor is not valid; start from the first page.", field="cursor")
    return position


def page_size_from(request) -> int:
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.", field="limit") from None
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.", field="limit")
    return limit


_TRASH_CURSOR_SALT = "kosha.storage.trash.cursor"


def _trash_position(raw) -> tuple[datetime, uuid.UUID] | None:
    position = cursor_loads(raw, salt=_TRASH_CURSOR_SALT)
    if position is None:
        return None
    try:
        deleted_at, item_id = position
        return datetime.fromisoformat(deleted_at), uuid.UUID(item_id)
    except (TypeError, ValueError):
        raise InvalidInput("This cursor is not valid; start from the first page.", field="cursor") from None


class TrashItemOutput(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    kind = serializers.ChoiceField(choices=["folder", "file"])
    name = serializers.CharField()
    size = serializers.IntegerField(
        source="size_bytes", help_text="A file's size; for a folder, the sum of the files trashed with it."
    )
    deleted_at = serializers.DateTimeField()
    purge_at = serializers.DateTimeField(help_text="When it is deleted forever (deleted_at + the plan's trash_days).")
    folder = serializers.UUIDField(allow_null=True, help_text="The folder it was in (null: the root).")
    folder_name = serializers.CharField(allow_null=True)
    folder_is_trashed = serializers.BooleanField(
        help_text="The original folder is in the trash too (or gone): a restore puts the item in the root."
    )


def _trash_item(item, *, trash_days: int) -> dict:
    is_folder = isinstance(item, Folder)
    parent = item.parent if is_folder else item.folder
    return {
        "pk": item.pk,
        "kind": "folder" if is_folder else "file",
        "name": item.name,
        "size_bytes": item.size_bytes,
        "deleted_at": item.deleted_at,
        "purge_at": item.deleted_at + timedelta(days=trash_days),
        "folder": parent.pk if parent is not None else None,
        "folder_name": parent.name if parent is not None else None,
        "folder_is_trashed": parent is not None and parent.deleted_at is not None,
    }


RestoredOutput = inline_serializer(
    "TrashRestored",
    {
        "id": serializers.UUIDField(),
        "kind": serializers.ChoiceField(choices=["folder", "file"]),
        "name": serializers.CharField(help_text='May be "name (restored)" if the name was taken.'),
        "folder": serializers.UUIDField(allow_null=True, help_text="Where it was restored (null: the root)."),
    },
)

PurgedOutput = inline_serializer(
    "TrashEmptied",
    {
        "items": serializers.IntegerField(help_text="Trash roots deleted forever."),
        "files": serializers.IntegerField(),
        "size": serializers.IntegerField(help_text="Bytes freed, every version counted."),
    },
)


class TrashViewSet(viewsets.ViewSet):
    """Trashed items still count in your usage until deleted forever or purged after the
    plan's trash_days."""

    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary="Your trash, newest first",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next` of the previous page."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}."
            ),
        ],
        responses=inline_serializer(
            "TrashPage",
            {"items": TrashItemOutput(many=True), "next": serializers.CharField(allow_null=True)},
        ),
        tags=["trash"],
    )
    def list(self, request):
        limit = page_size_from(request)
        after = _trash_position(request.query_params.get("cursor"))
        trash_days = usage_get_for_user(user=request.user).plan.trash_days
        items, has_more = trash_roots_for_user(user=request.user, limit=limit, after=after)
        next_cursor = None
        if has_more:
            last = items[-1]
            next_cursor = cursor_dumps([last.deleted_at.isoformat(), str(last.pk)], salt=_TRASH_CURSOR_SALT)
        body = [TrashItemOutput(_trash_item(item, trash_days=trash_days)).data for item in items]
        return Response({"items": body, "next": next_cursor})

    @extend_schema(
        summary="Restore a trashed item",
        description=(
            "Restores exactly what was trashed together with this item, where it was. If a "
            'live item there has the same name it comes back as "name (restored)", then '
            '"name (restored 2)". If its original folder is itself in the trash or was '
            "deleted forever, it is restored to the root."
        ),
        request=None,
        responses={200: RestoredOutput},
        tags=["trash"],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        item = trash_restore(user=request.user, item_id=pk)
        activity_from_request(request, kind=ActivityEvent.Kind.RESTORE, item=item)
        is_folder = isinstance(item, Folder)
        folder = item.parent_id if is_folder else item.folder_id
        return Response({"id": item.pk, "kind": "folder" if is_folder else "file", "name": item.name, "folder": folder})

    @extend_schema(
        summary="Delete a trashed item forever",
        description="Its stored bytes (every version) are deleted and no longer count in your usage.",
        responses={204: None},
        tags=["trash"],
    )
    def destroy(self, request, pk=None):
        trash_delete(user=request.user, item_id=pk)
        activity_from_request(request, kind=ActivityEvent.Kind.PURGE, object_type="trash_item", detail={"id": str(pk)})
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Empty the trash", request=None, responses={200: PurgedOutput}, tags=["trash"])
    @action(detail=False, methods=["post"])
    def empty(self, request):
        purged = trash_empty(user=request.user)
        activity_from_request(
            request,
            kind=ActivityEvent.Kind.PURGE,
            object_type="trash",
            detail={"items": purged.batches, "files": purged.files, "size_bytes": purged.size_bytes},
        )
        return Response({"items": purged.batches, "files": purged.files, "size": purged.size_bytes})
