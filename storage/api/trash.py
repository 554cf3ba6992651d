"""The trash API: list trash roots, restore one, delete one forever, empty the trash."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activity.models import ActivityEvent
from activity.recording import activity_from_request
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, Page, limit_clean, page_parameters, page_response, page_schema
from plans.selectors import usage_get_for_user
from storage.models import Folder
from storage.selectors import trash_roots_for_user
from storage.services.trash import trash_delete, trash_empty, trash_restore


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
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("TrashPage", TrashItemOutput(many=True)),
        tags=["trash"],
    )
    def list(self, request):
        limit = limit_clean(
            request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT, over_maximum="refuse"
        )
        trash_days = usage_get_for_user(user=request.user).plan.trash_days
        page = trash_roots_for_user(user=request.user, cursor=request.query_params.get("cursor"), limit=limit)
        items = [_trash_item(item, trash_days=trash_days) for item in page.items]
        return Response(page_response(Page(items=items, next_cursor=page.next_cursor), TrashItemOutput))

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
